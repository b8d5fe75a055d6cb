"""Browser fixtures: the portal served on a free local port, driven by the system Chromium.

``live_server`` builds the app on a fresh database (SQLite file or a new PostgreSQL database, one
per entry of ``PORTAL_TEST_DATABASES``) with CSRF on, as in production, seeds a small org tree and
one member through the REST API, and serves it with werkzeug in a daemon thread.

``page`` is a fresh Chromium context (zh-CN, 1280x900) whose every request to a host other than
127.0.0.1/localhost is aborted and recorded in ``network.blocked``: the portal must work offline
(on an intranet without Internet access), so no test may see a request leave the machine.

Playwright cannot download its own browser here; Debian's ``/usr/bin/chromium`` is used. The tests
are skipped (with that reason) only when it is missing; CI installs it.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import (
    ORG_TREE,
    ADMIN_PASSWORD,
    ARTIFACTS,
    DATABASES,
    drop_postgres_database,
    fresh_postgres_database,
    make_app,
    upgrade_and_sync,
)

#: Debian's Chromium (``PORTAL_TEST_CHROMIUM`` points elsewhere, e.g. to check the skip).
CHROMIUM = Path(os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_MISSING = f"浏览器测试需要系统 Chromium（{CHROMIUM} 不存在；Debian: apt-get install chromium fonts-noto-cjk）"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SCREENSHOTS = ARTIFACTS / "browser"
#: The record rows of a list page (the filter table is a .table-hover too, but not in .table-responsive).
LIST_ROWS = ".table-responsive table.table-hover tbody tr"

#: One member already on the roll (so show pages have something to show).
SEED_MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests of this folder, and only them, when the system Chromium is missing."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output should show the failure, not every static file."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


@dataclass
class LiveServer:
    url: str
    database: str  # "sqlite" or "postgresql": names the screenshots
    app: Any
    org_units: dict[str, int]
    seed_member: int

    def screenshot_path(self, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / f"{self.database}-{step}.png"


def _csrf_login(client: Any) -> None:
    """Log the test client in through the real (CSRF-protected) login form."""
    page = client.get("/login/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "登录页没有 csrf_token 隐藏字段"
    response = client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD,
                                            "csrf_token": match.group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def admin_client(app: Any) -> Any:
    """A test client of ``app`` signed in as admin through the CSRF-protected login form (for seeding)."""
    client = app.test_client()
    _csrf_login(client)
    return client


def _seed(app: Any) -> tuple[dict[str, int], int]:
    client = app.test_client()
    _csrf_login(client)
    ids = {}
    for row in ORG_TREE:
        response = client.post("/api/v1/org_units/", json=row)
        assert response.status_code == 201, response.get_json()
        ids[row["code"]] = response.get_json()["id"]
    response = client.post("/api/v1/members/", json=SEED_MEMBER)
    assert response.status_code == 201, response.get_json()
    return ids, response.get_json()["id"]


@contextmanager
def serving_portal(kind: str, tmp_path_factory: pytest.TempPathFactory, name: str,
                   prepare: Callable[[Any], None] = lambda app: None, **config: Any) -> Iterator[LiveServer]:
    """The portal on a fresh database of ``kind`` (CSRF on, org tree and one member seeded), served on a free
    port until the block ends; ``prepare(app)`` runs before it serves (e.g. to add accounts); ``config``
    overrides settings (e.g. a copy of the roles file)."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp(f'{name}-sqlite') / 'portal.db'}"
    elif kind == "postgresql":
        url = fresh_postgres_database(f"portal_{name}")
    else:
        raise ValueError(f"unknown test database {kind}")
    app = make_app(url, tmp_path_factory.mktemp(f"{name}-instance"), **{"WTF_CSRF_ENABLED": True, **config})
    server = None
    try:
        upgrade_and_sync(app)
        org_units, member = _seed(app)
        prepare(app)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name=f"portal-{name}-{kind}", daemon=True)
        thread.start()
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", database=kind, app=app,
                         org_units=org_units, seed_member=member)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        from portal.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if kind == "postgresql":
            drop_postgres_database(url)


@pytest.fixture(scope="session", params=DATABASES)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving_portal(request.param, tmp_path_factory, "browser") as server:
        yield server


@dataclass
class NetworkLog:
    """What the browser tried: blocked foreign requests, failed local ones, 4xx/5xx answers, JS errors."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        for log in (self.blocked, self.failed, self.bad_responses, self.page_errors, self.console_errors):
            log.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture()
def network() -> NetworkLog:
    return NetworkLog()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


def new_context(browser: Any, network: NetworkLog, **options: Any) -> Any:
    """A zh-CN context that refuses (and records) every request to another host."""
    settings = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}
    settings.update(options)
    context = browser.new_context(**settings)

    def guard(route: Any) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            network.blocked.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    return context


def watch(page: Any, network: NetworkLog) -> Any:
    def failed(request: Any) -> None:
        if _is_local(request.url):
            network.failed.append(f"{request.method} {request.url}: {request.failure}")

    def response(answer: Any) -> None:
        if answer.status >= 400:
            network.bad_responses.append(f"{answer.status} {answer.request.method} {answer.url}")

    def console(message: Any) -> None:
        if message.type == "error":
            network.console_errors.append(message.text)

    page.on("requestfailed", failed)
    page.on("response", response)
    page.on("pageerror", lambda error: network.page_errors.append(str(error)))
    page.on("console", console)
    page.set_default_timeout(15_000)
    return page


@pytest.fixture()
def page(browser: Any, network: NetworkLog) -> Iterator[Any]:
    context = new_context(browser, network)
    try:
        yield watch(context.new_page(), network)
    finally:
        context.close()


def log_in(page: Any, server: LiveServer, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the login form, as a clerk would."""
    page.goto(f"{server.url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[name=login] [type=submit]")
    assert "/login" not in urlsplit(page.url).path, f"登录失败，仍停留在 {page.url}"
