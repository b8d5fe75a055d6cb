"""Sign-in on the screen and through the API: lockout per account, no user enumeration, rate limits."""

from __future__ import annotations

import os

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, make_app

PASSWORD = "Signin-pass-2026"
WRONG = "wrong-password-9"
GENERIC = "用户名或密码错误"
#: Rate limits count per client address, whoever signs in; an unknown name locks no account other tests use.
NOBODY = "nobody"
#: The sign-in limits' store, emptied by the tests; two runs side by side each need their own
#: (``PORTAL_TEST_LIMITS_REDIS_URL``).
REDIS_URL = os.environ.get("PORTAL_TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/14")


def _new_user(app: Any, prefix: str) -> str:
    from portal.security.accounts import create_user

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, "viewer")
    return name


def _deactivate(app: Any, name: str) -> None:
    from portal.security.accounts import set_active

    with app.app_context():
        set_active(name, False)


def _screen_sign_in(app: Any, username: str, password: str) -> tuple[bool, str]:
    """Sign in on the screen: (signed in?, the page the browser lands on)."""
    client = app.test_client()
    response = login(client, username, password)
    if "/login" not in response.headers["Location"]:
        return True, ""
    return False, client.get(response.headers["Location"]).get_data(as_text=True)


def _api_sign_in(client: Any, username: str, password: str) -> Any:
    return client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})


def _lock(app: Any, name: str) -> None:
    for _ in range(app.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        assert _screen_sign_in(app, name, WRONG)[0] is False


def test_failures_lock_the_account_however_its_name_is_typed(app: Any, clean: None) -> None:
    name = _new_user(app, "lock_t")
    spellings = [name.upper(), f"{name}@portal.local", name.capitalize(), name.upper(), name]
    assert len(spellings) == app.config["PORTAL_LOCKOUT_ATTEMPTS"]
    for typed in spellings:
        assert _screen_sign_in(app, typed, WRONG)[0] is False
    for typed in (name, name.upper(), f"{name}@portal.local"):
        signed_in, page = _screen_sign_in(app, typed, PASSWORD)
        assert not signed_in and "已暂时锁定" in page, typed
        response = _api_sign_in(app.test_client(), typed, PASSWORD)
        assert response.status_code == 401 and "已暂时锁定" in response.get_json()["message"], typed


def test_a_wrong_password_gets_the_same_answer_for_every_account(app: Any, clean: None) -> None:
    """Unknown, locked, deactivated or fine: a wrong password never tells which."""
    locked, leaver, plain = _new_user(app, "locked"), _new_user(app, "leaver"), _new_user(app, "plain")
    _lock(app, locked)
    _deactivate(app, leaver)
    answers = set()
    for typed in (f"nobody_{uuid.uuid4().hex[:12]}", locked, leaver, plain):
        signed_in, page = _screen_sign_in(app, typed, WRONG)
        assert not signed_in and GENERIC in page and "锁定" not in page and "停用" not in page, typed
        response = _api_sign_in(app.test_client(), typed, WRONG)
        answers.add((response.status_code, response.get_json()["message"]))
    assert answers == {(401, "用户名或密码错误，请重试。")}


def test_a_locked_or_deactivated_account_says_so_after_the_right_password(app: Any, clean: None) -> None:
    locked, leaver = _new_user(app, "locked"), _new_user(app, "leaver")
    _lock(app, locked)
    _deactivate(app, leaver)
    for name, reason in ((locked, "已暂时锁定"), (leaver, "该账户已停用")):
        signed_in, page = _screen_sign_in(app, name, PASSWORD)
        assert not signed_in and reason in page and GENERIC not in page
        response = _api_sign_in(app.test_client(), name, PASSWORD)
        assert response.status_code == 401 and reason in response.get_json()["message"]
        assert "access_token" not in response.get_json()


@pytest.fixture()
def limited_app(app: Any, database_url: str, tmp_path: Path) -> Any:
    """The same database with the rate limiter on (3 sign-ins a minute), its counts apart from other tests."""
    return make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, PORTAL_LOGIN_RATE_LIMIT="3 per minute",
                    RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")


@pytest.mark.parametrize("url", ["/api/v1/security/login", "/api/v1/security/refresh", "/resetmypassword/form"])
def test_every_sign_in_endpoint_is_rate_limited(limited_app: Any, url: str) -> None:
    client = limited_app.test_client()
    statuses = [client.post(url, json={"username": NOBODY, "password": WRONG, "provider": "db"}).status_code
                for _ in range(4)]
    assert statuses[:3].count(429) == 0 and statuses[3] == 429, statuses
    answer = client.post(url, json={})
    text = answer.get_json()["message"] if answer.is_json else answer.get_data(as_text=True)
    assert answer.status_code == 429 and "操作过于频繁" in text


def test_with_redis_the_workers_share_the_sign_in_counts(app: Any, database_url: str, tmp_path: Path) -> None:
    """Two workers (two apps) with ``PORTAL_REDIS_URL``: the limit counts the attempts made at either."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis 未运行（{REDIS_URL}）：{error}")
    prefix = f"test-{uuid.uuid4().hex}"
    workers = [make_app(database_url, tmp_path / str(number), RATELIMIT_ENABLED=True, PORTAL_REDIS_URL=REDIS_URL,
                        PORTAL_LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_KEY_PREFIX=prefix) for number in (1, 2)]
    assert all(worker.config["RATELIMIT_STORAGE_URI"] == REDIS_URL for worker in workers)
    first, second = (worker.test_client() for worker in workers)
    assert [_api_sign_in(first, NOBODY, WRONG).status_code for _ in range(2)] == [401, 401]
    assert _api_sign_in(second, NOBODY, WRONG).status_code == 401
    assert _api_sign_in(second, NOBODY, WRONG).status_code == 429
    assert login(first, NOBODY, WRONG).status_code == 429  # the screen and the API share one budget per address


def test_sign_in_still_answers_while_redis_is_down(app: Any, database_url: str, tmp_path: Path) -> None:
    unreachable = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, PORTAL_REDIS_URL="redis://127.0.0.1:1/0",
                           RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    client = unreachable.test_client()
    response = _api_sign_in(client, NOBODY, WRONG)
    assert response.status_code == 401 and response.get_json()["message"] == "用户名或密码错误，请重试。"
    assert "/login" in login(client, NOBODY, WRONG).headers["Location"]
