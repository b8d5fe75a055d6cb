"""``portal import-template`` and ``portal import``: the spreadsheet import from a terminal."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.records.plan_types import MODES

if TYPE_CHECKING:
    from portal.io.readers import PendingRead
    from portal.io.sheet_limits import ReadLimits
    from portal.security.access import Access

# The app, the database and the import machinery are imported inside the commands, so that
# ``portal --help`` (and any other command) does not pay for what it does not use.

#: Exit codes of ``portal import``.
EXIT_COMMITTED, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _register(slug: str) -> None:
    from portal.state import portal_state

    if slug not in portal_state().registry:
        raise click.UsageError(f"没有登记簿“{slug}”；可用的有：{'、'.join(portal_state().registry.slugs)}")


def _access(username: str | None, slug: str, verb: str) -> Access:
    from portal.security.access import SYSTEM_ACCESS
    from portal.security.current import UnknownUser, access_for_username
    from portal.state import portal_state

    if username is None:
        return SYSTEM_ACCESS
    try:
        access = access_for_username(username)
    except UnknownUser as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(EXIT_INVALID)
    if not access.can(slug, verb):
        label = portal_state().registry.get(slug).label.zh
        click.secho(f"用户 {username} 没有{label}的{'导入' if verb == 'import' else '导出'}权限。", fg="red", err=True)
        sys.exit(EXIT_INVALID)
    return access


@click.command("import-template")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 .xlsx 文件")
@with_appcontext
def import_template_command(slug: str, output: Path) -> None:
    """生成登记簿的导入模板（.xlsx）。"""
    from portal.io.columns import import_fields
    from portal.io.xlsx_template import write_template
    from portal.state import portal_state

    _register(slug)
    spec = portal_state().registry.get(slug)
    write_template(spec, import_fields(spec), portal_state().registry, output)
    click.echo(f"已生成{spec.label.zh}导入模板：{output}")


class TerminalProgress:
    """One self-overwriting line on stderr: phase, rows done, rows/s and time left."""

    NAMES = {"read": "读取", "validate": "校验", "check": "核对", "write": "写入"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.phase_started = time.monotonic()
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.phase, self.phase_started = phase, time.monotonic()
        elapsed = time.monotonic() - self.phase_started
        line = f"{self.NAMES.get(phase, phase)} {done:,}/{total:,} 行" if total else \
            f"{self.NAMES.get(phase, phase)} {done:,} 行"  # the rows in all are not known while the file is read
        if total and done:
            width = 30
            filled = int(width * done / total)
            left = elapsed * (total - done) / done
            line = f"{self.NAMES.get(phase, phase)} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} 行，" \
                   f"约剩 {left:.0f} 秒"
        click.echo(f"\r{line:<70}", nl=False, err=True)

    def finish(self) -> None:
        if self.enabled:
            click.echo("", err=True)


@click.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验并报告，不写入")
@click.option("--mode", type=click.Choice(MODES), default="insert", show_default=True,
              help="insert：只新增；upsert：按自然键新增或更新")
@click.option("--partial", is_flag=True, help="有错误时仍写入正确的行（默认：全部正确才写入）")
@click.option("--errors", "errors_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="有错误时，把原文件加上“错误说明”列写到这里（.xlsx）")
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")
@click.option("--user", "username", default=None, help="以该用户的身份和权限范围导入")
@click.option("--org", "org_unit", default=None, help="文件没有所属工会列时，全部记录属于这个组织（编码或名称）")
@click.pass_context
def import_command(context: click.Context, slug: str, file: Path, dry_run: bool, mode: str, partial: bool,
                   errors_out: Path | None, as_json: bool, username: str | None, org_unit: str | None) -> None:
    """从 .xlsx / .xls / .csv 文件导入登记簿。退出码：0 已写入（或试运行无错误），1 校验有错未写入，2 文件无法读取。"""
    from flask.cli import ScriptInfo

    from portal.io.sheet_limits import ReadLimits

    # The file is read by a process of its own while this one builds the app: both take about a second.
    started = None if current_app else _begin_read(file)
    with started or nullcontext():
        if not current_app:
            context.with_resource(context.ensure_object(ScriptInfo).load_app().app_context())
            _close_database_on_leaving()
        limits = ReadLimits.from_config(current_app.config)
        if started is not None and started.limits != limits:
            started.close()  # the app's settings say otherwise (a test's app): read again, as they say
            started = None
        _import(slug, file, dry_run, mode, partial, errors_out, as_json, username, org_unit, limits, started)


def _close_database_on_leaving() -> None:
    """This command's own app: the process may end once it is done (``portal.cli_exit``), the database closed.

    SQLite: closing the database writes its log back into it and syncs the file to disk, before the process
    ends. So the import's commit need not wait for a sync of its own (``synchronous = NORMAL``: in WAL mode a
    power cut can undo only the last transactions, never damage the file), a third of a second on a big file.
    Only this process is affected; the portal itself (screens, votes) keeps its commits synced."""
    from sqlalchemy import event

    from portal.cli_exit import asked, leave_quickly
    from portal.extensions import db

    leave_quickly(db.engine.dispose)
    if asked() and db.engine.dialect.name == "sqlite":
        event.listen(db.engine, "connect", _sync_when_closing)
        db.engine.dispose()  # the connections opened while the app was built are made again, with it


def _sync_when_closing(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _begin_read(file: Path) -> PendingRead | None:
    """The reading of ``file`` begun with the limits of the settings, or None when the settings cannot be
    read without the app (which then says what is wrong with them)."""
    from portal.cli_site import site_config
    from portal.config import build_config
    from portal.io.readers import PendingRead
    from portal.io.sheet_limits import ReadLimits
    from portal.site import SiteError

    try:
        limits = ReadLimits.from_config(build_config(site_config()))
    except (SiteError, ValueError):
        return None
    return PendingRead(file, file.name, limits)


def _import(slug: str, file: Path, dry_run: bool, mode: str, partial: bool, errors_out: Path | None, as_json: bool,
            username: str | None, org_unit: str | None, limits: ReadLimits, started: PendingRead | None) -> None:
    from portal.extensions import db
    from portal.io.plan import ImportContext, ImportOptions
    from portal.io.xlsx_import import FileUnreadable, run_import
    from portal.security.audit import acting_as
    from portal.state import portal_state

    _register(slug)
    state = portal_state()
    access = _access(username, slug, "import")
    ctx = ImportContext(state.registry.get(slug), state.registry, state.models, db.session, access)
    progress = TerminalProgress(enabled=sys.stderr.isatty() and not as_json)
    try:
        with acting_as(username) if username else nullcontext():
            report = run_import(ctx, file, file.name, ImportOptions(mode=mode, partial=partial, org_unit=org_unit),
                                dry_run=dry_run, progress=progress, errors_out=errors_out, limits=limits,
                                started=started)
    except FileUnreadable as error:
        progress.finish()
        if as_json:
            click.echo(json.dumps({"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "committed": False,
                                   "errors": [{"row": 0, "column": "", "message": error.message}]},
                                  ensure_ascii=False))
        else:
            click.secho(f"无法读取文件：{error.message}", fg="red", err=True)
        sys.exit(EXIT_UNREADABLE)
    progress.finish()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_report(report, dry_run, errors_out)
    sys.exit(EXIT_INVALID if report.blocked else EXIT_COMMITTED)


def _print_report(report: object, dry_run: bool, errors_out: Path | None) -> None:
    from portal.io.xlsx_import import ImportReport

    assert isinstance(report, ImportReport)
    for text in report.problems:
        click.secho(text, fg="red", err=True)
    if report.problems:
        click.secho("文件未导入：请按上面的提示修改表头后重试。", fg="red", err=True)
        return
    for text in report.warnings:
        click.secho(f"提示：{text}", fg="yellow")
    click.echo(f"共 {report.rows:,} 行：新增 {report.created:,}，更新 {report.updated:,}，未变 {report.unchanged:,}，"
               f"有错 {report.error_rows:,} 行。")
    for error in report.errors[:50]:
        column = f"“{error.column}”列" if error.column else ""
        click.echo(f"  第 {error.row} 行{column}：{error.message}")
    if len(report.errors) > 50:
        click.echo(f"  ……另有 {len(report.errors) - 50:,} 个错误" + (f"，全部见 {errors_out}" if errors_out else
                                                                    "，用 --errors 文件.xlsx 导出全部错误"))
    if report.committed:
        click.secho(f"已写入（批次 #{report.batch_id}）。", fg="green")
    elif dry_run:
        click.echo("试运行：没有写入任何数据。")
    else:
        click.secho("有错误，没有写入任何数据。请改正后重新导入，或加 --partial 只导入正确的行。", fg="red")


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """在 Redis 队列上运行后台任务（大文件导入、大批量导出）；需要设置 PORTAL_REDIS_URL。"""
    from redis import Redis
    from rq import Worker

    from portal.io.jobs import QUEUE_NAME, fail_stale_jobs, horse_killed
    from portal.io.retention import purge_expired

    url = current_app.config.get("PORTAL_REDIS_URL")
    if not url:
        click.secho("未设置 PORTAL_REDIS_URL：后台任务在网页进程的工作线程中运行，不需要单独的 worker。", fg="yellow")
        sys.exit(EXIT_INVALID)
    for job in fail_stale_jobs():
        click.secho(f"任务 {job.id} 的处理进程已中断，已标记为失败：{job.error}", fg="yellow")
    purge_expired(current_app._get_current_object())  # type: ignore[attr-defined]
    from portal.extensions import db

    db.session.remove()
    db.engine.dispose()  # work horses are forked from this process: none may inherit an open SQLite connection
    Worker([QUEUE_NAME], connection=Redis.from_url(url), work_horse_killed_handler=horse_killed).work()


@click.group("jobs")
def jobs_group() -> None:
    """后台任务（导入、导出）的文件。"""


@jobs_group.command("purge")
@click.option("--days", type=click.IntRange(0), default=None,
              help="删除早于这么多天的文件（默认：配置 PORTAL_JOB_RETENTION_DAYS）")
@with_appcontext
def jobs_purge_command(days: int | None) -> None:
    """删除超过保留期限的上传文件、错误说明文件和后台导出文件（含个人信息），并列出删除了什么。"""
    from portal.io.jobs import fail_stale_jobs
    from portal.io.retention import purge_expired

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    retention = app.config["PORTAL_JOB_RETENTION_DAYS"] if days is None else days
    for job in fail_stale_jobs():
        click.echo(f"任务 {job.id} 的处理进程已中断，已标记为失败：{job.error}")
    purged = purge_expired(app, retention)
    if not purged:
        click.echo(f"没有超过保留期限（{retention} 天）的任务文件。")
        return
    for item in purged:
        click.echo(f"已删除 {item.line()}")
    total = sum(item.size for item in purged) / 1048576
    click.echo(f"共删除 {len(purged)} 个任务的文件（{total:.1f} MB），保留期限 {retention} 天。")


@click.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="输出文件：.xlsx 或 .csv")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="按字段筛选，可重复，例如 status=在籍；org_unit_subtree=A 为该工会及全部下级单位")
@click.option("--all-fields", is_flag=True, help="导出全部可见字段（默认：模式中的导出列）")
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), default="utf-8", show_default=True,
              help="CSV 编码（UTF-8 带 BOM，Excel 可直接打开）")
@click.option("--user", "username", default=None, help="以该用户的权限导出（行范围与打码同网页）")
@with_appcontext
def export_command(slug: str, output: Path, filters: tuple[str, ...], all_fields: bool, encoding: str,
                   username: str | None) -> None:
    """导出登记簿到 .xlsx 或 .csv（按权限打码、记录审计日志）。"""
    import shutil

    from portal.extensions import db
    from portal.io.export import ExportRefused, ExportRequest, cli_selection, selected_rows, stream, write_export
    from portal.security.audit import acting_as
    from portal.state import portal_state

    _register(slug)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        click.secho(f"输出文件应以 .xlsx 或 .csv 结尾（现在是“{output.name}”）。", fg="red", err=True)
        sys.exit(EXIT_INVALID)
    pairs = []
    for item in filters:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            click.secho(f"筛选条件“{item}”应写成 字段=值，例如 status=在籍。", fg="red", err=True)
            sys.exit(EXIT_INVALID)
        pairs.append((name.strip(), value.strip()))
    spec = portal_state().registry.get(slug)
    access = _access(username, slug, "export")
    try:
        query = selected_rows(spec, access, cli_selection(spec, access, pairs))
    except ExportRefused as refused:
        click.secho(refused.message, fg="red", err=True)
        sys.exit(EXIT_INVALID)
    wanted = ExportRequest(fmt, all_fields, encoding, "；".join(filters))
    folder = output.resolve().parent / f".export-{os.getpid()}"
    with acting_as(username) if username else nullcontext():
        result = write_export(spec, stream(db.session, query), access, wanted, folder)
    shutil.move(str(result.path), output)
    folder.rmdir()
    click.echo(f"已导出{spec.label.zh} {result.rows:,} 行：{output}（SHA-256 {result.sha256[:12]}…）")
