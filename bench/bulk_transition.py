#!/usr/bin/env python
"""Benchmark: one transition pressed on 1,000 records at once (the list's bulk transition).

Builds a database with ``portal demo --members N`` once, then, in a process of its own, takes the first
1,000 members in 在籍 and presses “退会” on all of them with a reason through
``portal.records.bulk_transition.bulk_transition`` — for each record the engine's checks, the planner,
the conditional UPDATE and one audit entry, each in its own savepoint — and commits. It prints wall
seconds, rows/s and peak RSS, and writes the figures to ``bench/results/bulk_transition.json``.
Target: 1,000 rows ≤ 10 s.

Usage: python bench/bulk_transition.py [--members 2000] [--rows 1000] [--db sqlite|postgresql|both] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from benchlib import PROJECT, empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder

PG_DATABASE = "bench_bulk_transition"
TARGET_SECONDS = 10.0
RESULTS = PROJECT / "bench" / "results" / "bulk_transition.json"


def child(args: argparse.Namespace) -> None:
    """One measurement in this process: prints a JSON line."""
    app = portal_app(args.url, Path(args.folder))
    if args.child == "setup":
        load_demo_database(app, args.members)
        print(json.dumps({"ok": True}))
        return
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.records.bulk_transition import bulk_transition
    from portal.security.audit import acting_as

    with app.app_context():
        service = app.extensions["portal"].service("members")
        model = service.model
        ids = list(db.session.scalars(sa.select(model.id).where(model.status == "在籍").order_by(model.id)
                                      .limit(args.rows)))
        db.session.commit()
        started = time.perf_counter()
        with acting_as("bench"):
            result = bulk_transition(service, ids, "leave", "批量测试：单位整体撤销")
            db.session.commit()
        seconds = time.perf_counter() - started
        print(json.dumps({"rows": len(ids), "done": result.done, "seconds": seconds,
                          "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-bulk-transition-")
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(f"批量流转：演示数据 {args.members:,} 名会员，对 {args.rows:,} 名在籍会员执行“退会”")
    figures = {}
    for kind in kinds:
        url = empty_database(kind, folder, PG_DATABASE if kind == "postgresql" else "bench_bulk_transition")
        started = time.perf_counter()
        measure(__file__, "setup", "--url", url, "--folder", str(folder), "--members", str(args.members))
        print(f"[{kind}] 生成演示数据 {time.perf_counter() - started:.1f} 秒")
        found = measure(__file__, "run", "--url", url, "--folder", str(folder), "--members", str(args.members),
                        "--rows", str(args.rows))
        verdict = "PASS" if found["seconds"] <= TARGET_SECONDS and found["done"] == found["rows"] else "MISS"
        print(f"[{kind}] {found['rows']:,} 条中完成 {found['done']:,} 条；{found['seconds']:.2f} 秒"
              f"（{found['rows'] / max(found['seconds'], 1e-9):,.0f} 行/秒），峰值 RSS {found['rss_mb']:.0f} MB；"
              f"目标 ≤ {TARGET_SECONDS:.0f} 秒：{verdict}")
        figures[kind] = {**found, "verdict": verdict, "target_seconds": TARGET_SECONDS}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"结果已写入 {RESULTS.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
