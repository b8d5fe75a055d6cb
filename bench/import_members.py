#!/usr/bin/env python
"""Benchmark: importing a member roll of N rows from .xlsx with ``portal import``, start-up included.

Generates a valid member file (and a variant with 1 % bad rows), then for each database runs the
command a clerk runs (``portal import members FILE --json``), each in its own process, timing the
whole process (so the command's own start-up counts) and taking that process's peak RSS:

- insert of the valid file into an empty roll (all or nothing), with one audit entry per record,
- re-import of the same file as upsert, where nothing changes,
- the bad file: all or nothing (refused, every error listed), then ``--partial`` (valid rows written).

The floor is measured right before and right after each of them (the machine may be shared and its
load may change): python-calamine reading the same file plus sqlite3 ``executemany`` of the raw rows
into an equivalent table with the same unique indexes; each line prints its ratio to the lower of
the two. ``portal --help`` (start-up alone) is timed too. Targets on SQLite: insert ≤ 2.5× the
floor, unchanged upsert ≤ 2× the floor, peak RSS ≤ 400 MB.

Usage: python bench/import_members.py [--rows 100000] [--db sqlite|postgresql|both|URL] [--keep DIR]
``postgresql`` is a server on 127.0.0.1:5432 that lets user ``postgres`` in without a password; a
``postgresql+psycopg://user@host:port`` URL names another server. Either way the bench works in a
scratch database ``bench_import`` that it drops and re-creates; it never touches another database.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import PG_SERVER, PROJECT, empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder

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
    """Prepare a fresh database in this process: the org tree the generated file names."""
    app = portal_app(args.url, Path(args.folder))
    load_demo_database(app, members=1)
    print(json.dumps({"ok": True}))


def fresh_database(kind: str, server: str, folder: Path) -> str:
    url = empty_database(kind, folder, PG_DATABASE, server)
    measure(__file__, "setup", "--url", url, "--folder", str(folder))
    return url


def portal_command(url: str, folder: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``portal ARGUMENTS`` as a clerk would: its output, wall seconds and peak RSS (MB) of that process."""
    environment = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_DIR": str(folder / "instance")}
    command = [sys.executable, "-c", "import sys; from portal.cli import run; sys.argv[0] = 'portal'; run()",
               *arguments]
    # Output goes to files, not pipes: a report of a thousand errors would fill a pipe nobody reads yet.
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        return (subprocess.CompletedProcess(command, process.returncode, stdout.read(), stderr.read()), wall,
                usage.ru_maxrss / 1024)


def run_import(url: str, folder: Path, file: Path, mode: str, partial: bool = False) -> dict[str, Any]:
    arguments = ["import", "members", str(file), "--mode", mode, "--json", *(["--partial"] if partial else [])]
    done, wall, rss = portal_command(url, folder, *arguments)
    if done.returncode not in (0, 1):
        raise SystemExit(f"portal import failed ({done.returncode}):\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall": wall, "rss_mb": rss, "created": report["created"], "updated": report["updated"],
            "unchanged": report["unchanged"], "errors": len(report["errors"]), "committed": report["committed"]}


def startup(url: str, folder: Path) -> float:
    """``portal --help``: the command's start-up alone, best of three."""
    return min(portal_command(url, folder, "--help")[1] for _ in range(3))


def line(name: str, result: dict[str, Any], rows: int, floor_seconds: float) -> str:
    return (f"  {name:<24} {result['wall']:6.2f} s  {rows / result['wall']:9,.0f} 行/秒  峰值内存 "
            f"{result['rss_mb']:5.0f} MB  {result['wall'] / floor_seconds:5.2f}× 下限（{floor_seconds:.2f} s）  "
            f"新增 {result['created']:,} 更新 {result['updated']:,} 未变 {result['unchanged']:,} "
            f"错误 {result['errors']:,} {'已写入' if result['committed'] else '未写入'}")


def measured(good: Path, folder: Path, url: str, file: Path, mode: str, partial: bool) -> tuple[dict[str, Any], float]:
    """One import between two floor measurements; the lower floor is the one it is compared with."""
    before = floor(good, folder)
    result = run_import(url, folder, file, mode, partial)
    return result, min(before, floor(good, folder))


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="both", help="sqlite, postgresql, both, or a postgresql+psycopg:// server URL")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-import-")
    good, bad = folder / f"members-{args.rows}.xlsx", folder / f"members-{args.rows}-1pct-bad.xlsx"
    started = time.perf_counter()
    if not good.exists() or not bad.exists():
        write_file(good, args.rows, 0)
        write_file(bad, args.rows, 0.01)
    print(f"文件：{good.name}、{bad.name}（{good.stat().st_size / 1048576:.1f} MB），{time.perf_counter() - started:.1f} s；"
          f"下限 = python-calamine 读取 + sqlite3 executemany，每项前后各测一次取较小者")
    databases = {"sqlite": [("sqlite", PG_SERVER)], "postgresql": [("postgresql", PG_SERVER)],
                 "both": [("sqlite", PG_SERVER), ("postgresql", PG_SERVER)]}.get(args.db)
    if databases is None:
        if not args.db.startswith("postgresql"):
            parser.error("--db: sqlite, postgresql, both, or a postgresql+psycopg://user@host:port URL")
        databases = [("postgresql", args.db.rstrip("/").rsplit("/", 1)[0] if args.db.count("/") > 2 else args.db)]
    for kind, server in databases:
        print(f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}：")
        url = fresh_database(kind, server, folder)
        print(f"  命令行启动（portal --help，三次取最快）：{startup(url, folder):.2f} s")
        for name, file, mode, partial, fresh in (("新增（全部正确）", good, "insert", False, False),
                                                 ("再次导入为更新（无变化）", good, "upsert", False, False),
                                                 ("1% 错误行：全部或不写", bad, "insert", False, True),
                                                 ("1% 错误行：只写正确的行", bad, "insert", True, False)):
            if fresh:
                url = fresh_database(kind, server, folder)
            result, floor_seconds = measured(good, folder, url, file, mode, partial)
            print(line(name, result, args.rows, floor_seconds), flush=True)


if __name__ == "__main__":
    main()
