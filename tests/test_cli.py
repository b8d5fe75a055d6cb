"""The portal command: schema check, user creation; Chinese messages and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from portal.cli import main

PROJECT = Path(__file__).resolve().parent.parent


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
