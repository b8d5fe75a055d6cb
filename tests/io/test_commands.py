"""``portal import-template`` and ``portal import`` through the app's CLI runner, on both databases."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import xlsxwriter
from python_calamine import CalamineWorkbook

from portal.domain.idcard import check_character
from portal.extensions import db
from portal.io.commands import import_command, import_template_command
from portal.records.batches import ImportBatch
from portal.security.audit import AuditEntry

PASSWORD = "Command-pass-2026"
HEADER = ["姓名", "身份证号", "所属工会", "手机号"]
REPORT_KEYS = {"rows", "created", "updated", "unchanged", "errors", "committed"}


def ident(birth: str, sequence: int) -> str:
    body = f"110101{birth}{sequence:03d}"
    return body + check_character(body)


ID_1 = ident("19900307", 11)
ID_2 = ident("19851120", 22)
ID_3 = ident("19780615", 33)


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def good_file(path: Path) -> Path:
    return write_xlsx(path, [["会员花名册"], HEADER, ["张三", ID_1, "A01", "13812345678"],
                             ["李四", ID_2, "A01-1", None]])


def bad_file(path: Path) -> Path:
    """Three rows; the third (file row 5) has a bad phone number."""
    return write_xlsx(path, [["会员花名册"], HEADER, ["张三", ID_1, "A01", "13812345678"],
                             ["李四", ID_2, "A01-1", None], ["王五", ID_3, "A01", "12345"]])


def run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(import_command, list(args))


def run_json(app: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = run(app, *args, "--json")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (result.output, result.exception)
    report = json.loads(lines[0])
    assert isinstance(report, dict)
    return result.exit_code, report


def member_keys(app: Any) -> set[str]:
    with app.app_context():
        model = app.extensions["portal"].models["members"]
        return set(db.session.scalars(sa.select(model.id_card)))


def batch_count(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) or 0


def new_user(app: Any, role: str, org_code: str | None = "A") -> str:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org_code)
    return name


def test_import_template_writes_the_template(app: Any, tmp_path: Path) -> None:
    out = tmp_path / "会员模板.xlsx"
    result = app.test_cli_runner().invoke(import_template_command, ["members", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成会员导入模板" in result.output
    with CalamineWorkbook.from_path(str(out)) as book:
        assert "_portal" in book.sheet_names
        header = book.get_sheet_by_index(0).to_python()[0]
    assert header[:3] == ["姓名*", "身份证号*", "所属工会*"]


def test_import_template_of_an_unknown_register_is_a_usage_error(app: Any, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(import_template_command, ["nothing", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "没有登记簿“nothing”" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_json_prints_one_report_and_exits_0_when_committed(app: Any, org_tree: dict[str, int],
                                                           tmp_path: Path) -> None:
    code, report = run_json(app, "members", str(good_file(tmp_path / "m.xlsx")))
    assert code == 0
    assert set(report) >= REPORT_KEYS
    assert (report["rows"], report["created"], report["updated"], report["unchanged"]) == (2, 2, 0, 0)
    assert report["errors"] == [] and report["committed"] is True
    assert member_keys(app) == {ID_1, ID_2}


def test_validation_errors_exit_1_and_write_nothing(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    batches = batch_count(app)
    code, report = run_json(app, "members", str(bad_file(tmp_path / "m.xlsx")))
    assert code == 1
    assert report["committed"] is False and report["rows"] == 3
    assert len(report["errors"]) == 1
    error = report["errors"][0]
    assert set(error) == {"row", "column", "message"}
    assert error["row"] == 5 and error["column"] == "手机号" and "12345" in error["message"]
    assert member_keys(app) == set() and batch_count(app) == batches


def test_the_plain_report_is_chinese(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    result = run(app, "members", str(bad_file(tmp_path / "m.xlsx")))
    assert result.exit_code == 1
    assert "第 5 行“手机号”列" in result.output
    assert "没有写入任何数据" in result.output and "--partial" in result.output


def test_an_unreadable_file_exits_2(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "名单.txt"
    path.write_bytes(b"\x00" + random.Random(7).randbytes(4096))
    code, report = run_json(app, "members", str(path))
    assert code == 2
    assert report["committed"] is False and report["created"] == 0
    assert len(report["errors"]) == 1 and "不是电子表格" in report["errors"][0]["message"]
    plain = run(app, "members", str(path))
    assert plain.exit_code == 2 and "无法读取文件" in plain.output
    assert member_keys(app) == set()


def test_header_problems_exit_1(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "手机号"], ["张三", "13812345678"]])
    code, report = run_json(app, "members", str(path))
    assert code == 1 and report["committed"] is False
    assert "缺少必填列" in report["errors"][0]["message"]
    plain = run(app, "members", str(path))
    assert plain.exit_code == 1 and "缺少必填列：身份证号、所属工会" in plain.output and "表头" in plain.output


def test_dry_run_writes_nothing_and_exits_0_when_clean(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    batches = batch_count(app)
    code, report = run_json(app, "members", str(good_file(tmp_path / "m.xlsx")), "--dry-run")
    assert code == 0 and report["created"] == 2 and report["committed"] is False
    plain = run(app, "members", str(good_file(tmp_path / "m.xlsx")), "--dry-run")
    assert plain.exit_code == 0 and "试运行：没有写入任何数据" in plain.output
    assert member_keys(app) == set() and batch_count(app) == batches
    dirty, _ = run_json(app, "members", str(bad_file(tmp_path / "bad.xlsx")), "--dry-run")
    assert dirty == 1


def test_partial_writes_the_good_rows_and_exits_0(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    code, report = run_json(app, "members", str(bad_file(tmp_path / "m.xlsx")), "--partial")
    assert code == 0
    assert report["committed"] is True and report["created"] == 2 and len(report["errors"]) == 1
    assert member_keys(app) == {ID_1, ID_2}


def test_upsert_mode_updates_existing_members(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    assert run(app, "members", str(good_file(tmp_path / "m.xlsx"))).exit_code == 0
    changed = write_xlsx(tmp_path / "changed.xlsx", [HEADER, ["张三", ID_1, "A01", "13900001111"],
                                                     ["李四", ID_2, "A01-1", None]])
    code, insert = run_json(app, "members", str(changed))
    assert code == 1 and "新增或更新" in insert["errors"][0]["message"]
    code, report = run_json(app, "members", str(changed), "--mode", "upsert")
    assert code == 0, report
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    with app.app_context():
        model = app.extensions["portal"].models["members"]
        assert db.session.scalar(sa.select(model.phone).where(model.id_card == ID_1)) == "13900001111"


def test_errors_option_writes_the_error_file(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "错误.xlsx"
    result = run(app, "members", str(bad_file(tmp_path / "m.xlsx")), "--errors", str(out))
    assert result.exit_code == 1
    with CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_index(0).to_python()
    assert rows[1][-1] == "错误说明"
    assert rows[4][:2] == ["王五", ID_3] and rows[4][-1].startswith("手机号：")
    assert rows[2][-1] == "" and rows[3][-1] == ""


def test_user_option_limits_the_import_to_the_clerks_scope(app: Any, org_tree: dict[str, int],
                                                           tmp_path: Path) -> None:
    clerk = new_user(app, "clerk", "A")
    outside = write_xlsx(tmp_path / "b.xlsx", [HEADER, ["李四", ID_2, "B", None]])
    code, report = run_json(app, "members", str(outside), "--user", clerk)
    assert code == 1
    assert report["errors"][0]["column"] == "所属工会" and "权限范围" in report["errors"][0]["message"]
    assert member_keys(app) == set()

    inside = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["张三", ID_1, "A01", None]])
    code, report = run_json(app, "members", str(inside), "--user", clerk)
    assert code == 0 and report["committed"] is True
    with app.app_context():
        batch = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1)).one()
        assert batch.username == clerk and batch.file_name == "a.xlsx"
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import",
                                                               AuditEntry.batch_id == batch.id)).one()
        assert entry.username == clerk
    assert member_keys(app) == {ID_1}


def test_an_unknown_user_exits_1_in_chinese(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    result = run(app, "members", str(good_file(tmp_path / "m.xlsx")), "--user", "nobody_here")
    assert result.exit_code == 1
    assert "没有名为“nobody_here”的有效用户" in result.output
    assert member_keys(app) == set()


def test_a_user_without_import_rights_exits_1(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    viewer = new_user(app, "viewer", "A")
    result = run(app, "members", str(good_file(tmp_path / "m.xlsx")), "--user", viewer)
    assert result.exit_code == 1
    assert f"用户 {viewer} 没有会员的导入权限" in result.output
    assert member_keys(app) == set()


def test_a_deactivated_user_is_refused(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    from portal.security.accounts import set_active

    clerk = new_user(app, "clerk", "A")
    with app.app_context():
        set_active(clerk, False)
    result = run(app, "members", str(good_file(tmp_path / "m.xlsx")), "--user", clerk)
    assert result.exit_code == 1 and "停用" in result.output
    assert member_keys(app) == set()


# --- portal jobs purge -----------------------------------------------------------------------------

def test_jobs_purge_prints_what_it_deleted_in_chinese(app: Any) -> None:
    from portal.io.commands import jobs_group
    from tests.io.test_retention import job_with_files

    old = job_with_files(app, age_days=8, kind="export", file_name="")
    recent = job_with_files(app, age_days=2)
    result = app.test_cli_runner().invoke(jobs_group, ["purge"])
    assert result.exit_code == 0, result.output
    assert f"admin 的导出（members）（{old.name}，3 KB）" in result.output
    assert result.output.startswith("已删除 ")
    assert "保留期限 7 天" in result.output.splitlines()[-1]
    assert not old.exists() and recent.exists()
    app.test_cli_runner().invoke(jobs_group, ["purge", "--days", "1"])
    assert not recent.exists()
    again = app.test_cli_runner().invoke(jobs_group, ["purge"])
    assert again.output.strip() == "没有超过保留期限（7 天）的任务文件。"


def test_the_terminal_progress_counts_rows_while_their_number_is_unknown(capsys: Any) -> None:
    """While the file is still being read the rows in all are not known: the line counts, it shows no "/0"."""
    from portal.io.commands import TerminalProgress

    progress = TerminalProgress(enabled=True)
    progress("validate", 12_000, 0)
    assert capsys.readouterr().err.strip() == "校验 12,000 行"
    progress("validate", 50_000, 100_000)
    line = capsys.readouterr().err.strip()
    assert line.startswith("校验 [###############...............] 50,000/100,000 行，约剩"), line


def test_only_the_portal_script_s_import_commits_without_a_sync_of_its_own(app: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``portal`` script closes the database (a synced checkpoint) before its process ends, so its commits
    need not sync; anything else (screens, votes, a command run in-process) keeps SQLite's full sync."""
    from portal import cli_exit
    from portal.io import commands

    def synchronous() -> int:
        db.engine.dispose()
        with db.engine.connect() as connection:
            return int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())

    if db_kind(app) != "sqlite":
        pytest.skip("a SQLite setting")
    with app.app_context():
        full = synchronous()
        commands._close_database_on_leaving()  # in-process: not armed
        assert synchronous() == full == 2
        monkeypatch.setattr(cli_exit, "_ARMED", [True])
        monkeypatch.setattr(cli_exit, "_CLEANUPS", [])
        try:
            commands._close_database_on_leaving()
            assert synchronous() == 1  # NORMAL
        finally:
            sa.event.remove(db.engine, "connect", commands._sync_when_closing)
        assert synchronous() == 2


def db_kind(app: Any) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).split(":", 1)[0].split("+", 1)[0]
