"""Shared fixtures: every app-level test runs on SQLite and on PostgreSQL.

``PORTAL_TEST_DATABASES`` (default ``sqlite,postgresql``) picks the databases. PostgreSQL that
cannot be reached is an error, not a skip: CI must prove both.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

# The suite keeps a few dozen apps (models, views, menus) alive for its whole run: with Python's default
# thresholds every full collection walks them all again. Fewer, larger collections take an eighth off the run.
gc.set_threshold(20_000, 50, 100)

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASES = [name.strip() for name in os.environ.get("PORTAL_TEST_DATABASES", "sqlite,postgresql").split(",")]
ADMIN_PASSWORD = "Admin-pass-2026"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: The org tree tests rely on: HQ → A, B (基层工会) → A01 (分工会) → A01-1 (工会小组).
ORG_TREE = [
    {"code": "HQ", "name": "集团公司工会", "unit_type": "总工会"},
    {"code": "A", "name": "第一机械厂工会", "unit_type": "基层工会", "parent": "HQ"},
    {"code": "B", "name": "物流中心工会", "unit_type": "基层工会", "parent": "HQ"},
    {"code": "A01", "name": "机加工车间分工会", "unit_type": "分工会", "parent": "A"},
    {"code": "A01-1", "name": "车工一组", "unit_type": "工会小组", "parent": "A01"},
]


def fresh_postgres_database(prefix: str) -> str:
    """Create an empty database and return its URL (dropped again by ``drop_postgres_database``)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(f"无法连接 PostgreSQL（{PG_ADMIN_URL}）：{error}")
    finally:
        engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def reading_children() -> list[str]:
    """The spreadsheet-reading processes this test process has started and not yet waited for."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"read_child" in command:
                found.append(pid)
    return found


def own_copy(database_url: str, folder: Path) -> str:
    """On SQLite, a copy of the test database (in ``folder``) for a command that writes from another process: the
    test process has forked queue workers on the shared file earlier (``tests/io/test_jobs.py``), and a write
    from another process afterwards leaves it malformed for every later test. PostgreSQL: the same database."""
    if not database_url.startswith("sqlite:///"):
        return database_url
    copy = folder / "copy.db"
    source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    with closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    source.close()
    return f"sqlite:///{copy}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.db'}"
    elif request.param == "postgresql":
        url = fresh_postgres_database("portal_test")
        yield url
        drop_postgres_database(url)
    else:
        raise ValueError(f"unknown test database {request.param}")


def make_app(database_url: str, instance: Path, **overrides: Any) -> Any:
    from portal import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_INSTANCE_DIR": str(instance),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "TESTING": True,
        # a cheap hash for the thousands of test accounts (the portal keeps FAB's scrypt; a stored hash names its
        # method, so checking works either way)
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    application = create_app(config)
    gc.freeze()  # the app lives as long as the suite: its objects are left out of every later collection
    return application


def upgrade_and_sync(app: Any) -> None:
    from flask_migrate import upgrade

    from portal.security.accounts import create_user
    from portal.security.sync import sync_roles

    with app.app_context():
        upgrade()
    sync_roles(app)
    with app.app_context():
        if not app.appbuilder.sm.find_user(username="admin"):
            create_user("admin", ADMIN_PASSWORD, "admin")


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    application = make_app(database_url, tmp_path_factory.mktemp("instance"))
    upgrade_and_sync(application)
    yield application
    from portal.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def clean(app: Any) -> Iterator[None]:
    """Empty every register table after the test (children first)."""
    yield
    from portal.extensions import db

    with app.app_context():
        db.session.rollback()
        metadata = app.extensions["portal"].models.metadata
        for table in reversed(metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def login(client: Any, username: str = "admin", password: str = ADMIN_PASSWORD) -> Any:
    return client.post("/login/", data={"username": username, "password": password})


@pytest.fixture()
def admin_client(app: Any, clean: None) -> Any:
    client = app.test_client()
    response = login(client)
    assert response.status_code == 302, response.data[:500]
    return client


@pytest.fixture()
def org_tree(app: Any, admin_client: Any) -> dict[str, int]:
    """A small tree: HQ → A, B (基层工会) → A01 (分工会) → A01-1 (工会小组)."""
    ids = {}
    for row in ORG_TREE:
        response = admin_client.post("/api/v1/org_units/", json=row)
        assert response.status_code == 201, response.get_json()
        ids[row["code"]] = response.get_json()["id"]
    return ids


#: How a member reaches a status through the membership workflow (schemas/members.yaml), for fixtures.
MEMBER_MOVES = {
    "保留会籍": ("hold", {"fields": {"hold_reason": "退休", "hold_from": "2026-01-01"}}),
    "退会": ("leave", {"reason": "本人申请退会"}),
    "转出中": ("transfer_out", {"fields": {"transfer_to": "A01"}}),
    "在籍": ("resume", {}),
}


def move_member(client: Any, member_id: int, status: str) -> None:
    """Put a member into ``status`` by pressing the transition that leads there (as that client)."""
    name, body = MEMBER_MOVES[status]
    response = client.post(f"/api/v1/members/{member_id}/transition/{name}", json=body)
    assert response.status_code == 200, response.get_json()


def create_as_system(app: Any, slug: str, values: dict[str, Any]) -> int:
    """A record written with system rights, as ``portal demo`` or a migration of old data would: any
    state and the workflow's locked fields may be given (for fixtures of records with a history)."""
    from portal.extensions import db as database
    from portal.security.audit import acting_as

    with app.app_context():
        with acting_as("system"):
            record = app.extensions["portal"].service(slug).create(values)
        database.session.commit()
        return int(record.id)
