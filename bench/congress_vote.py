#!/usr/bin/env python
"""Benchmark: 1,000 delegates voting on their phones within 10 seconds, against ``portal run`` on PostgreSQL.

The script makes a fresh PostgreSQL database ``bench_congress`` (``portal db upgrade``, ``roles sync``),
seats N delegates in a congress session, checks them all in and gives each an account (in bulk, in
this process; the accounts share one password hashed once with few PBKDF2 rounds so that signing
1,000 phones in does not take minutes), opens a two-item vote and starts ``portal run --workers W --threads T``
(gunicorn) on a free 127.0.0.1 port. Every phone then signs in over HTTP and loads ``/congress/vote``
(its session cookie and CSRF token), before the clock starts.

Timed phase (open loop, evenly spread over ``--seconds``): each delegate posts its ballot once to
``/congress/vote/<poll>/cast`` as the phone page does; 10 % post it a second time right after their
receipt (a retry must be refused: 409 / 已经投过票); one more delegate submits 50 times at once. The
database is then checked: ballots == participations == delegates shown a receipt, every receipt shown
is stored, no delegate shown two receipts. A separate phase times close + seal + tally of a poll with
3,000 ballots (service calls in this process). Figures and targets are printed side by side; the
script always exits 0 (benches report, tests assert).

Usage: /work/main/.venv/bin/python bench/congress_vote.py [--delegates 1000] [--seconds 10] [--workers 4]
       [--server-threads 1] [--threads 24] [--tally 3000]
(``--threads`` are the client's threads; ``--server-threads`` is ``portal run --threads``: 1 = sync workers.)

Needs ``requests`` and a PostgreSQL server on 127.0.0.1:5432 that lets user ``postgres`` in without a
password. Only 127.0.0.1 is contacted; every request has a timeout and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import PROJECT, empty_database

HOST = "127.0.0.1"
PASSWORD = "Bench-vote-2026"
DELEGATE_ROLE = "delegate"
HAMMER = 50
RETRY_SHARE = 0.10
TARGETS = {"p99_ms": 300.0, "max_ms": 1000.0, "tally_s": 1.0}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
RECEIPT = re.compile(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")
ALREADY = "投过票"


class Phone(Protocol):
    """One delegate's browser: a cookie jar that GETs and POSTs paths and returns (status, page)."""

    def get(self, path: str) -> tuple[int, str]: ...

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]: ...


class HttpPhone:
    """A phone talking HTTP to the real server (``requests`` keeps the cookies)."""

    def __init__(self, base: str) -> None:
        import requests

        self.base, self.http = base, requests.Session()

    def get(self, path: str) -> tuple[int, str]:
        response = self.http.get(self.base + path, timeout=30, allow_redirects=False)
        return response.status_code, response.text

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        response = self.http.post(self.base + path, data=data, timeout=30, allow_redirects=False)
        return response.status_code, response.text


# --- seeding (in process, bulk) ----------------------------------------------------------------------


@dataclass
class Sitting:
    session_id: int
    delegate_ids: list[int]
    usernames: list[str] = field(default_factory=list)


