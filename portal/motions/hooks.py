"""What the workflow engine asks the motions module (registered once by ``install``).

* ``guard``: only the proposer rates the written reply (满意 / 基本满意 / 不满意); the delegation head's
  first review (``config.head_review``, default 0 = off) decides which 提交 is offered.
* ``notify``: after any motion transition, an in-portal message to the proposer and each co-signer
  naming the motion and its new state (and, for 不立案, that it became an 意见建议 and why). The one
  who pressed the button is not told of their own step.
"""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import urlencode

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from portal.motions.messages import send
from portal.records.workflow import settings_of
from portal.records.workflow_hooks import add_after, add_guard, add_row_filter
from portal.registry.workflow import Transition
from portal.texts import gettext

MOTIONS = "motions"
COSIGNERS = "motion_cosigners"
#: The transitions that rate the reply, pressed by the proposer only.
FEEDBACK_STEPS = ("satisfied", "mostly_satisfied", "unsatisfied")
#: 提交 with and without the delegation head's first review.
HEAD_SUBMIT, PLAIN_SUBMIT = "submit_to_head", "submit"


def install() -> None:
    """Register the guard and the messages with the workflow engine, and the 查重 link on the form."""
    from portal.web.form_links import FORM_LINKS

    add_guard(MOTIONS, guard)
    add_row_filter(MOTIONS, own_motions)
    add_after(MOTIONS, notify)
    FORM_LINKS[MOTIONS] = dupe_link


def dupe_link(form: Any, pk: str | None) -> list[tuple[str, str]]:
    """查重 beside the motion form: the similar-subject page, for the subject typed (and not this motion)."""
    subject = getattr(getattr(form, "subject", None), "data", None) or ""
    query = {key: value for key, value in (("subject", str(subject)), ("exclude", pk or "")) if value}
    return [(gettext("Check for duplicates: motions with a similar subject"), "/motions/similar" + (f"?{urlencode(query)}" if query else ""))]


def head_review(spec: Any) -> bool:
    """Is the delegation head's first review switched on (``PORTAL_SETTING_HEAD_REVIEW`` or the YAML)?"""
    return bool(spec.workflow and settings_of(spec.workflow).get("head_review", 0))


def actor_members(session: Any, models: Any, username: str | None) -> set[int]:
    """The members whose register e-mail is the account's."""
    if not username:
        return set()
    email = session.scalar(sa.select(User.email).where(User.username == username))
    wanted = (email or "").strip().lower()
    if not wanted:
        return set()
    members = models["members"]
    return set(session.scalars(sa.select(members.id).where(members.email == wanted)))


def own_motions(access: Any, models: Any, model: Any, transition: Transition) -> Any:
    """The guard's feedback rule in SQL, for the 待办 list: the motions whose proposer is the account's member."""
    if transition.name not in FEEDBACK_STEPS:
        return None
    members = models["members"]
    email = sa.select(sa.func.lower(sa.func.trim(User.email))).where(User.username == access.username)
    return model.proposer_id.in_(sa.select(members.id).where(members.email == email.scalar_subquery()))


def guard(service: Any, transition: Transition, record: Any) -> str | None:
    """Why this user may not press ``transition`` on this motion, or ``None``."""
    if transition.name in FEEDBACK_STEPS and record.proposer_id not in actor_members(
            service.session, service.models, service.access().username):
        return gettext("Only the proposer can give an opinion on the written reply (satisfied, mostly satisfied or "
                       "unsatisfied)")
    on = head_review(service.spec)
    if transition.name == PLAIN_SUBMIT and on:
        return gettext("Review by the delegation head is on: use “Submit for head review”")
    if transition.name == HEAD_SUBMIT and not on:
        return gettext("Review by the delegation head is off: use “Submit” directly")
    return None


def notify(service: Any, transition: Transition, done: Sequence[tuple[int, str]], reason: str) -> None:
    """One message per addressee for each motion ``transition`` moved."""
    session, models = service.session, service.models
    motions, cosign = models[MOTIONS], models[COSIGNERS]
    ids = [record_id for record_id, _ in done]
    rows = session.execute(sa.select(motions.id, motions.motion_no, motions.subject, motions.proposer_id,
                                     motions.kind).where(motions.id.in_(ids))).all()
    wanted = ("已附议", "已邀请") if transition.target == "征集中" else ("已附议",)  # i18n: data
    signers: dict[int, list[tuple[int, str]]] = {}
    for motion_id, member_id, status in session.execute(sa.select(cosign.motion_id, cosign.member_id, cosign.status)
                                                        .where(cosign.motion_id.in_(ids), cosign.status.in_(wanted))):
        signers.setdefault(motion_id, []).append((member_id, status))
    actor = actor_members(session, models, service.access().username)
    state = service.spec.workflow.state(transition.target)
    label = state.label.zh if state else transition.target
    connection = session.connection()
    for motion_id, number, subject, proposer_id, kind in rows:
        # the messages are stored in Chinese for the delegates' inbox
        tail = f"现在是“{label}”。"  # i18n: data
        if kind == "意见建议" and transition.target == "不立案":
            tail += "这件提案已转为意见建议，不再作为提案办理。"  # i18n: data
        if reason:
            tail += f"理由：{reason}"  # i18n: data
        about = f"提案《{subject}》（{number}）：{transition.label.zh}，{tail}"  # i18n: data
        if proposer_id not in actor:
            send(connection, [proposer_id], MOTIONS, motion_id, f"您提出的{about}")  # i18n: data
        for member_id, status in signers.get(motion_id, ()):
            if member_id not in actor and member_id != proposer_id:
                text = f"邀请您附议的{about}" if status == "已邀请" else f"您附议的{about}"  # i18n: data
                send(connection, [member_id], MOTIONS, motion_id, text)
