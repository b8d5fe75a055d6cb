#!/usr/bin/env python
"""Benchmark: how fast the production server lists members when the roll holds N members.

For each database (SQLite file, PostgreSQL database ``bench_portal``) the script builds a fresh
database with the ``portal`` command (``db upgrade``, ``demo --members N``, ``roles sync``,
``ensure-admin``), starts ``portal run --workers 4`` (gunicorn) on 127.0.0.1, logs in as admin and
times K requests for each scenario: the first list page, page 500, a quick search by ID number and
a filter on one union group. It prints median and p95 latency per scenario against the 50 ms target. A list
PostgreSQL expects to exceed 100,000 rows shows the planner's estimate (said on the page): its record count
is then checked to within 10 % of the true number.

Usage: /tmp/venv/bin/python bench/list_members.py [--members 100000] [--db sqlite|postgresql|both]
       [--requests 30] [--port 5090]

Needs ``requests`` (``pip install requests``) and, for PostgreSQL, a server on 127.0.0.1:5432 that
lets user ``postgres`` in without a password. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests
import sqlalchemy as sa

HOST = "127.0.0.1"
TARGET_MS = 50.0
PAGE_SIZE = 25
WORKERS = 4
PG_SERVER = f"postgresql+psycopg://postgres@{HOST}:5432"
PG_DATABASE = "bench_portal"
PORTAL = str(Path(sys.executable).with_name("portal"))
PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    scenario: str
    url: str
    timings_ms: list[float]
    rows: int
    total: int | None
    estimate: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def portal(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    """Run one ``portal`` command; return its output or stop with it when the command fails."""
    done = subprocess.run([PORTAL, *args], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"portal {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fresh_postgres() -> str:
    """Drop and create the bench database; return its SQLAlchemy URL."""
    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {PG_DATABASE}"))
    engine.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{base}/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"the server did not answer within {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Terminate the gunicorn process group this script started (master and workers)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def login(base: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not token:
        sys.exit("no csrf_token on /login/")
    session.post(f"{base}/login/", data={"username": "admin", "password": password, "csrf_token": token.group(1)},
                 timeout=10)
    check = session.get(f"{base}/members/list/", timeout=30)
    if check.status_code != 200 or "/login" in check.url:
        sys.exit(f"login failed: {check.status_code} {check.url}")
    return session


def estimated(html: str) -> bool:
    return "portal-count-estimate" in html


def rows_of(html: str) -> tuple[int, int | None]:
    """Rows shown on a list page (distinct show links) and FAB's record count."""
    rows = len(set(re.findall(r"/members/show/(\d+)", html)))
    total = re.search(r"(?:记录数|Record Count):?</strong>\s*(?:约\s*|about\s*)?([\d,]+)", html)
    return rows, int(total.group(1).replace(",", "")) if total else None


def list_arguments(html: str) -> tuple[str, str]:
    """The page argument and the org-unit subtree filter argument, read from the list page itself."""
    page = re.search(r"[?&;](page_\w+)=\d+", html)
    if not page:
        sys.exit("no pagination link on /members/list/")
    # The filter panel's data: each column's operators as [index, label, name]; the page names the input
    # _flt_<index>_<column>, so the subtree filter (含下级) of org_unit is _flt_<its index>_org_unit.
    panel = re.search(r'id="portal-filter-data"[^>]*>(.*?)</script>', html, re.S)
    columns = json.loads(panel.group(1))["columns"] if panel else []
    for column in columns:
        if column.get("name") == "org_unit":
            for index, _label, name in column.get("operators", []):
                if name == "org_unit_subtree":
                    return page.group(1), f"_flt_{index}_org_unit"
    sys.exit("the filter panel offers no org_unit subtree (含下级) filter")


