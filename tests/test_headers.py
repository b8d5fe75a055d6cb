"""Security headers on every response, scripts only with the request's nonce, Secure cookies on HTTPS."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, login, make_app

NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'")


def policy(response: Any) -> dict[str, str]:
    """The Content-Security-Policy as directive -> sources."""
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (item.strip() for item in header.split(";")) if part}


class Scripts(HTMLParser):
    """Every <script>, inline handler attribute and javascript: URL of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")


@pytest.mark.parametrize("path", ["/login/", "/static/portal.js", "/api/v1/org_units/", "/no-such-page"])
def test_every_response_carries_the_security_headers(app: Any, path: str) -> None:
    response = app.test_client().get(path)
    directives = policy(response)
    assert NONCE.search(response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_nonce_is_new_on_each_request_and_is_the_one_the_scripts_carry(admin_client: Any,
                                                                           org_tree: dict[str, int]) -> None:
    seen = set()
    for path in ("/", "/org_units/list/", f"/org_units/show/{org_tree['A']}", "/org_units/add",
                 f"/org_units/edit/{org_tree['A']}", "/members/list/", "/members/import/", "/users/list/",
                 "/roles/matrix", "/audit/list/", "/org_units/delete/1"):
        response = admin_client.get(path)
        match = NONCE.search(response.headers["Content-Security-Policy"])
        assert match, path
        nonce = match.group(1)
        assert nonce not in seen
        seen.add(nonce)
        page = Scripts()
        page.feed(response.get_data(as_text=True))
        assert page.scripts, path
        for script in page.scripts:
            assert script.get("nonce") == nonce, (path, script)
        assert page.handlers == [], path


def test_cookies_are_secure_only_when_served_over_https(app: Any, database_url: str, tmp_path: Path) -> None:
    plain = app.test_client().get("/login/")
    assert "Secure" not in plain.headers.get("Set-Cookie", "")
    assert "Strict-Transport-Security" not in plain.headers
    https = make_app(database_url, tmp_path, PORTAL_HTTPS="1")
    assert https.config["SESSION_COOKIE_SECURE"] and https.config["REMEMBER_COOKIE_SECURE"]
    client = https.test_client()
    response = login(client, "admin", ADMIN_PASSWORD)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = [cookie for cookie in cookies if cookie.startswith("session=")]
    assert session and all("Secure" in cookie and "HttpOnly" in cookie for cookie in session)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_portal_https_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from portal.config import build_config

    for value, expected in (("1", True), ("true", True), ("0", False), ("", False)):
        monkeypatch.setenv("PORTAL_HTTPS", value)
        config = build_config({"PORTAL_INSTANCE_DIR": str(tmp_path)})
        assert config["PORTAL_HTTPS"] is expected
        assert config.get("SESSION_COOKIE_SECURE", False) is expected