def seed_sitting(app: Any, count: int, label: str, accounts: bool, password_hash: str = "") -> Sitting:
    """A congress session with ``count`` voting delegates, all seated and checked in; accounts when asked."""
    from portal.congress.models import (
        CheckIn,
        Congress,
        CongressSession,
        Delegate,
        Seat,
    )
    from portal.demo import Writer
    from portal.domain.idcard import make_id_card
    from portal.extensions import db

    with app.app_context():
        session = db.session
        writer = Writer()
        org_units, members = writer.models["org_units"], writer.models["members"]
        code = f"BV{label}"[:20]
        writer.insert("org_units", [{"code": code, "name": f"大会压测工会{label}", "unit_type": "基层工会"}])
        org_id = session.scalar(sa.select(org_units.id).where(org_units.code == code))
        # as the register stores e-mails (lower case): the seeding goes around its parsers
        emails = [f"{label.lower()}.{index:05d}@bench.example" for index in range(count)]
        writer.insert("members", [
            {"name": f"代表{label}{index:05d}", "org_unit_id": org_id, "status": "在籍", "email": email,
             "id_card": make_id_card(f"3101{ord(label[0]) % 100:02d}", date(1960 + index // 900 % 40, 1, 1), index % 900)}
            for index, email in enumerate(emails)])
        member_ids = dict(session.execute(sa.select(members.email, members.id).where(members.org_unit_id == org_id))
                          .all())
        congress = Congress(name=f"压测职工代表大会{label}", term_no=1, term_start=date(2026, 1, 1),
                            term_end=date(2030, 12, 31))
        session.add(congress)
        session.flush()
        sitting = CongressSession(congress_id=congress.id, number=1, held_on=date(2026, 3, 20), place="礼堂",
                                  session_type="职代会", delegate_total=count, frozen_at=datetime(2026, 3, 20),
                                  frozen_by="bench")
        session.add(sitting)
        session.flush()
        session.execute(sa.insert(Delegate), [{"congress_id": congress.id, "member_id": member_ids[email],
                                               "role": "代表", "delegation": "", "constituency": ""}
                                              for email in emails])
        by_member = dict(session.execute(sa.select(Delegate.member_id, Delegate.id)
                                         .where(Delegate.congress_id == congress.id)).all())
        delegate_ids = [by_member[member_ids[email]] for email in emails]
        session.execute(sa.insert(Seat), [{"session_id": sitting.id, "delegate_id": d} for d in delegate_ids])
        session.execute(sa.insert(CheckIn), [{"session_id": sitting.id, "delegate_id": d, "direction": "in",
                                              "method": "scan", "by": "bench", "at": datetime(2026, 3, 20, 8)}
                                             for d in delegate_ids])
        session.commit()
        result = Sitting(sitting.id, delegate_ids)
        if accounts:
            sm = app.appbuilder.sm
            role = sm.find_role(DELEGATE_ROLE)
            for index, email in enumerate(emails):
                username = f"bv{label}{index:05d}"
                sm.add_user(username, username, "", email, role, hashed_password=password_hash, commit=False)
                result.usernames.append(username)
            session.commit()
        return result


def open_item_poll(app: Any, session_id: int, title: str) -> int:
    from portal.congress import voting
    from portal.extensions import db

    with app.app_context():
        poll = voting.create_poll(db.session, session_id, "item", title, ["年度工作报告", "集体合同草案"], "bench")
        voting.open_poll(db.session, poll.id, "bench")
        return poll.id


# --- the phones ------------------------------------------------------------------------------------------

BALLOT = {"item-0": "赞成", "item-1": "反对"}


def sign_in(phone: Phone, username: str) -> str:
    """Sign the phone in and open the vote page; return the page's CSRF token ('' when the form lacks one)."""
    status, page = phone.get("/login/")
    found = TOKEN.search(page)
    form = {"username": username, "password": PASSWORD}
    if found:
        form["csrf_token"] = found.group(1) or found.group(2)
    status, page = phone.post("/login/", form)
    if status != 302:
        raise RuntimeError(f"sign-in of {username} answered {status}")
    status, page = phone.get("/congress/vote")
    if status != 200:
        raise RuntimeError(f"/congress/vote for {username} answered {status}")
    found = TOKEN.search(page)
    return (found.group(1) or found.group(2)) if found else ""


@dataclass
class Shot:
    """One cast request: who, what came back, how long it took."""

    delegate: int
    kind: str  # first, retry or hammer
    status: int
    receipt: str | None
    refused: bool
    ms: float
    started: float = 0.0  # perf_counter at the request's start


def cast_once(phone: Phone, token: str, poll_id: int, delegate: int, kind: str) -> Shot:
    data = dict(BALLOT, csrf_token=token) if token else dict(BALLOT)
    started = time.perf_counter()
    try:
        status, page = phone.post(f"/congress/vote/{poll_id}/cast", data)
    except OSError:  # requests' connection errors and timeouts are OSErrors: counted as errors
        return Shot(delegate, kind, 0, None, False, (time.perf_counter() - started) * 1000, started)
    ms = (time.perf_counter() - started) * 1000
    receipt = RECEIPT.search(page) if status == 200 else None
    return Shot(delegate, kind, status, receipt.group(0) if receipt else None,
                status == 409 and ALREADY in page, ms, started)


def fire(phones: list[Phone], tokens: list[str], poll_id: int, seconds: float, threads: int,
         hammer: int = HAMMER, retry_share: float = RETRY_SHARE) -> list[Shot]:
    """Phone 0 submits ``hammer`` times at once halfway through; the others cast once each, evenly spread
    over ``seconds``, and every ``1/retry_share``-th of them posts again after its receipt."""
    shots: list[Shot] = []
    lock = threading.Lock()
    voters = list(range(1, len(phones)))
    every = max(1, round(1 / retry_share)) if retry_share else 0
    start = time.perf_counter() + 0.2

    def one(index: int, at: float) -> None:
        delay = start + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        first = cast_once(phones[index], tokens[index], poll_id, index, "first")
        done = [first]
        if every and index % every == 0:
            done.append(cast_once(phones[index], tokens[index], poll_id, index, "retry"))
        with lock:
            shots.extend(done)

    barrier = threading.Barrier(hammer) if hammer else None

    def hammered() -> None:
        time.sleep(max(0.0, start + seconds / 2 - time.perf_counter()))
        assert barrier is not None
        barrier.wait(timeout=30)
        shot = cast_once(phones[0], tokens[0], poll_id, 0, "hammer")
        with lock:
            shots.append(shot)

    with ThreadPoolExecutor(max_workers=hammer or 1) as crowd, ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in range(hammer):
            crowd.submit(hammered)
        for position, index in enumerate(voters):
            pool.submit(one, index, seconds * position / max(1, len(voters)))
    return shots


# --- checking the result -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    ballots: int
    participations: int
    voters_shown_receipt: int
    lost: int
    double: int
    retries: int
    retries_refused: int
    hammer_receipts: int
    hammer_refused: int
    errors: int

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.double == 0 and self.errors == 0


def verify(app: Any, poll_id: int, shots: list[Shot]) -> Verdict:
    """Compare what the phones were shown with what the database holds."""
    from portal.congress.models import Ballot, Participation
    from portal.extensions import db

    with app.app_context():
        stored = set(db.session.scalars(sa.select(Ballot.receipt).where(Ballot.poll_id == poll_id)))
        participations = db.session.scalar(sa.select(sa.func.count()).select_from(Participation)
                                           .where(Participation.poll_id == poll_id)) or 0
        db.session.rollback()
    shown: dict[int, list[str]] = {}
    for shot in shots:
        if shot.receipt:
            shown.setdefault(shot.delegate, []).append(shot.receipt)
    receipts = {receipt for found in shown.values() for receipt in found}
    retries = [shot for shot in shots if shot.kind == "retry"]
    hammer = [shot for shot in shots if shot.kind == "hammer"]
    errors = [shot for shot in shots if not shot.receipt and not shot.refused]
    voters = len(shown)
    return Verdict(
        ballots=len(stored), participations=participations, voters_shown_receipt=voters,
        lost=len(receipts - stored) + sum(1 for shot in shots if shot.kind == "first" and not shot.receipt),
        double=sum(len(found) - 1 for found in shown.values()) + max(0, len(stored) - voters)
        + max(0, participations - voters),
        retries=len(retries), retries_refused=sum(1 for shot in retries if shot.refused),
        hammer_receipts=sum(1 for shot in hammer if shot.receipt), hammer_refused=sum(1 for s in hammer if s.refused),
        errors=len(errors))


# --- close + seal + tally ---------------------------------------------------------------------------------


def time_close_seal_tally(app: Any, count: int) -> tuple[float, int]:
    """Seconds for close (with seal and scrub) + tally of a poll holding ``count`` ballots, and the count."""
    import json

    from portal.congress import voting
    from portal.congress.models import Ballot, Participation, random_id
    from portal.extensions import db

    sitting = seed_sitting(app, count, "T", accounts=False)
    poll_id = open_item_poll(app, sitting.session_id, "计票压测")
    with app.app_context():
        choices = json.dumps({"items": list(BALLOT.values())}, ensure_ascii=False)
        db.session.execute(sa.insert(Participation), [{"poll_id": poll_id, "delegate_id": d}
                                                      for d in sitting.delegate_ids])
        db.session.execute(sa.insert(Ballot), [{"id": random_id(), "poll_id": poll_id, "choices": choices,
                                                "receipt": voting.receipt_code()}
                                               for _ in range(count)])
        db.session.commit()
        started = time.perf_counter()
        voting.close_poll(db.session, poll_id, "bench")
        result = voting.tally(db.session, poll_id, "bench")
        return time.perf_counter() - started, int(result["returned"])


# --- the server and the report ---------------------------------------------------------------------------


def analyze(url: str) -> None:
    """Gather the planner's statistics, as autovacuum soon would after the roster is loaded: the timed phase
    then meets the plans of a hall in session, not those of empty tables."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def group_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (gunicorn master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def line(name: str, figure: str, target: str, ok: bool | None) -> None:
    verdict = "" if ok is None else ("PASS" if ok else "MISS")
    print(f"   {name:<38}{figure:>16}   {target:<14}{verdict}")


def report(options: argparse.Namespace, shots: list[Shot], verdict: Verdict, wall: float, client_cpu: float,
           server_cpu: float, tally_s: float, tallied: int) -> None:
    timings = [shot.ms for shot in shots]
    p99, worst = percentile(timings, 0.99), max(timings, default=0.0)
    print(f"\n== congress vote: {options.delegates} delegates, gunicorn --workers {options.workers} "
          f"--threads {options.server_threads}, "
          f"{options.threads} client threads + {HAMMER} for the burst, PostgreSQL")
    line("requests (casts + retries + burst)", f"{len(shots)}", "", None)
    line("timed phase wall", f"{wall:.2f} s", f"≤ {options.seconds:.0f} s + p99", wall <= options.seconds + 1)
    line("throughput", f"{len(shots) / wall:.0f} req/s", "", None)
    line("p50 / p95", f"{percentile(timings, .5):.0f} / {percentile(timings, .95):.0f} ms", "", None)
    line("p99", f"{p99:.0f} ms", f"≤ {TARGETS['p99_ms']:.0f} ms", p99 <= TARGETS["p99_ms"])
    for kind in ("first", "retry", "hammer"):
        of_kind = [shot.ms for shot in shots if shot.kind == kind]
        line(f"  {kind}: p50 / p99 / max", f"{percentile(of_kind, .5):.0f} / {percentile(of_kind, .99):.0f} / "
             f"{max(of_kind, default=0.0):.0f} ms", "", None)
    if shots:
        origin = min(shot.started for shot in shots)
        windows: dict[int, list[float]] = {}
        for shot in shots:
            windows.setdefault(int((shot.started - origin) / 0.5), []).append(shot.ms)
        slowest = max(windows, key=lambda key: max(windows[key]))
        line("slowest half second (start)", f"{slowest * 0.5:.1f} s: {len(windows[slowest])} req", "", None)
    line("max", f"{worst:.0f} ms", f"≤ {TARGETS['max_ms']:.0f} ms", worst <= TARGETS["max_ms"])
    line("ballots / participations / shown", f"{verdict.ballots} / {verdict.participations} / "
         f"{verdict.voters_shown_receipt}", f"= {options.delegates}",
         verdict.ballots == verdict.participations == verdict.voters_shown_receipt == options.delegates)
    line("lost", str(verdict.lost), "0", verdict.lost == 0)
    line("double", str(verdict.double), "0", verdict.double == 0)
    line("errors (neither receipt nor 409)", str(verdict.errors), "0", verdict.errors == 0)
    line("retries refused (409 已经投过票)", f"{verdict.retries_refused} / {verdict.retries}", "all",
         verdict.retries_refused == verdict.retries)
    line(f"burst of {HAMMER}: receipts / refused", f"{verdict.hammer_receipts} / {verdict.hammer_refused}",
         f"1 / {HAMMER - 1}", (verdict.hammer_receipts, verdict.hammer_refused) == (1, HAMMER - 1))
    line("client CPU (this process)", f"{client_cpu:.1f} s = {100 * client_cpu / wall:.0f} %", "of one core", None)
    line("server CPU (gunicorn)", f"{server_cpu:.1f} s = {100 * server_cpu / wall:.0f} %", "of one core", None)
    line(f"close + seal + tally, {tallied} ballots", f"{tally_s:.2f} s", f"≤ {TARGETS['tally_s']:.0f} s",
         tally_s <= TARGETS["tally_s"])
    sys.stdout.flush()


def run(options: argparse.Namespace, work: Path) -> None:
    from benchlib import portal_app
    from list_members import portal, stop, wait_until_up
    from werkzeug.security import generate_password_hash

    url = empty_database("postgresql", work, "bench_congress")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=url, PORTAL_INSTANCE_DIR=str(work / "instance"),
               # one loopback address signs all the phones in; a hall's phones come from many addresses
               PORTAL_LOGIN_RATE_LIMIT="100000 per minute")
    portal(env, "db", "upgrade")
    portal(env, "roles", "sync")
    app = portal_app(url, work)
    sitting = seed_sitting(app, options.delegates, "V", accounts=True,
                           password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))
    poll_id = open_item_poll(app, sitting.session_id, "压测表决")
    analyze(url)
    port = free_port()
    log = work / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([str(Path(sys.executable).with_name("portal")), "run", "--host", HOST, "--port",
                                   str(port), "--workers", str(options.workers), "--threads",
                                   str(options.server_threads)], env=env, cwd=PROJECT,
                                  stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, server, log)
        phones: list[Phone] = [HttpPhone(base) for _ in sitting.usernames]
        with ThreadPoolExecutor(max_workers=options.threads) as pool:
            tokens = list(pool.map(sign_in, phones, sitting.usernames))
        cpu_before, server_before = time.process_time(), group_cpu_seconds(server.pid)
        started = time.perf_counter()
        shots = fire(phones, tokens, poll_id, options.seconds, options.threads)
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_before
        server_cpu = group_cpu_seconds(server.pid) - server_before
    finally:
        stop(server)
    verdict = verify(app, poll_id, shots)
    tally_s, tallied = time_close_seal_tally(app, options.tally)
    report(options, shots, verdict, wall, client_cpu, server_cpu, tally_s, tallied)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--server-threads", type=int, default=1)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--tally", type=int, default=3000)
    options = parser.parse_args(argv)
    options.delegates = max(2, min(options.delegates, 5000))
    options.server_threads = max(1, min(options.server_threads, 64))
    options.seconds = max(1.0, min(options.seconds, 120.0))
    with tempfile.TemporaryDirectory(prefix="bench-congress-") as folder:
        run(options, Path(folder))


if __name__ == "__main__":
    main()
