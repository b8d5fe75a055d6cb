"""``portal dues generate`` and ``portal dues arrears``: monthly dues from a terminal."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.io.commands import EXIT_COMMITTED, EXIT_INVALID, TerminalProgress

if TYPE_CHECKING:
    from portal.records.service import RegisterService
    from portal.security.access import Access

# The database, the records and the security layers are imported inside the commands (see commands.py).


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(EXIT_INVALID)


def _month(text: str) -> str:
    from portal.domain.dues_month import parse_month
    from portal.domain.messages import DomainValidationError

    try:
        return parse_month(text, "--month")
    except DomainValidationError as error:
        _fail(str(error))
        raise


def _access(username: str | None) -> Access:
    from portal.security.access import SYSTEM_ACCESS
    from portal.security.current import UnknownUser, access_for_username

    if username is None:
        return SYSTEM_ACCESS
    try:
        return access_for_username(username)
    except UnknownUser as error:
        _fail(str(error))
        raise


def org_subtree(code: str | None, access: Access) -> tuple[frozenset[int] | None, str]:
    """``--org CODE`` (code or name) -> the unit and its subtree within the user's scope, and its name."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.security.access import ORG_REGISTER, subtree_ids
    from portal.state import portal_state

    if code is None:
        return None, ""
    state = portal_state()
    spec, model = state.registry.get(ORG_REGISTER), state.models[ORG_REGISTER]
    table = model.__table__
    found = db.session.execute(sa.select(table.c.id, table.c[spec.title]).where(
        sa.or_(table.c[spec.key] == code.strip(), table.c[spec.title] == code.strip()))).all()
    if access.org_ids is not None:
        found = [row for row in found if row.id in access.org_ids]
    if len(found) != 1:
        _fail(f"--org：没有编码或名称为“{code}”的工会" + ("，或它不在您的管辖范围内。" if access.scoped else "。")
              if not found else f"--org：名称“{code}”对应多个工会，请改用组织编码。")
    unit_id, name = found[0]
    ids = subtree_ids(db.session, model, unit_id, spec.tree or "parent")
    return (ids if access.org_ids is None else ids & access.org_ids), str(name)


def _service(slug: str, access: Access) -> RegisterService:
    from portal.extensions import db
    from portal.records.service import RegisterService
    from portal.state import portal_state

    state = portal_state()
    return RegisterService(state.registry.get(slug), state.registry, state.models, lambda: db.session,
                           lambda: "zh", lambda: access)


@click.group("dues")
def dues_group() -> None:
    """会费：按月生成会费记录、列出欠缴会费。"""


@dues_group.command("generate")
@click.option("--month", required=True, help="会费月份，例如 2026-11")
@click.option("--org", "org_code", default=None, help="只为该工会（编码或名称）及其下级单位的会员生成")
@click.option("--user", "username", default=None, help="以该用户的身份和权限范围生成（需要“按月生成会费”权限）")
@click.option("--dry-run", is_flag=True, help="只统计将新增多少条，不写入")
@with_appcontext
def generate_command(month: str, org_code: str | None, username: str | None, dry_run: bool) -> None:
    """为范围内每位在籍会员生成当月会费记录（保留会籍的记为免交）；已有当月记录的会员不变，可重复运行。"""
    from portal.extensions import db
    from portal.records.dues_month import DUES, MEMBERS, generate, policy_from_config
    from portal.security.audit import acting_as

    value = _month(month)
    access = _access(username)
    if not (access.has_page("dues_generate") and access.can(DUES, "create")):
        _fail(f"用户 {username} 没有“按月生成会费”权限（roles.yaml 的页面 dues_generate 和会费的新增权限）。")
    org_ids, org_name = org_subtree(org_code, access)
    label = f"按月生成会费 {value}" + (f"（{org_name}）" if org_name else "")
    progress = TerminalProgress(enabled=sys.stderr.isatty())
    with acting_as(username) if username else nullcontext():
        try:
            report = generate(_service(DUES, access), _service(MEMBERS, access), value,
                              policy_from_config(current_app.config), org_ids, dry_run, label, progress)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    progress.finish()
    click.echo(report.summary())
    _print_people("未填月工资收入（请在会员登记表中填写后重新运行）", report.no_wage, report.no_wage_names)
    for line in report.errors[:50]:
        click.secho(f"  {line}", fg="red")
    if report.batch_id is not None:
        click.secho(f"已写入（批次 #{report.batch_id}，可在会费的导入页面撤销）。", fg="green")
    elif dry_run:
        click.echo("试运行：没有写入任何数据。")
    else:
        click.echo("没有需要新增的记录，未写入任何数据。")
    sys.exit(EXIT_COMMITTED)


def _print_people(title: str, count: int, people: list[tuple[str, str]]) -> None:
    if not count:
        return
    click.secho(f"{title}：{count:,} 人", fg="yellow")
    for name, org in people[:50]:
        click.echo(f"  {name}（{org}）")
    if count > 50:
        click.echo(f"  ……另有 {count - 50:,} 人")


@dues_group.command("arrears")
@click.option("--month", required=True, help="计算到该月（含），例如 2026-11")
@click.option("--min-months", type=click.IntRange(1), default=1, show_default=True, help="只列出连续未交至少这么多个月的会员")
@click.option("--org", "org_code", default=None, help="只看该工会（编码或名称）及其下级单位")
@click.option("--user", "username", default=None, help="以该用户的权限范围和打码查看")
@with_appcontext
def arrears_command(month: str, min_months: int, org_code: str | None, username: str | None) -> None:
    """列出连续未交会费的会员（跳过免交月份），连续未交达到规定月数的标出“须教育谈话”。"""
    from portal.extensions import db
    from portal.records.dues_month import ARREARS_HEADERS, DUES, arrears, arrears_cells, arrears_count, policy_from_config
    from portal.state import portal_state

    value = _month(month)
    access = _access(username)
    if not access.can(DUES, "read"):
        _fail(f"用户 {username} 没有会费的查看权限。")
    org_ids, _ = org_subtree(org_code, access)
    state = portal_state()
    policy = policy_from_config(current_app.config)
    spec = state.registry.get(DUES)
    total, prompted = arrears_count(db.session, spec, state.models, access, value, policy, min_months, org_ids)
    rows = arrears(db.session, spec, state.models, access, value, policy, min_months, org_ids)
    click.echo("\t".join(ARREARS_HEADERS))
    for row in rows:
        click.echo("\t".join(str(cell) for cell in arrears_cells(row, state.registry, access)))
    click.echo(f"截至 {value}：连续未交 {min_months} 个月及以上的会员 {total:,} 人，其中连续 {policy.lapse_months} 个月"
               f"及以上（须教育谈话）{prompted:,} 人。")
