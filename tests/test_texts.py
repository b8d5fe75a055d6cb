"""``portal.texts``: gettext in the request's language, and in the default language (zh) outside Flask."""

from __future__ import annotations

from typing import Any

from portal.texts import gettext, in_locale, lazy_gettext, lazy_pgettext, pgettext


def test_outside_flask_the_text_is_the_default_languages() -> None:
    assert gettext("none") == "无"
    assert gettext("Scope: %(scope)s", scope="全部单位") == "数据范围：全部单位"
    assert str(lazy_gettext("none")) == "无"
    assert gettext("A text no catalogue has") == "A text no catalogue has"


def test_a_context_tells_one_english_word_in_two_senses_apart() -> None:
    assert pgettext("role verb", "Create") == "新增" and gettext("Create") == "新建"  # Flask-AppBuilder's button
    assert str(lazy_pgettext("role verb", "Create")) == "新增"


def test_in_locale_chooses_the_language_outside_flask_too() -> None:
    created = lazy_pgettext("role verb", "Create")
    with in_locale("en"):
        assert gettext("none") == "none" and str(created) == "Create"
        assert gettext("Scope: %(scope)s", scope="All units") == "Scope: All units"
    assert str(created) == "新增"


def test_in_a_request_the_text_follows_the_language(app: Any) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        assert gettext("Scope: %(scope)s", scope="All units") == "Scope: All units"
    with app.test_request_context("/"):
        assert gettext("none") == "无"
        with in_locale("en"):
            assert pgettext("role verb", "Create") == "Create"
        assert pgettext("role verb", "Create") == "新增"
