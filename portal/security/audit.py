"""The audit trail: every write to a register, every sign-in and every permission change.

Register writes are caught where they reach the database (the session's ``after_flush``), so the
screens, the API, the import and any script are recorded alike, in the same transaction as the
change. Entries are append-only: the ORM refuses to update or delete them, and no screen or API
offers to. Values are stored as written; readers see sensitive ones masked (``audit_views``).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import LazyString
from flask_appbuilder import Model
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.security.access import org_of
from portal.security.current import request_user
from portal.texts import gettext, lazy_gettext


class AuditEntry(Model):
    """One audited event."""

    __tablename__ = "portal_audit"
    #: A record's history (``register`` and ``record_id``) is found by one index; the low-cardinality columns
    #: (``action``, ``register`` alone) and ``record_key`` (shown, never searched) have none: a big import writes
    #: an entry per record, and every index is written with it.
    __table_args__ = (sa.Index("ix_portal_audit_register_record_id", "register", "record_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False, index=True)
    username: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    #: create, update, delete, login, login_failed, login_locked, permissions, account
    action: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    register: Mapped[str | None] = mapped_column(sa.String(64))
    record_id: Mapped[int | None] = mapped_column(sa.Integer)
    record_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: The record's org unit, so a subtree reader sees only entries about their own rows.
    org_unit_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    #: JSON ``{field: [old, new]}``. A ``create`` entry keeps the new values alone, ``{field: value}`` (a blank
    #: field null or left out), which ``changes_dict`` reads as ``[None, value]``; older ones kept ``[null, value]``.
    changes: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    #: The import batch that made (or undid) this change; ``None`` for screens, API and scripts.
    batch_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    def changes_dict(self) -> dict[str, list[Any]]:
        """``{field: [old, new]}``, whichever form the entry was stored in."""
        return changes_of(self.changes, self.action)

    @property
    def changes_text(self) -> str:
        """The change as the current reader may see it (sensitive values masked)."""
        return READERS["changes"](self)

    @property
    def changes_short(self) -> str:
        """The list page's version: the first 80 characters."""
        text = self.changes_text
        return text if len(text) <= 80 else text[:80] + "…"

    @property
    def record_text(self) -> str:
        """The record's key as the current reader may see it."""
        return READERS["record"](self)


def changes_of(text: str | None, action: str) -> dict[str, list[Any]]:
    """The stored ``changes`` of an entry as ``{field: [old, new]}``: a ``create`` entry's ``{field: value}``
    becomes ``[None, value]`` with blanks left out; the older ``[null, value]`` form reads the same."""
    if not text:
        return {}
    changes = json.loads(text)
    if action != "create":
        return changes
    return {name: value if value.__class__ is list else [None, value] for name, value in changes.items()
            if value is not None and value != ""}


def _masked_raw(entry: AuditEntry) -> str:
    """Until the screens install their reader-aware texts, nothing of a change is shown."""
    return "****"


#: How an entry's changes and record read to the current reader. The audit screens install their
#: masking-aware versions (``portal.web.audit_views``); this module does not import the screens.
READERS: dict[str, Callable[[AuditEntry], str]] = {"changes": _masked_raw, "record": _masked_raw}


#: What each stored action code reads as, in the reader's language.
ACTIONS: dict[str, LazyString] = {
    "create": lazy_gettext("Record added"),
    "update": lazy_gettext("Record changed"),
    "delete": lazy_gettext("Deleted"),
    "login": lazy_gettext("Signed in"),
    "logout": lazy_gettext("Signed out"),
    "login_failed": lazy_gettext("Sign-in failed"),
    "login_locked": lazy_gettext("Locked out"),
    "permissions": lazy_gettext("Permissions changed"),
    "account": lazy_gettext("Account changed"),
    "import": lazy_gettext("Rows imported"),
    "import_undo": lazy_gettext("Import undone"),
    "export": lazy_gettext("Exported"),
    "print": lazy_gettext("Printed"),
    "congress": lazy_gettext("Congress"),
    "transition": lazy_gettext("Transition"),
    "approval": lazy_gettext("Approval"),
}
#: Account columns whose changes are audited (the password only as "changed").
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "active", "org_unit_id", "password")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


#: Who background work (an import job, ``portal import --user``) acts for.
_ACTING_AS: ContextVar[str | None] = ContextVar("portal_acting_as", default=None)


@contextmanager
def acting_as(username: str) -> Iterator[None]:
    """Record audit entries written inside the block under ``username``."""
    token = _ACTING_AS.set(username)
    try:
        yield
    finally:
        _ACTING_AS.reset(token)


