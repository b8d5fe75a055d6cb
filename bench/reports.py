#!/usr/bin/env python
"""Benchmark: the home dashboard and every shipped report at N members.

Builds a database with ``portal demo --members N`` once (admin account, roles synced), then runs
``--runs`` fresh processes. In each, the first ``GET /`` of the new app is timed (cold: new process,
new connection pool, nothing cached by the portal), then ``--warm`` more requests, then each report once
as the administrator (``portal.records.reports.run_report``: one aggregate query each). It prints the
dashboard's p50/p95 cold and warm server times and each report's median. Target: dashboard p95 ≤ 300 ms
cold at 100,000 members.

Usage: python bench/reports.py [--members 100000] [--db sqlite|postgresql] [--runs 10] [--warm 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from benchlib import empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder

PG_DATABASE = "bench_reports"
PASSWORD = "Bench-pass-2026"


def child(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    app = portal_app(args.url, folder)
    if args.child == "setup":
        load_demo_database(app, args.members)
        from portal.security.accounts import create_user
        from portal.security.sync import sync_roles

        sync_roles(app)
        with app.app_context():
            create_user("benchadmin", PASSWORD, "admin")
        print(json.dumps({"ok": True}))
        return
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert client.post("/login/", data={"username": "benchadmin", "password": PASSWORD}).status_code == 302
    times = []
    for _ in range(1 + args.warm):
        started = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and b"home-chart-" in response.data
    from portal.extensions import db
    from portal.records.reports import run_report
    from portal.security.access import SYSTEM_ACCESS
    from portal.web.report_views import report_params

    reports: dict[str, float] = {}
    with app.test_request_context("/"):
        state = app.extensions["portal"]
        params = report_params()
        for report in state.reports:
            started = time.perf_counter()
            result = run_report(db.session, report, state.registry, state.models, SYSTEM_ACCESS, params)
            reports[report.name] = (time.perf_counter() - started) * 1000
            reports[report.name + ".rows"] = len(result.rows)
    print(json.dumps({"cold": times[0], "warm": times[1:], "reports": reports}))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warm", type=int, default=20)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-reports-")
    url = empty_database(args.db, folder, PG_DATABASE if args.db == "postgresql" else "reports")
    script = str(Path(__file__).resolve())
    common = ("--url", url, "--folder", str(folder), "--members", str(args.members))
    started = time.perf_counter()
    measure(script, "setup", *common)
    print(f"{args.db}：演示数据 {args.members:,} 名会员，准备用时 {time.perf_counter() - started:.1f} 秒")
    runs: list[dict[str, Any]] = [measure(script, "run", *common, "--warm", str(args.warm)) for _ in range(args.runs)]
    cold = [run["cold"] for run in runs]
    warm = [value for run in runs for value in run["warm"]]
    print(f"首页看板（冷，{len(cold)} 个新进程的第一次请求）：p50 {statistics.median(cold):.0f} ms，"
          f"p95 {percentile(cold, 0.95):.0f} ms（目标 ≤ 300 ms）")
    if warm:
        print(f"首页看板（热，{len(warm)} 次）：p50 {statistics.median(warm):.0f} ms，p95 {percentile(warm, 0.95):.0f} ms")
    names = [name for name in runs[0]["reports"] if not name.endswith(".rows")]
    for name in names:
        values = [run["reports"][name] for run in runs]
        print(f"报表 {name}：中位数 {statistics.median(values):.0f} ms，最大 {max(values):.0f} ms，"
              f"{runs[0]['reports'][name + '.rows']} 行")


if __name__ == "__main__":
    main()
