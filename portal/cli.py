"""The ``portal`` command: a Flask CLI group on the app factory.

Every command prints Chinese messages and exits non-zero on failure, without a stack trace.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import importlib

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from portal.cli_site import site_config


#: The commands that only read and write records (the database, the registers, users and roles, the audit
#: trail): they run on an app without pages, APIs and menus, which is built in a fraction of the time. So do
#: ``init``, ``check`` and ``schema-doc``, which use no app but get one, as every command of a Flask group does
#: (its schemas and roles are checked on the way, as before).
WITHOUT_VIEWS = frozenset({("import",), ("import-template",), ("export",), ("transition",), ("dues", "generate"),
                           ("dues", "arrears"), ("jobs", "purge"), ("init",), ("check",), ("schema-doc",)})


def _command_path(context: click.Context | None) -> tuple[str, ...]:
    """The names of the command being run below ``portal``, e.g. ``("dues", "generate")``."""
    names: list[str] = []
    while context is not None and context.parent is not None:
        names.insert(0, context.info_name or "")
        context = context.parent
    return tuple(names)


def _create_app() -> Flask:
    from portal import create_app
    from portal.registry.problems import SchemaError
    from portal.security.roles import RolesError
    from portal.site import SiteError

    views = _command_path(click.get_current_context(silent=True)) not in WITHOUT_VIEWS
    try:
        return create_app(site_config(), views=views)
    except (SchemaError, RolesError, SiteError) as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(1)


#: The one-line help of the installed packages' command groups (``flask.commands`` entry points), so that
#: listing them does not import the packages (Flask-AppBuilder alone takes most of a second).
PLUGIN_HELP = {
    "flask_appbuilder.cli:fab": "FAB flask group commands",
    "flask_limiter.commands:cli": "Flask-Limiter maintenance & utility commands",
}


class PortalGroup(FlaskGroup):
    """Lists its commands without building the app: every command is added here (the app adds none of
    its own), so ``portal --help`` need not load schemas, models and views."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def _load_plugin_commands(self) -> None:
        """The packages' command groups, each imported on first use when its help is known."""
        if self._loaded_plugin_commands:
            return
        from importlib import metadata

        for entry in metadata.entry_points(group="flask.commands"):
            if entry.value in PLUGIN_HELP:
                self.add_command(DeferredGroup(entry.name, entry.value, PLUGIN_HELP[entry.value]))
            else:
                self.add_command(entry.load(), entry.name)
        self._loaded_plugin_commands = True


class DeferredGroup(click.Group):
    """A command group imported on first use (``db``: Alembic is only loaded for migrations)."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name=name, help=help)
        self.target = target

    def _group(self) -> click.Group:
        module, _, attribute = self.target.partition(":")
        group: click.Group = getattr(importlib.import_module(module), attribute)
        return group

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """The real group's own options and callback (``db`` keeps ``--directory`` in ``g`` for its commands)."""
        group = self._group()
        self.params, self.callback = group.params, group.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._group().get_command(ctx, cmd_name)


@click.group(cls=PortalGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             help="工会管理平台命令行。")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="站点目录（本工会的模式、角色、迁移与数据；由 portal init 创建）。默认：环境变量 PORTAL_SITE，"
                   "未设置时为代码仓库本身")
def main(site: Path | None) -> None:
    pass


def run() -> None:
    """The ``portal`` console script: ``main``, after which a command that asked for it (``portal import``)
    ends the process at once, without the interpreter's teardown (``portal.cli_exit``)."""
    from portal.cli_exit import arm, leave_now

    arm()
    try:
        main()
    except SystemExit as done:
        leave_now(done.code)
        raise


