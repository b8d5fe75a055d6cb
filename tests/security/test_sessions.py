"""Session versions: signing out, a password change or deactivation ends the account's cookies and tokens."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import login

PASSWORD = "Session-pass-2026"
NEW_PASSWORD = "Session-new-2027"


def _new_user(app: Any, prefix: str = "sv") -> str:
    from portal.security.accounts import create_user

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, "viewer")
    return name


def _signed_in(app: Any, name: str, password: str = PASSWORD) -> Any:
    client = app.test_client()
    assert "/login" not in login(client, name, password).headers["Location"]
    return client


def _token(app: Any, name: str, password: str = PASSWORD, kind: str = "access_token") -> dict[str, str]:
    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": name, "password": password, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()[kind]}"}


def _refresh_status(app: Any, refresh_token: dict[str, str]) -> int:
    return app.test_client().post("/api/v1/security/refresh", headers=refresh_token).status_code


def _replayed(app: Any, client: Any) -> Any:
    """A new browser holding a copy of ``client``'s session cookie."""
    saved = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", saved.value)
    return thief


def _api_status(client: Any, headers: dict[str, str] | None = None) -> int:
    return client.get("/api/v1/members/", headers=headers or {}).status_code


def _screen_sends_to_login(client: Any) -> bool:
    response = client.get("/members/list/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_out_ends_a_saved_cookie_and_the_accounts_tokens(app: Any, clean: None) -> None:
    name = _new_user(app)
    browser = _signed_in(app, name)
    token, refresh = _token(app, name), _token(app, name, kind="refresh_token")
    saved = _replayed(app, browser)
    assert _api_status(saved) == 200 and _api_status(app.test_client(), token) == 200
    assert _refresh_status(app, refresh) == 200
    assert browser.post("/logout/").status_code == 302
    assert _api_status(saved) == 401
    assert _screen_sends_to_login(saved)
    refused = app.test_client().get("/api/v1/members/", headers=token)
    assert refused.status_code == 401 and "请重新登录" in refused.get_json()["message"]
    assert _refresh_status(app, refresh) == 401
    assert _api_status(_signed_in(app, name)) == 200  # signing in again works


def test_changing_my_password_asks_for_the_current_one_in_chinese(app: Any, clean: None) -> None:
    name = _new_user(app)
    browser = _signed_in(app, name)
    assert "当前密码" in browser.get("/resetmypassword/form").get_data(as_text=True)
    wrong = browser.post("/resetmypassword/form", data={
        "current_password": "not-my-password", "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    weak = browser.post("/resetmypassword/form", data={
        "current_password": PASSWORD, "password": "1234567890", "conf_password": "1234567890"})
    assert "密码不能全是数字" in weak.get_data(as_text=True)
    _signed_in(app, name)  # the password is unchanged


def test_a_password_change_ends_the_other_sessions_and_tokens_but_not_this_one(app: Any, clean: None) -> None:
    name = _new_user(app)
    here, elsewhere = _signed_in(app, name), _signed_in(app, name)
    token = _token(app, name)
    changed = here.post("/resetmypassword/form", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _api_status(here) == 200
    assert _api_status(elsewhere) == 401 and _screen_sends_to_login(elsewhere)
    assert _api_status(app.test_client(), token) == 401
    assert _api_status(_signed_in(app, name, NEW_PASSWORD)) == 200


def test_an_admin_password_reset_ends_the_users_sessions(app: Any, admin_client: Any) -> None:
    name = _new_user(app)
    browser = _signed_in(app, name)
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username=name).id
    reset = admin_client.post(f"/resetpassword/form?pk={user_id}",
                              data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert reset.status_code == 302
    assert _api_status(browser) == 401
    assert _api_status(admin_client) == 200  # the admin's own session is untouched


def test_deactivation_ends_cookies_and_tokens_for_good(app: Any, clean: None) -> None:
    """Reactivating the account does not bring its old sessions back."""
    from portal.security.accounts import set_active

    name = _new_user(app)
    browser = _signed_in(app, name)
    token = _token(app, name)
    with app.app_context():
        set_active(name, False)
    assert _api_status(browser) == 401 and _api_status(app.test_client(), token) == 401
    with app.app_context():
        set_active(name, True)
    assert _api_status(browser) == 401 and _api_status(app.test_client(), token) == 401
    assert _api_status(_signed_in(app, name)) == 200
