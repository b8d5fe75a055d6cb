"""Session versions: signing out, a password change or deactivation ends every session and token of an account.

Each account has a ``session_version``. The browser session keeps ``"<user id>:<version>"`` (Flask-Login's
user id) and an API token carries the version in its ``sv`` claim; both are refused once the account's
version has moved on, or the account is deactivated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

#: The API token claim that holds the session version it was issued under.
VERSION_CLAIM = "sv"


def session_id(user: Any) -> str:
    """The id a browser session keeps for ``user``: the account and its current session version."""
    return f"{user.id}:{user.session_version or 0}"


def parse_session_id(value: Any) -> tuple[int, int] | None:
    """``"12:3"`` -> ``(12, 3)``; anything else (such as a session from before versions existed) -> None."""
    parts = str(value).split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])


def is_current(user: Any, version: Any) -> bool:
    """A session or token issued under ``version`` still stands for ``user``."""
    return user is not None and bool(user.is_active) and (user.session_version or 0) == version


def end_sessions(user: Any) -> None:
    """Invalidate every browser session and API token of ``user`` (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def end_sessions_on_credential_change(_mapper: Any, _connection: Any, user: Any) -> None:
    """``before_update`` of accounts: a new password or a deactivation ends the account's sessions."""
    attrs = inspect(user).attrs
    if attrs.session_version.history.has_changes():
        return
    deactivated = attrs.active.history.has_changes() and not user.active
    if attrs.password.history.has_changes() or deactivated:
        end_sessions(user)
