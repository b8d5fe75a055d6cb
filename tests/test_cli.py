"""The portal command: schema check, user creation; Chinese messages and exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import xlsxwriter
import yaml
from click.testing import CliRunner

from portal.cli import PLUGIN_HELP, main

from tests.conftest import own_copy, reading_children

PROJECT = Path(__file__).resolve().parent.parent
#: The packages ``portal --help`` and the import of the command need not load.
HEAVY = ("flask_appbuilder", "sqlalchemy.orm", "marshmallow", "portal.models", "alembic")


def run_python(code: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return what it printed."""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_check_passes_on_the_project_schemas() -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "模式检查通过：13 个登记簿" in result.output


def test_check_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(PROJECT / "schemas", schemas)
    members = yaml.safe_load((schemas / "members.yaml").read_text(encoding="utf-8"))
    org_field = next(i for i, f in enumerate(members["fields"]) if f["name"] == "org_unit")
    members["fields"][org_field]["target"] = "org_unit"
    members["colour"] = "red"
    (schemas / "members.yaml").write_text(yaml.safe_dump(members, allow_unicode=True), encoding="utf-8")
    (schemas / "dues.yaml").write_text("register: dues\n  bad: [", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--schemas", str(schemas)])
    assert result.exit_code == 1
    assert f"schema.E012 members.yaml fields[{org_field}].target: 未知的登记簿 'org_unit'" in result.output
    assert "schema.E003 members.yaml colour" in result.output
    assert "schema.E001 dues.yaml" in result.output


def test_app_refuses_to_start_with_a_broken_schema(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(PROJECT / "schemas", schemas)
    (schemas / "activists.yaml").write_text("register: activists\nversion: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["db", "current"], env={"PORTAL_SCHEMAS_DIR": str(schemas),
                                                              "PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "门户拒绝启动" in result.output
    assert "schema.E004 activists.yaml label" in result.output


def test_import_with_a_broken_schema_says_so_and_leaves_no_reading_process(tmp_path: Path) -> None:
    """``portal import`` starts reading the file while it builds its app; when the app cannot be built the
    schema problem is printed as for any command, and the reading is ended."""
    schemas = tmp_path / "schemas"
    shutil.copytree(PROJECT / "schemas", schemas)
    (schemas / "activists.yaml").write_text("register: activists\nversion: 1\n", encoding="utf-8")
    file = tmp_path / "members.xlsx"
    book = xlsxwriter.Workbook(str(file))
    sheet = book.add_worksheet()
    for index in range(30_000):
        sheet.write_row(index, 0, ["姓名" if index == 0 else f"会员{index}", "身份证号"])
    book.close()
    result = CliRunner().invoke(main, ["import", "members", str(file), "--dry-run"],
                                env={"PORTAL_SCHEMAS_DIR": str(schemas), "PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "门户拒绝启动" in result.output and "schema.E004 activists.yaml label" in result.output
    assert reading_children() == []


def test_user_create_enforces_the_password_policy_and_known_roles(app: Any, database_url: str,
                                                                  tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(tmp_path)}
    runner = CliRunner()
    short = runner.invoke(main, ["user", "create", "clerk1", "--password", "123", "--role", "admin"], env=env)
    assert short.exit_code == 1 and "密码至少需要 10 个字符" in short.output
    digits = runner.invoke(main, ["user", "create", "clerk1", "--password", "1234567890", "--role", "admin"], env=env)
    assert digits.exit_code == 1 and "密码不能全是数字" in digits.output
    role = runner.invoke(main, ["user", "create", "clerk1", "--password", "Clerk-pass-1", "--role", "Nobody"], env=env)
    assert role.exit_code == 1 and "没有名为 Nobody 的角色" in role.output
    org = runner.invoke(main, ["user", "create", "clerk1", "--password", "Clerk-pass-1", "--role", "admin",
                               "--org", "NOPE"], env=env)
    assert org.exit_code == 1 and "找不到组织编码 NOPE" in org.output
    ok = runner.invoke(main, ["user", "create", "clerk1", "--password", "Clerk-pass-1", "--role", "admin"], env=env)
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(main, ["user", "create", "clerk1", "--password", "Clerk-pass-1", "--role", "admin"], env=env)
    assert again.exit_code == 1 and "已存在" in again.output


def test_run_uses_threaded_workers_unless_told_one_thread() -> None:
    from portal.cli import gunicorn_threading

    threaded = gunicorn_threading(4)
    assert threaded[:4] == ["--worker-class", "gthread", "--threads", "4"]
    assert "gthread" not in gunicorn_threading(1)


def test_roles_export_round_trips_through_sync(database_url: str, tmp_path: Path) -> None:
    """Sync a roles file, export the live roles, sync the export: nothing changes and a second export is the same."""
    roles_file = tmp_path / "live-roles.yaml"
    shutil.copy(PROJECT / "permissions" / "roles.yaml", roles_file)
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(tmp_path),
           "PORTAL_ROLES_FILE": str(roles_file)}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(main, ["roles", "sync"], env=env).exit_code == 0
    exported = tmp_path / "exported.yaml"
    result = runner.invoke(main, ["roles", "export", "-o", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    assert f"已导出 {len(yaml.safe_load(roles_file.read_text(encoding='utf-8')))} 个角色到 {exported}" in result.output
    assert "不一致" not in result.output
    text = exported.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == yaml.safe_load(roles_file.read_text(encoding="utf-8"))

    env["PORTAL_ROLES_FILE"] = str(exported)
    dry = runner.invoke(main, ["roles", "sync", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "将新增 0 项权限，将移除 0 项权限" in dry.output, dry.output
    again = runner.invoke(main, ["roles", "export"], env=env)
    assert again.exit_code == 0 and again.stdout == text

    # The file changed by hand and not synced yet: the export is the file's roles, with a warning.
    live = roles_file.read_text(encoding="utf-8")
    roles_file.write_text(live.replace('registers: {"*": [read]}', 'registers: {"*": [read, export]}'),
                          encoding="utf-8")
    env["PORTAL_ROLES_FILE"] = str(roles_file)
    warned = runner.invoke(main, ["roles", "export"], env=env)
    assert warned.exit_code == 0 and "'*': [read, export]" in warned.stdout
    assert "数据库中的权限表与角色文件不一致" in warned.stderr


def test_help_lists_every_command_without_loading_the_web_framework() -> None:
    printed = run_python(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from portal.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(' '.join(line.split()[0] for line in result.output.split('Commands:')[1].splitlines() if line.strip()))\n"
        f"print([name for name in {HEAVY!r} if name in sys.modules])\n")
    commands, loaded = printed.splitlines()
    assert {"import", "export", "dues", "transition", "db", "fab", "limiter", "run"} <= set(commands.split())
    assert loaded == "[]"


def test_the_packages_commands_are_listed_with_their_own_help() -> None:
    from importlib import metadata

    entries = {entry.value: entry for entry in metadata.entry_points(group="flask.commands")}
    for target, text in PLUGIN_HELP.items():
        assert entries[target].load().get_short_help_str() == text
    result = CliRunner().invoke(main, ["fab", "--help"])
    assert result.exit_code == 0 and "FAB flask group commands" in result.output and "create-admin" in result.output


def test_import_runs_without_building_the_pages_and_writes_rows_and_audit(app: Any, org_tree: dict[str, int],
                                                                        database_url: str, tmp_path: Path) -> None:
    """``portal import`` builds an app without pages, APIs and menus; the rows, the batch and the audit
    entry acting as the given user are written as on the full app."""
    from portal.domain.idcard import check_character
    from portal.records.batches import ImportBatch
    from portal.security.accounts import create_user
    from portal.security.audit import AuditEntry

    clerk = f"clerk_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        create_user(clerk, "Command-pass-2026", "clerk", org_code="A")
    body = "11010119900307011"
    file = tmp_path / "members.xlsx"
    book = xlsxwriter.Workbook(str(file))
    sheet = book.add_worksheet()
    for r, row in enumerate([["姓名", "身份证号", "所属工会"], ["张三", body + check_character(body), "A01"]]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    written = own_copy(database_url, tmp_path)
    printed = run_python(
        "import sys\n"
        "from portal.cli import main\n"
        "try:\n"
        f"    main(['import', 'members', {str(file)!r}, '--json', '--user', {clerk!r}])\n"
        "except SystemExit as done:\n"
        "    print('exit', done.code)\n"
        "print('portal.wiring' in sys.modules, 'portal.web.views' in sys.modules)\n",
        env={"PORTAL_DATABASE_URL": written, "PORTAL_INSTANCE_DIR": str(tmp_path / "instance")})
    report, code, pages = printed.splitlines()
    assert '"created": 1' in report and '"committed": true' in report, printed
    assert code == "exit 0"
    assert pages == "False False"
    members, batches, entries = (app.extensions["portal"].models["members"].__table__, ImportBatch.__table__,
                                 AuditEntry.__table__)
    engine = sa.create_engine(written)
    try:
        with engine.connect() as connection:
            assert connection.scalars(sa.select(members.c.name)).all() == ["张三"]
            batch = connection.execute(sa.select(batches).order_by(batches.c.id.desc()).limit(1)).one()
            assert batch.username == clerk and batch.file_name == "members.xlsx"
            entry = connection.execute(sa.select(entries).where(entries.c.action == "import",
                                                                entries.c.batch_id == batch.id)).one()
            assert entry.username == clerk
    finally:
        engine.dispose()
