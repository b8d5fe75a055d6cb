"""Security basics: hashed passwords, CSRF on forms, cookie flags, login rate limit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_PASSWORD, login, make_app


@pytest.fixture()
def strict_app(app: Any, database_url: str, tmp_path: Path) -> Any:
    """The same database, with CSRF and the login rate limit switched on as in production."""
    return make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                    PORTAL_LOGIN_RATE_LIMIT="5 per minute")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the form"
    return match.group(1)


def test_passwords_are_stored_hashed(app: Any) -> None:
    from portal.extensions import db

    with app.app_context():
        stored = db.session.execute(sa.text("SELECT password FROM ab_user WHERE username = 'admin'")).scalar_one()
    assert stored != ADMIN_PASSWORD
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_forms_refuse_a_post_without_csrf_token(strict_app: Any, clean: None) -> None:
    client = strict_app.test_client()
    token = _csrf(client.get("/login/").get_data(as_text=True))
    assert client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD,
                                        "csrf_token": token}).status_code == 302
    response = client.post("/org_units/add", data={"code": "X1", "name": "无令牌", "unit_type": "总工会"})
    assert response.status_code in (200, 400)
    listing = client.get("/org_units/list/").get_data(as_text=True)
    assert "无令牌" not in listing
    form_token = _csrf(client.get("/org_units/add").get_data(as_text=True))
    saved = client.post("/org_units/add", data={"code": "X1", "name": "有令牌", "unit_type": "总工会",
                                                "csrf_token": form_token})
    assert saved.status_code == 302
    assert "有令牌" in client.get("/org_units/list/").get_data(as_text=True)


def test_login_without_csrf_token_is_refused(strict_app: Any) -> None:
    client = strict_app.test_client()
    response = login(client)
    assert response.status_code != 302 or "/login" in response.headers.get("Location", "")


def test_session_cookie_is_httponly_and_samesite(strict_app: Any) -> None:
    client = strict_app.test_client()
    response = client.get("/login/")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_repeated_failed_logins_are_slowed_down_in_chinese(strict_app: Any) -> None:
    client = strict_app.test_client()
    statuses = [client.post("/login/", data={"username": "admin", "password": "wrong-password"}).status_code
                for _ in range(7)]
    assert statuses[-1] == 429
    page = client.post("/login/", data={"username": "admin", "password": "wrong-password"})
    assert "操作过于频繁" in page.get_data(as_text=True)
