"""``portal.cli_exit``: the ``portal`` script ends an import's process without the interpreter's teardown, after
closing the database and flushing its output; ``main`` in-process is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import xlsxwriter

from portal import cli_exit
from portal.domain.idcard import check_character

from tests.conftest import own_copy

PROJECT = Path(__file__).resolve().parent.parent
#: Runs the console script's entry point; an ``atexit`` handler says whether the interpreter's teardown ran.
SCRIPT = ("import atexit, sys\n"
          "atexit.register(lambda: print('teardown ran', flush=True))\n"
          "from portal.cli import run\n"
          "sys.argv[0] = 'portal'\n"
          "run()\n")


def _roll(path: Path, rows: list[list[str]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([["姓名", "身份证号", "所属工会"], *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def _portal(arguments: list[str], url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_DIR": str(folder / "instance")}
    return subprocess.run([sys.executable, "-c", SCRIPT, *arguments], cwd=PROJECT, env=env, capture_output=True,
                          text=True, encoding="utf-8", check=False)


def test_an_import_ends_at_once_with_its_code_its_report_and_the_database_closed(
        app: Any, org_tree: dict[str, int], database_url: str, tmp_path: Path) -> None:
    name = f"速退{uuid.uuid4().hex[:12]}"
    serial = uuid.uuid4().int
    body = f"1101011971{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    good = _roll(tmp_path / "good.xlsx", [[name, body + check_character(body), "A01"]])
    written = own_copy(database_url, tmp_path)
    done = _portal(["import", "members", str(good), "--json"], written, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("}") and '"created": 1' in done.stdout  # the report is flushed whole
    assert "teardown ran" not in done.stdout
    if written.startswith("sqlite:///"):  # closed: SQLite wrote its log back into the file and removed it
        assert not Path(written.removeprefix("sqlite:///") + "-wal").exists()
    members = app.extensions["portal"].models["members"].__table__
    engine = sa.create_engine(written)
    try:
        with engine.connect() as connection:
            assert connection.scalars(sa.select(members.c.name).where(members.c.name == name)).all() == [name]
    finally:
        engine.dispose()
    bad = _roll(tmp_path / "bad.xlsx", [[name, "110101199003070110", "A01"]])
    refused = _portal(["import", "members", str(bad)], written, tmp_path)
    assert refused.returncode == 1 and "没有写入任何数据" in refused.stdout
    assert "teardown ran" not in refused.stdout


def test_other_commands_and_click_messages_leave_the_normal_way(tmp_path: Path) -> None:
    done = _portal(["check"], "sqlite:///" + str(tmp_path / "none.db"), tmp_path)
    assert done.returncode == 0 and "teardown ran" in done.stdout
    unknown = _portal(["import", "members", str(tmp_path / "missing.xlsx")], "sqlite:///" + str(tmp_path / "n.db"),
                      tmp_path)
    assert unknown.returncode == 2 and "teardown ran" in unknown.stdout and "missing.xlsx" in unknown.stderr


def test_a_command_run_in_process_asks_for_nothing_and_a_message_leaves_the_normal_way(monkeypatch: Any) -> None:
    """Only the console script arms the quick exit: ``main`` in a test's process must never end that process."""
    monkeypatch.setattr(cli_exit, "_CLEANUPS", [])
    monkeypatch.setattr(cli_exit, "_ARMED", [])
    ran: list[str] = []
    cli_exit.leave_quickly(lambda: ran.append("closed"))
    assert not cli_exit.asked()
    cli_exit.leave_now(0)  # nothing asked: returns
    cli_exit.arm()
    cli_exit.leave_quickly(lambda: ran.append("closed"))
    cli_exit.leave_now("Error: a message for the normal exit to print")
    assert ran == [] and cli_exit.asked()
