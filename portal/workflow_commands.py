"""``portal transition``: press a workflow transition from a terminal, with a user's rights and scope."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click
from flask.cli import with_appcontext

# The database, the records and the security layers are imported inside the command, so that
# ``portal --help`` and the other commands do not load them.

#: Exit codes: done, refused (rights, state, reason, condition), another user was first (409).
EXIT_DONE, EXIT_REFUSED, EXIT_CONFLICT = 0, 1, 3


@click.command("transition")
@click.argument("slug")
@click.argument("key")
@click.argument("name")
@click.option("--reason", default=None, help="理由（需要理由的流转必填）")
@click.option("--set", "values", multiple=True, metavar="字段=值", help="随流转填写的字段，可重复")
@click.option("--user", "username", default=None, help="以该用户的身份、权限和行范围执行（不写时以系统身份）")
@with_appcontext
def transition_command(slug: str, key: str, name: str, reason: str | None, values: tuple[str, ...],
                       username: str | None) -> None:
    """对登记簿中自然键为 KEY 的记录执行流转 NAME。退出码：0 已执行，1 被拒绝，3 已被他人处理。"""
    from portal.extensions import db
    from portal.records.service import RegisterService
    from portal.records.workflow import TransitionRefused, outcome, transition
    from portal.security.access import SYSTEM_ACCESS
    from portal.security.audit import acting_as
    from portal.security.current import UnknownUser, access_for_username
    from portal.state import portal_state

    state = portal_state()
    if slug not in state.registry:
        raise click.UsageError(f"没有登记簿“{slug}”；可用的有：{'、'.join(state.registry.slugs)}")
    spec = state.registry.get(slug)
    if spec.workflow is None:
        raise click.UsageError(f"{spec.label.zh}没有流程")
    try:
        access = access_for_username(username) if username else SYSTEM_ACCESS
    except UnknownUser as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(EXIT_REFUSED)
    given = {}
    for item in values:
        field, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set 应写成 字段=值，当前为“{item}”")
        given[field.strip()] = value
    service = RegisterService(spec, state.registry, state.models, lambda: db.session, lambda: "zh", lambda: access)
    record = db.session.scalars(service.query().where(getattr(service.model, spec.key) == key)).first()
    try:
        with acting_as(username) if username else nullcontext():
            if record is None:
                raise TransitionRefused(404, f"找不到{spec.key_field.label.zh}为“{key}”的{spec.label.zh}，或它不在您的权限范围内")
            moved = transition(service, record, name, reason, given)
            message = outcome(service, name, moved)
            db.session.commit()
    except TransitionRefused as refused:
        db.session.rollback()
        click.secho(refused.message, fg="red", err=True)
        for field, messages in refused.errors.items():
            click.secho(f"  {field}: {' '.join(messages)}", fg="red", err=True)
        sys.exit(EXIT_CONFLICT if refused.status == 409 else EXIT_REFUSED)
    click.echo(f"{spec.label.zh} {key}：{message}。")