@main.command("init")
@click.argument("site", type=click.Path(path_type=Path))
def init_command(site: Path) -> None:
    """创建站点目录：复制随程序提供的模式、角色和迁移，之后用 portal --site SITE … 使用它。"""
    from portal.site import SiteError, init_site

    try:
        paths = init_site(site)
    except SiteError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(1)
    click.secho(f"已创建站点目录 {paths.root}（schemas/、permissions/、migrations/、instance/）。", fg="green")
    click.echo(f"下一步：portal --site {paths.root} db upgrade，然后 portal --site {paths.root} ensure-admin。")


main.add_command(DeferredGroup("db", "flask_migrate.cli:db", "Perform database migrations."))


def _add_io_commands() -> None:
    from portal.io.commands import (export_command, import_command, import_template_command, jobs_group,
                                    worker_command)

    main.add_command(import_template_command)
    main.add_command(jobs_group)
    main.add_command(import_command)
    main.add_command(worker_command)
    main.add_command(export_command)
    from portal.io.dues_commands import dues_group

    main.add_command(dues_group)
    from portal.workflow_commands import transition_command

    main.add_command(transition_command)


_add_io_commands()


@main.command("check")
@click.option("--schemas", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="模式目录（默认：配置中的 schemas/）")
def check_command(schemas: Path | None) -> None:
    """检查所有登记簿模式，列出全部问题；有问题时退出码为 1。"""
    from portal.config import build_config
    from portal.registry.loader import read_registry
    from portal.registry.reports import read_reports
    from portal.site import SiteError

    try:
        directory = schemas or Path(build_config(site_config())["PORTAL_SCHEMAS_DIR"])
    except SiteError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(1)
    registry, problems = read_registry(directory)
    catalogue, report_problems = read_reports(directory, registry)
    problems = sorted(problems + report_problems)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.secho(f"发现 {len(problems)} 个问题，请按提示修改 {directory} 中的文件。", fg="red", err=True)
        sys.exit(1)
    click.echo(f"模式检查通过：{len(registry)} 个登记簿（{', '.join(registry.slugs)}），"
               f"{len(catalogue)} 个报表（{', '.join(catalogue.names)}）。")


@main.command("schema-doc")
def schema_doc_command() -> None:
    """输出由元模式生成的 schemas/README.md 内容。"""
    from portal.registry.docs import render_readme

    click.echo(render_readme(), nl=False)


@main.group("roles")
def roles_group() -> None:
    """角色与权限（permissions/roles.yaml）。"""


@roles_group.command("sync")
@click.option("--dry-run", is_flag=True, help="只列出将要发生的变化，不写入")
@with_appcontext
def roles_sync_command(dry_run: bool) -> None:
    """把 roles.yaml 写入权限表，并列出每个角色新增和移除的权限。"""
    from portal.security.sync import sync_roles

    for line in sync_roles(current_app, dry_run=dry_run).lines():
        click.echo(line)


@roles_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入的文件（默认输出到屏幕），例如 permissions/roles.yaml")
@with_appcontext
def roles_export_command(output: Path | None) -> None:
    """把正在生效的角色（含界面上新建和修改的）按 roles.yaml 的格式导出，便于提交到版本库。"""
    from portal.security.live_roles import refresh_roles
    from portal.security.role_export import export_file
    from portal.security.sync import sync_roles

    state = current_app.extensions["portal"]
    refresh_roles(state)
    text = export_file(Path(current_app.config["PORTAL_ROLES_FILE"]), state.roles, state.registry)
    report = sync_roles(current_app, dry_run=True)
    if report.changed:
        click.secho("注意：数据库中的权限表与角色文件不一致，导出的是文件中正在生效的角色；"
                    "运行 portal roles sync --dry-run 查看差异。", fg="yellow", err=True)
    for name in report.unmanaged:
        click.secho(f"注意：数据库中的角色 {name} 不在角色文件中，没有导出。", fg="yellow", err=True)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"已导出 {len(state.roles)} 个角色到 {output}")