def actor_name() -> str:
    acting = _ACTING_AS.get()
    if acting:
        return acting
    if has_request_context():
        user = request_user()
        if user is not None:
            return str(user.username)
    return "system"


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def plain(value: Any) -> Any:
    """A JSON-safe form of a stored value (links by their natural key)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    register = getattr(value, "__register__", None)
    if register is not None:
        return str(getattr(value, register.key))
    return str(value)


def entry(action: str, **values: Any) -> dict[str, Any]:
    return {"at": now_utc(), "username": actor_name(), "action": action, "ip": _client_ip(), "register": None,
            "record_id": None, "record_key": None, "org_unit_id": None, "changes": None, "detail": None,
            "batch_id": None, **values}


def write(connection_or_session: Any, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        connection_or_session.execute(sa.insert(AuditEntry), rows)


def record(session: Session, action: str, commit: bool = False, **values: Any) -> None:
    """Add one entry outside a register write (sign-ins, role sync)."""
    write(session, [entry(action, **values)])
    if commit:
        session.commit()


def failed_logins_since(session: Session, username: str, minutes: int) -> int:
    """Failed sign-ins of ``username`` in the last ``minutes`` after their last successful one."""
    since = now_utc() - timedelta(minutes=minutes)
    last_ok = session.scalar(sa.select(sa.func.max(AuditEntry.at)).where(
        AuditEntry.username == username, AuditEntry.action == "login"))
    if last_ok is not None and last_ok > since:
        since = last_ok
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.username == username, AuditEntry.action == "login_failed", AuditEntry.at > since)) or 0


def _register_changes(obj: Any, action: str) -> dict[str, Any]:
    spec = obj.__register__
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for field in spec.fields:
        if field.name not in state.attrs:
            continue  # virtual fields (age) are not stored
        if action in ("create", "delete"):
            value = plain(state.dict.get(field.name))
            if value not in (None, ""):
                changes[field.name] = value if action == "create" else [value, None]
        else:
            history = state.attrs[field.name].history
            if not history.added and not history.deleted:
                continue
            old = plain(history.deleted[0]) if history.deleted else None
            new = plain(history.added[0]) if history.added else None
            if old != new:
                changes[field.name] = [old, new]
    return changes


def _register_rows(session: Session) -> list[dict[str, Any]]:
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            spec = getattr(type(obj), "__register__", None)
            if spec is None:
                continue
            changes = _register_changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(entry(action, register=spec.slug, record_id=obj.id, record_key=plain(getattr(obj, spec.key)),
                              org_unit_id=org_of(spec, obj), changes=json.dumps(changes, ensure_ascii=False)))
    return rows


def _account_rows(session: Session, user_model: type[Any], role_model: type[Any]) -> list[dict[str, Any]]:
    rows = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, user_model):
            changes = _account_changes(obj, obj in session.new)
            if changes:
                action = "permissions" if "roles" in changes else "account"
                rows.append(entry(action, register="users", record_id=obj.id, record_key=obj.username,
                                  changes=json.dumps(changes, ensure_ascii=False)))
        elif isinstance(obj, role_model):
            history = inspect(obj).attrs.permissions.history
            if history.added or history.deleted:
                changes = {"permissions": [sorted(str(pv) for pv in history.deleted),
                                           sorted(str(pv) for pv in history.added)]}
                rows.append(entry("permissions", register="roles", record_id=obj.id, record_key=obj.name,
                                  changes=json.dumps(changes, ensure_ascii=False)))
    return rows


def _account_changes(user: Any, created: bool) -> dict[str, list[Any]]:
    state = inspect(user)
    changes: dict[str, list[Any]] = {}
    for name in ACCOUNT_FIELDS:
        history = state.attrs[name].history
        if not (history.added or history.deleted) and not created:
            continue
        old = None if created or not history.deleted else history.deleted[0]
        new = history.added[0] if history.added else (state.attrs[name].value if created else None)
        if old == new:
            continue
        if name == "password":
            changes[name] = ["", "（已更改）"] if new else ["", ""]  # i18n: data (stored in the entry)
            continue
        changes[name] = [plain(old), plain(new)]
    roles = state.attrs.roles.history
    if roles.added or roles.deleted or created:
        before = [role.name for role in roles.unchanged or ()] + [role.name for role in roles.deleted or ()]
        after = [role.name for role in roles.unchanged or ()] + [role.name for role in roles.added or ()]
        if sorted(before) != sorted(after):
            changes["roles"] = [sorted(before), sorted(after)]
    return changes


_ACCOUNT_MODELS: list[type] = []


def _guard(session: Session, context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError(gettext("The audit trail can only be added to, never changed or deleted"))


def _audit(session: Session, context: Any) -> None:
    rows = _register_rows(session)
    if _ACCOUNT_MODELS:
        rows += _account_rows(session, *_ACCOUNT_MODELS)
    write(session.connection(), rows)


def install(session_factory: Any, user_model: type[Any], role_model: type[Any]) -> None:
    """Listen on the shared session (once per process): audit register and account writes, and
    refuse to alter entries."""
    _ACCOUNT_MODELS[:] = [user_model, role_model]
    if not event.contains(session_factory, "after_flush", _audit):
        event.listen(session_factory, "before_flush", _guard)
        event.listen(session_factory, "after_flush", _audit)
