#!/usr/bin/env python
"""Benchmark: generating a month's dues rows for N members (``portal dues generate``).

Builds a database with ``portal demo --members N`` once, then, each in its own process (so peak RSS is
its own), measures the generation the command and the button share (``portal.records.dues_month.generate``:
one query over the members, the register's checks, bulk writes, one audit entry per row, one batch,
commit), a second run of the same month (nothing to write), and the arrears list over the ledger
(count and first page, set-based). It prints wall seconds, rows/s and peak RSS for each.
Target: the first run for 100,000 members ≤ 10 s.

Usage: python bench/dues_generate.py [--members 100000] [--db sqlite|postgresql|both] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

from benchlib import empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder

PG_DATABASE = "bench_dues"
MONTH = "2026-11"
TARGET_SECONDS = 10.0


def child(args: argparse.Namespace) -> None:
    """One measurement in this process: prints a JSON line."""
    folder = Path(args.folder)
    app = portal_app(args.url, folder)
    if args.child == "setup":
        load_demo_database(app, args.members)
        print(json.dumps({"ok": True}))
        return
    from flask import current_app

    from portal.extensions import db
    from portal.records.dues_month import DUES, MEMBERS, arrears, arrears_count, generate, policy_from_config
    from portal.security.access import SYSTEM_ACCESS
    from portal.security.audit import acting_as

    with app.app_context():
        state = app.extensions["portal"]
        policy = policy_from_config(current_app.config)
        started = time.perf_counter()
        if args.child == "arrears":
            spec = state.registry.get(DUES)
            total, prompted = arrears_count(db.session, spec, state.models, SYSTEM_ACCESS, MONTH, policy)
            page = arrears(db.session, spec, state.models, SYSTEM_ACCESS, MONTH, policy, limit=50)
            result: dict[str, Any] = {"rows": total, "prompted": prompted, "page": len(page)}
        else:
            with acting_as("bench"):
                report = generate(state.service(DUES), state.service(MEMBERS), MONTH, policy)
                db.session.commit()
            result = {"rows": report.created, "members": report.members, "unchanged": report.unchanged,
                      "exempt": report.exempt, "no_wage": report.no_wage, "errors": len(report.errors)}
        result["seconds"] = time.perf_counter() - started
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))


def run_child(kind: str, url: str, folder: Path, members: int) -> dict[str, Any]:
    return measure(__file__, kind, "--url", url, "--folder", str(folder), "--members", str(members))


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-dues-")
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(f"会费按月生成：演示数据 {args.members:,} 名会员，月份 {MONTH}")
    for kind in kinds:
        url = empty_database(kind, folder, PG_DATABASE if kind == "postgresql" else "bench_dues")
        started = time.perf_counter()
        run_child("setup", url, folder, args.members)
        print(f"[{kind}] 生成演示数据 {time.perf_counter() - started:.1f} 秒")
        first = run_child("generate", url, folder, args.members)
        verdict = "PASS" if first["seconds"] <= TARGET_SECONDS else "MISS"
        print(f"[{kind}] 首次生成：范围内 {first['members']:,} 人，新增 {first['rows']:,} 条（免交 {first['exempt']:,}），"
              f"未填工资 {first['no_wage']:,} 人，有错 {first['errors']}；{first['seconds']:.2f} 秒"
              f"（{first['rows'] / first['seconds']:,.0f} 行/秒），峰值 RSS {first['rss_mb']:.0f} MB；"
              f"目标 ≤ {TARGET_SECONDS:.0f} 秒：{verdict}")
        again = run_child("generate", url, folder, args.members)
        print(f"[{kind}] 再次生成（无变化）：新增 {again['rows']:,} 条，未改动 {again['unchanged']:,} 人；"
              f"{again['seconds']:.2f} 秒，峰值 RSS {again['rss_mb']:.0f} MB")
        owed = run_child("arrears", url, folder, args.members)
        print(f"[{kind}] 欠缴会费（截至 {MONTH}，计数 + 第一页 50 条）：{owed['rows']:,} 人欠缴，其中须教育谈话 "
              f"{owed['prompted']:,} 人；{owed['seconds']:.2f} 秒")


if __name__ == "__main__":
    main()