def sample_values(url: str, members: int) -> tuple[str, str, int, int]:
    """A member (name, ID number) from the middle of the roll and the grassroots union (level 2 of the org
    tree) with most members in its subtree, with that number."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        name, id_card = connection.execute(sa.text(
            "SELECT name, id_card FROM members ORDER BY id LIMIT 1 OFFSET :skip"), {"skip": members // 2}).one()
        org_id, count = connection.execute(sa.text("""
            WITH RECURSIVE tree(id, top, depth) AS (
                SELECT id, id, 1 FROM org_units WHERE parent_id IS NULL
                UNION ALL
                SELECT child.id, CASE WHEN tree.depth + 1 = 2 THEN child.id ELSE tree.top END, tree.depth + 1
                FROM org_units child JOIN tree ON child.parent_id = tree.id)
            SELECT tree.top, COUNT(*) FROM members JOIN tree ON tree.id = members.org_unit_id
            WHERE tree.depth >= 2 GROUP BY tree.top ORDER BY 2 DESC LIMIT 1""")).one()
    engine.dispose()
    return name, id_card, org_id, count


def timed(session: requests.Session, url: str, count: int, check: Callable[[str], None]) -> tuple[list[float], str]:
    timings, html = [], ""
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        html = response.text
    check(html)
    return timings, html


def bench_database(kind: str, members: int, requests_per_scenario: int, port: int, work: Path,
                   existing: str | None = None) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env["PORTAL_INSTANCE_DIR"] = str(work / kind)
    url = f"sqlite:///{work / kind / 'portal.db'}"
    if existing:
        url = env["PORTAL_DATABASE_URL"] = existing
    elif kind == "postgresql":
        url = env["PORTAL_DATABASE_URL"] = fresh_postgres()
    portal(env, "db", "upgrade")
    started = time.perf_counter()
    if existing:  # a demo database another bench built: its members are counted, not made
        engine = sa.create_engine(existing)
        with engine.connect() as connection:
            members = int(connection.execute(sa.text("SELECT COUNT(*) FROM members")).scalar_one())
        engine.dispose()
        summary = f"existing database: {members} members"
    else:
        summary = portal(env, "demo", "--members", str(members)).strip()
    seeding = time.perf_counter() - started
    portal(env, "roles", "sync")  # ensure-admin needs the admin role, which the roles sync creates
    credentials = re.search(r"密码\s+(\S+)", portal(env, "ensure-admin"))
    if not credentials:
        sys.exit("could not read the admin password from `portal ensure-admin`")
    name, id_card, org_id, org_count = sample_values(url, members)

    log = work / f"{kind}-server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([PORTAL, "run", "--host", HOST, "--port", str(port), "--workers", str(WORKERS)],
                                  env=env, cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, server, log)
        session = login(base, credentials.group(1))
        first = session.get(f"{base}/members/list/", timeout=60).text
        page_arg, filter_arg = list_arguments(first)
        last_page = max(0, math.ceil(members / PAGE_SIZE) - 1)
        page = min(499, last_page)

        def expect_rows(wanted: int, total: int | None = None) -> Callable[[str], None]:
            def check(html: str) -> None:
                rows, count = rows_of(html)
                close = count is not None and total is not None and abs(count - total) <= total / 10
                if rows != wanted or (total is not None and count != total and not (estimated(html) and close)):
                    sys.exit(f"unexpected list: {rows} rows, record count {count} (wanted {wanted}, {total})")
            return check

        def expect_member(html: str) -> None:
            if name not in html or rows_of(html) != (1, 1):
                sys.exit(f"search for {id_card} did not list {name} alone: {rows_of(html)}")

        scenarios: list[tuple[str, str, Callable[[str], None]]] = [
            ("list, first page", "/members/list/", expect_rows(min(PAGE_SIZE, members), members)),
            (f"list, page {page + 1}", f"/members/list/?{page_arg}={page}",
             expect_rows(min(PAGE_SIZE, members - page * PAGE_SIZE), members)),
            ("search by ID number", f"/members/list/?q={id_card}", expect_member),
            (f"subtree of unit {org_id}", f"/members/list/?{filter_arg}={org_id}",
             expect_rows(min(PAGE_SIZE, org_count), org_count)),
        ]
        for _, path, _check in scenarios:  # warm up every worker on every page
            for _ in range(2 * WORKERS):
                session.get(base + path, timeout=60)
        results = []
        for title, path, check in scenarios:
            timings, html = timed(session, base + path, requests_per_scenario, check)
            results.append(Result(title, path, timings, *rows_of(html), estimated(html)))
    finally:
        stop(server)
    report(kind, members, seeding, summary, results, page_arg, filter_arg)


def report(kind: str, members: int, seeding: float, summary: str, results: list[Result], page_arg: str,
           filter_arg: str) -> None:
    print(f"\n== {kind}: {members} members; seeding (portal demo) {seeding:.1f} s wall")
    print(f"   {summary}")
    print(f"   page argument {page_arg} (0-based), org filter argument {filter_arg}")
    print(f"   {'scenario':<28}{'median ms':>10}{'p95 ms':>9}{'rows':>6}{'total':>9}  p95 ≤ {TARGET_MS:.0f} ms")
    for result in results:
        verdict = "yes" if result.p95 <= TARGET_MS else "NO"
        total = "" if result.total is None else ("≈" if result.estimate else "") + str(result.total)
        print(f"   {result.scenario:<28}{result.median:>10.1f}{result.p95:>9.1f}{result.rows:>6}{total:>9}  {verdict}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--url", default=None,
                        help="bench an existing demo database (e.g. the 1,000,000 members bench/reports.py built) "
                             "instead of building one; --db names its kind")
    options = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if options.db == "both" else (options.db,)
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as folder:
        for kind in kinds:
            bench_database(kind, options.members, max(1, options.requests), options.port, Path(folder), options.url)


if __name__ == "__main__":
    main()
