#!/usr/bin/env python
"""Benchmark: importing a member roll of N rows from .xlsx.

Generates a valid member file (and a variant with 1 % bad rows), then for each database measures,
each in its own process so peak RSS is its own:

- insert of the valid file into an empty roll (all or nothing),
- re-import of the same file as upsert, where nothing changes,
- the bad file: all or nothing (refused, every error listed), then ``--partial`` (valid rows written).

It prints wall seconds, rows/s and peak RSS for each, and the ratio to a floor measured in the same
run: python-calamine reading the same file plus sqlite3 ``executemany`` of the raw rows into an
equivalent table with the same unique indexes. Targets on SQLite: insert ≤ 10 s and ≤ 4× the floor,
unchanged upsert ≤ 10 s, peak RSS ≤ 600 MB.

Usage: python bench/import_members.py [--rows 100000] [--db sqlite|postgresql|both] [--keep DIR]
PostgreSQL: a server on 127.0.0.1:5432 that lets user ``postgres`` in without a password.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import empty_database, load_demo_database, measure, portal_app

PG_DATABASE = "bench_import"
HEADERS = ["姓名", "身份证号", "所属工会", "民族", "学历", "政治面貌", "手机号", "电子邮箱", "工作单位", "就业情况",
           "入会时间", "会员证号", "会籍状态", "月工资收入", "备注"]
ORG_CODES = ["A01G1", "A01G2", "A02G1", "B01G1", "C01G1", "D01G1"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card(index: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=index // 400)
    body = f"310104{birth:%Y%m%d}{index % 400 + 500:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def member_row(index: int, bad: bool) -> list[Any]:
    card = id_card(index)
    phone = f"13{index % 10}{index:08d}"[:11]
    if bad:
        card = card[:-1] + ("0" if card[-1] != "0" else "1")  # wrong check character
    return [f"会员{index:06d}", card, ORG_CODES[index % len(ORG_CODES)], "汉族", "大学本科", "群众", phone,
            f"m{index}@example.com" if index % 3 == 0 else None, "华东机械集团", "在岗",
            datetime(2010 + index % 10, 1 + index % 12, 1 + index % 28), f"BM{index:08d}", "在籍",
            4000 + (index % 700) * 10 + (index % 7) / 10, "批量导入" if index % 5 == 0 else None]


def write_file(path: Path, rows: int, bad_share: float) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("会员")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    step = int(1 / bad_share) if bad_share else 0
    for index in range(rows):
        values = member_row(index, bool(step) and index % step == step // 2)
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(index + 1, column, value, dates)
            elif isinstance(value, str):
                sheet.write_string(index + 1, column, value)
            else:
                sheet.write_number(index + 1, column, value)
    workbook.close()


def floor(path: Path, folder: Path) -> float:
    """calamine read + sqlite3 executemany of the raw rows into an equivalent table."""
    from python_calamine import CalamineWorkbook

    database = folder / "floor.db"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADERS)))
    connection.execute(f"CREATE TABLE members (id INTEGER PRIMARY KEY, {columns})")
    connection.execute("CREATE UNIQUE INDEX uq_id_card ON members (c1)")
    connection.execute("CREATE UNIQUE INDEX uq_card ON members (c11)")
    connection.execute("CREATE INDEX ix_org ON members (c2)")
    marks = ", ".join("?" for _ in HEADERS)
    names = ", ".join(f"c{i}" for i in range(len(HEADERS)))
    with connection:
        connection.executemany(f"INSERT INTO members ({names}) VALUES ({marks})",
                               [[str(v) if isinstance(v, (date, datetime)) else v for v in row] for row in rows])
    connection.close()
    return time.perf_counter() - started


def child(args: argparse.Namespace) -> None:
    """One measurement in this process: prints a JSON line."""
    folder = Path(args.folder)
    app = portal_app(args.url, folder)
    from portal.extensions import db

    if args.child == "setup":
        load_demo_database(app, members=1)  # the org tree the generated file names
        print(json.dumps({"ok": True}))
        return
    from portal.io.plan import ImportContext, ImportOptions
    from portal.io.xlsx_import import run_import
    from portal.security.access import SYSTEM_ACCESS

    with app.app_context():
        state = app.extensions["portal"]
        ctx = ImportContext(state.registry.get("members"), state.registry, state.models, db.session, SYSTEM_ACCESS)
        options = ImportOptions(mode="upsert" if args.child == "upsert" else "insert", partial=args.partial)
        started = time.perf_counter()
        report = run_import(ctx, Path(args.file), Path(args.file).name, options)
        wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "rows": report.rows, "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged, "errors": len(report.errors), "committed": report.committed,
                      "rss_mb": peak}))


def run_child(kind: str, url: str, folder: Path, file: Path | None = None, partial: bool = False) -> dict[str, Any]:
    arguments = [kind, "--url", url, "--folder", str(folder)]
    arguments += ["--file", str(file)] if file else []
    arguments += ["--partial"] if partial else []
    return measure(__file__, *arguments)


def fresh_database(kind: str, folder: Path) -> str:
    url = empty_database(kind, folder, PG_DATABASE)
    run_child("setup", url, folder)
    return url


def line(name: str, result: dict[str, Any], rows: int, floor_seconds: float | None) -> str:
    ratio = f"{result['wall'] / floor_seconds:5.2f}× 下限" if floor_seconds else ""
    return (f"  {name:<28} {result['wall']:6.2f} s  {rows / result['wall']:9,.0f} 行/秒  峰值内存 "
            f"{result['rss_mb']:6.0f} MB  {ratio}  新增 {result['created']:,} 更新 {result['updated']:,} "
            f"未变 {result['unchanged']:,} 错误 {result['errors']:,} {'已写入' if result['committed'] else '未写入'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--partial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    good, bad = folder / f"members-{args.rows}.xlsx", folder / f"members-{args.rows}-1pct-bad.xlsx"
    started = time.perf_counter()
    write_file(good, args.rows, 0)
    write_file(bad, args.rows, 0.01)
    print(f"生成文件：{good.name}、{bad.name}（{good.stat().st_size / 1048576:.1f} MB），"
          f"{time.perf_counter() - started:.1f} s")
    floor_seconds = min(floor(good, folder) for _ in range(2))
    print(f"下限（python-calamine 读取 + sqlite3 executemany，{args.rows:,} 行）：{floor_seconds:.2f} s")
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        print(f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}：")
        url = fresh_database(kind, folder)
        print(line("新增（全部正确）", run_child("insert", url, folder, good), args.rows, floor_seconds))
        print(line("再次导入为更新（无变化）", run_child("upsert", url, folder, good), args.rows, floor_seconds))
        url = fresh_database(kind, folder)
        print(line("1% 错误行：全部或不写", run_child("insert", url, folder, bad), args.rows, floor_seconds))
        print(line("1% 错误行：只写正确的行", run_child("insert", url, folder, bad, partial=True), args.rows,
                   floor_seconds))


if __name__ == "__main__":
    main()
