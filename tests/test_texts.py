"""``portal.texts``: gettext in the request's language, and in the default language (zh) outside Flask."""

from __future__ import annotations

from typing import Any

from portal.texts import gettext, lazy_gettext


def test_outside_flask_the_text_is_the_default_languages() -> None:
    assert gettext("none") == "无"
    assert gettext("Scope: %(scope)s", scope="全部单位") == "数据范围：全部单位"
    assert str(lazy_gettext("none")) == "无"
    assert gettext("A text no catalogue has") == "A text no catalogue has"


def test_in_a_request_the_text_follows_the_language(app: Any) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        assert gettext("Scope: %(scope)s", scope="All units") == "Scope: All units"
    with app.test_request_context("/"):
        assert gettext("none") == "无"
