#!/usr/bin/env python
"""Benchmark: exporting N members to .xlsx and .csv.

Builds a database with ``portal demo --members N`` once, then, each in its own process (so peak RSS
is its own), measures the export path the screens, the API and the CLI share (``write_export``:
records streamed from the database, typed and masked cells, audit entry) for xlsx and csv, and a
floor measured in the same run: XlsxWriter ``constant_memory`` writing the same values, fetched
beforehand. It prints wall seconds, rows/s, peak RSS growth over the process's start, and the
ratio to the floor. Targets: xlsx ≤ 1.5× the floor with RSS growth ≤ 100 MB; csv of 100,000 rows ≤ 3 s.

Usage: python bench/export_members.py [--members 100000] [--db sqlite|postgresql|both] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchlib import empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder

PG_DATABASE = "bench_export"


def rss_mb() -> float:
    """Current resident set size (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1048576


def child(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    app = portal_app(args.url, folder)
    from portal.extensions import db

    if args.child == "setup":
        load_demo_database(app, members=args.members)
        print(json.dumps({"ok": True}))
        return
    from portal.io.export import ExportRequest, cli_selection, selected_rows, stream, write_export
    from portal.io.xlsx_export import columns_for, export_fields, row_layout
    from portal.security.access import SYSTEM_ACCESS

    with app.app_context():
        spec = app.extensions["portal"].registry.get("members")
        if args.child == "floor":
            import xlsxwriter

            registry = app.extensions["portal"].registry
            columns = columns_for(spec, export_fields(spec), SYSTEM_ACCESS, "zh", registry, row_layout(spec))
            rows = [[column.value(record) for column in columns]
                    for record in stream(db.session, selected_rows(spec, SYSTEM_ACCESS, cli_selection(spec, SYSTEM_ACCESS, [])))]
            db.session.close()
            start_rss = rss_mb()
            started = time.perf_counter()
            workbook = xlsxwriter.Workbook(str(folder / "floor.xlsx"), {"constant_memory": True})
            sheet = workbook.add_worksheet()
            for index, values in enumerate(rows, start=1):
                for column, value in enumerate(values):
                    if isinstance(value, (date, datetime)):
                        sheet.write_datetime(index, column, value if isinstance(value, datetime)
                                             else datetime(value.year, value.month, value.day))
                    elif isinstance(value, Decimal):
                        sheet.write_number(index, column, float(value))
                    elif value is not None:
                        sheet.write(index, column, value)
            workbook.close()
            wall, count = time.perf_counter() - started, len(rows)
        else:
            start_rss = rss_mb()
            started = time.perf_counter()
            result = write_export(spec, stream(db.session, selected_rows(spec, SYSTEM_ACCESS, cli_selection(spec, SYSTEM_ACCESS, []))), SYSTEM_ACCESS,
                                  ExportRequest(fmt=args.child), folder / "out")
            wall, count = time.perf_counter() - started, result.rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "rows": count, "growth_mb": peak - start_rss}))


def run_child(kind: str, url: str, folder: Path, members: int = 0) -> dict[str, Any]:
    return measure(__file__, kind, "--url", url, "--folder", str(folder), "--members", str(members))


def fresh_database(kind: str, folder: Path, members: int) -> str:
    url = empty_database(kind, folder, PG_DATABASE)
    run_child("setup", url, folder, members)
    return url


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-export-")
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        started = time.perf_counter()
        url = fresh_database(kind, folder, args.members)
        print(f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}：演示数据 {args.members:,} 名会员，"
              f"{time.perf_counter() - started:.0f} s")
        floor = run_child("floor", url, folder)
        print(f"  下限（XlsxWriter constant_memory，值已取出） {floor['wall']:6.2f} s  "
              f"{floor['rows'] / floor['wall']:9,.0f} 行/秒  内存增长 {floor['growth_mb']:5.0f} MB")
        for fmt in ("xlsx", "csv"):
            result = run_child(fmt, url, folder)
            ratio = f"{result['wall'] / floor['wall']:5.2f}× 下限" if fmt == "xlsx" else ""
            print(f"  导出 {fmt:<4}  {result['rows']:,} 行  {result['wall']:6.2f} s  "
                  f"{result['rows'] / result['wall']:9,.0f} 行/秒  内存增长 {result['growth_mb']:5.0f} MB  {ratio}")


if __name__ == "__main__":
    main()