@main.command("demo")
@click.option("--members", default=600, show_default=True, type=click.IntRange(1, 1_000_000), help="会员人数")
@click.option("--force", is_flag=True, help="即使已有数据也再生成一批（会员身份证号不会重复）")
@with_appcontext
def demo_command(members: int, force: bool) -> None:
    """生成演示数据：组织树、会员及其他登记簿的记录（可重复，结果确定）。"""
    from portal.demo import load_demo

    summary = load_demo(current_app, members=members, force=force)
    click.echo(summary)


@main.group("user")
def user_group() -> None:
    """用户账号管理。"""


@user_group.command("create")
@click.argument("username")
@click.option("--password", required=True, help="密码（至少 10 位，不能全是数字）")
@click.option("--role", required=True, help="角色名（roles.yaml 中的键），例如 clerk")
@click.option("--org", "org_code", default=None, help="所属组织编码（行范围）")
@click.option("--email", default=None, help="电子邮箱（默认 用户名@portal.local）")
@with_appcontext
def user_create_command(username: str, password: str, role: str, org_code: str | None, email: str | None) -> None:
    """创建用户。"""
    from portal.security.accounts import AccountError, create_user

    try:
        create_user(username, password, role, org_code=org_code, email=email)
    except AccountError as error:
        click.secho(f"创建用户失败：{error}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"已创建用户 {username}（角色 {role}）。")


@user_group.command("deactivate")
@click.argument("username")
@with_appcontext
def user_deactivate_command(username: str) -> None:
    """停用用户：不能再登录，已登录的会话立即失效。"""
    from portal.security.accounts import AccountError, set_active

    try:
        set_active(username, False)
    except AccountError as error:
        click.secho(f"停用失败：{error}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"已停用用户 {username}。")


@main.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
@with_appcontext
def ensure_admin_command(username: str) -> None:
    """确保有一个管理员账号；首次创建时生成随机密码并保存在 instance/ 中，每次都打印登录信息。"""
    from portal.security.accounts import AccountError, ensure_admin
    from portal.security.sync import sync_roles

    sync_roles(current_app)
    try:
        password = ensure_admin(username, Path(current_app.instance_path) / "admin_password.txt",
                                lambda: secrets.token_urlsafe(9))
    except AccountError as error:
        click.secho(f"创建管理员失败：{error}", fg="red", err=True)
        sys.exit(1)
    click.secho(f"管理员登录：用户名 {username}  密码 {password}", fg="green")


def gunicorn_threading(threads: int) -> list[str]:
    """gunicorn's worker options: threads (gthread) beyond one; the workers' heartbeat files in memory when
    the machine has /dev/shm (on a disk-backed /tmp of a container a heartbeat can stall a worker)."""
    options = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    if Path("/dev/shm").is_dir():
        options += ["--worker-tmp-dir", "/dev/shm"]
    return options


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="每个进程的线程数：1 为单线程进程（sync，请求在进程间排得最匀，表决高峰的延迟最低）；"
                   "大于 1 时用 gthread（保持连接，慢速网络的手机不会占住整个进程）")
@click.option("--dev", is_flag=True, help="使用 Flask 开发服务器（自动重载，仅限开发）")
@with_appcontext
def run_command(host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """启动门户：默认用 gunicorn（多进程、多线程的生产服务器），--dev 时用开发服务器。"""
    from portal.security.sync import sync_roles

    report = sync_roles(current_app)
    click.echo(report.lines()[-1])
    url = f"http://{host}:{port}"
    click.secho(f"工会管理平台已启动：{url}", fg="green")
    if dev:
        current_app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    arguments: list[Any] = [sys.executable, "-m", "gunicorn", "portal.wsgi:app", "--bind", f"{host}:{port}",
                            "--workers", str(workers), "--access-logfile", "-", "--timeout", "120"]
    arguments += gunicorn_threading(threads)
    os.environ.update(site_config())  # the workers build their app from the environment (portal.wsgi)
    os.execv(sys.executable, [str(arg) for arg in arguments])
