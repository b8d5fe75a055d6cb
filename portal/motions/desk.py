"""A delegate's own motion steps: draft, invite co-signers, co-sign, give feedback; and the notices.

``Desk`` acts for one account with that account's rights (the register services it is given); the
member the account stands for is found by e-mail, as for voting. The co-signer count on a motion is
kept by the portal (system rights) from the co-sign rows, so the workflow's ``submit`` condition
(``cosigner_count >= config.min_cosigners``) holds on every channel. Nothing here reads a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.domain.china_time import china_datetime
from portal.records.service import RegisterService
from portal.records.workflow import TransitionRefused, settings_of, transition
from portal.security import audit
from portal.texts import gettext

MOTIONS = "motions"
COSIGNERS = "motion_cosigners"
#: The feedback transitions a proposer may press, by the word on the phone page.
FEEDBACK = {"满意": "satisfied", "基本满意": "mostly_satisfied", "不满意": "unsatisfied"}  # i18n: data


class DeskRefused(Exception):
    """A step the delegate cannot take now; the message (in the reader's language) names what to do."""


@dataclass
class Desk:
    """One delegate's motion work: ``motions`` and ``cosigners`` act with the user's rights, ``system``
    (the motions register with system rights) keeps the co-signer count."""

    motions: RegisterService
    cosigners: RegisterService
    system: RegisterService
    member_id: int

    @property
    def session(self) -> Any:
        return self.motions.session

    def member(self, member_id: int | None = None) -> Any:
        return self.session.get(self.motions.models["members"], member_id or self.member_id)

    def motion(self, motion_id: int) -> Any:
        record = self.session.get(self.motions.model, motion_id)
        if record is None or not self.motions.access().reaches(self.motions.spec, record):
            raise DeskRefused(gettext("Motion not found, or it is outside your scope"))
        return record

    # -- proposer ------------------------------------------------------------------------------
    def mine(self) -> list[Any]:
        """The motions this delegate made, newest first."""
        model = self.motions.model
        return list(self.session.scalars(sa.select(model).where(model.proposer_id == self.member_id)
                                         .order_by(model.id.desc())))

    def draft(self, values: dict[str, Any]) -> Any:
        """A new motion by this delegate (state 草稿); ``values``: session, subject, category, reasons, measures."""
        values = {**values, "motion_no": next_number(self.system), "proposer": self.member()}
        return self.motions.save(values)

    def invite(self, motion: Any, member_id: int) -> Any:
        """Invite a delegate to co-sign ``motion`` (the proposer's own motion, while collecting)."""
        self._own(motion)
        if motion.status not in ("草稿", "征集中"):  # i18n: data
            raise DeskRefused(gettext("The motion is now “%(status)s”; co-signers can no longer be invited",
                                      status=motion.status))
        if member_id == self.member_id:
            raise DeskRefused(gettext("The proposer cannot co-sign their own motion"))
        model = self.cosigners.model
        if self.session.scalar(sa.select(model.id).where(model.motion_id == motion.id,
                                                         model.member_id == member_id)) is not None:
            raise DeskRefused(gettext("This delegate has already been invited"))
        invitee = self.member(member_id)
        if invitee is None:
            raise DeskRefused(gettext("Delegate not found"))
        return self.cosigners.save({"cosign_no": f"{motion.motion_no}-{member_id}", "motion": motion,
                                    "member": invitee})

    def submit(self, motion: Any) -> Any:
        """Start collecting co-signers (草稿), or submit once enough have co-signed (征集中)."""
        self._own(motion)
        from portal.motions.hooks import HEAD_SUBMIT, head_review

        name = {"草稿": "collect", "征集中": "submit"}.get(motion.status)  # i18n: data
        if name is None:
            raise DeskRefused(gettext("The motion is now “%(status)s” and cannot be submitted", status=motion.status))
        wanted = int(settings_of(self.motions.spec.workflow).get("min_cosigners", 0))  # type: ignore[arg-type]
        if name == "submit" and head_review(self.motions.spec):
            name = HEAD_SUBMIT
        if name != "collect" and (motion.cosigner_count or 0) < wanted:
            raise DeskRefused(gettext("At least %(wanted)s delegates must co-sign before submitting; %(count)s have "
                                      "co-signed so far. Invite more delegates, or wait for the invited ones to "
                                      "confirm", wanted=wanted, count=motion.cosigner_count or 0))
        return self._press(motion, name)

    def feedback(self, motion: Any, opinion: str, notes: str = "") -> Any:
        """The proposer's opinion on the written reply; 不满意 sends the motion back to the department."""
        self._own(motion)
        name = FEEDBACK.get(opinion)
        if name is None:
            raise DeskRefused(gettext("Choose satisfied, mostly satisfied or unsatisfied"))
        if name == "unsatisfied" and not notes.strip():
            raise DeskRefused(gettext("When choosing “unsatisfied”, give the reason; the department will handle the "
                                      "motion again accordingly"))
        return self._press(motion, name, reason=notes if name == "unsatisfied" else None,
                           values={"feedback": notes.strip() or None})

    def signers(self, motions: list[Any]) -> dict[int, list[tuple[str, str]]]:
        """Who was invited to co-sign each of ``motions`` and how they answered: motion id -> [(name, status)]."""
        model, members = self.cosigners.model, self.motions.models["members"]
        rows = self.session.execute(sa.select(model.motion_id, members.name, model.status)
                                    .join(members, members.id == model.member_id)
                                    .where(model.motion_id.in_([motion.id for motion in motions])).order_by(model.id))
        found: dict[int, list[tuple[str, str]]] = {}
        for motion_id, name, status in rows:
            found.setdefault(motion_id, []).append((str(name), str(status)))
        return found

    def decline_reasons(self, motions: list[Any]) -> dict[int, str]:
        """Why each of ``motions`` that became an 意见建议 was not admitted (the 不立案 step's reason)."""
        declined = [motion.id for motion in motions if motion.kind == "意见建议"]
        if not declined:
            return {}
        entry = audit.AuditEntry
        rows = self.session.execute(sa.select(entry.record_id, entry.detail).where(
            entry.register == MOTIONS, entry.action == "transition", entry.record_id.in_(declined),
            entry.detail.like("流转 decline「%")).order_by(entry.id))  # i18n: data
        return {record_id: (detail or "").split("；理由：", 1)[-1] if "；理由：" in (detail or "") else ""  # i18n: data
                for record_id, detail in rows}

    # -- co-signer -----------------------------------------------------------------------------
    def invitations(self) -> list[Any]:
        """Co-sign rows naming this delegate, newest first."""
        model = self.cosigners.model
        return list(self.session.scalars(sa.select(model).where(model.member_id == self.member_id)
                                         .order_by(model.id.desc())))

    def answer(self, cosign_id: int, agree: bool) -> Any:
        """Co-sign (or decline) a motion this delegate was invited to, while it collects co-signers."""
        row = self.session.get(self.cosigners.model, cosign_id)
        if row is None or row.member_id != self.member_id:
            raise DeskRefused(gettext("Co-sign invitation not found"))
        motion = self.session.get(self.motions.model, row.motion_id)
        if motion.status != "征集中":
            raise DeskRefused(gettext("The motion is now “%(status)s” and can no longer be co-signed",
                                      status=motion.status))
        from portal.records.workflow import today

        self.cosigners.save({"status": "已附议" if agree else "已谢绝", "answered_on": today()}, row)  # i18n: data
        recount(self.system, motion)
        return row

    # -- helpers -------------------------------------------------------------------------------
    def _own(self, motion: Any) -> None:
        if motion.proposer_id != self.member_id:
            raise DeskRefused(gettext("Only the proposer can take this step"))

    def _press(self, motion: Any, name: str, reason: str | None = None,
               values: dict[str, Any] | None = None) -> Any:
        try:
            return transition(self.motions, motion, name, reason, {k: v for k, v in (values or {}).items()
                                                                  if v is not None})
        except TransitionRefused as refused:
            raise DeskRefused(refused.message) from None


def next_number(system: RegisterService) -> str:
    """The next motion number of this year: ``2026-007``."""
    from portal.records.workflow import today

    prefix = f"{today().year}-"
    model = system.model
    taken = system.session.scalars(sa.select(model.motion_no).where(model.motion_no.like(f"{prefix}%"))).all()
    numbers = [int(text[len(prefix):]) for text in taken if text[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def recount(system: RegisterService, motion: Any) -> int:
    """Store how many delegates have co-signed ``motion`` (system rights: the count is locked)."""
    cosign = system.models[COSIGNERS]
    count = system.session.scalar(sa.select(sa.func.count()).select_from(cosign).where(
        cosign.motion_id == motion.id, cosign.status == "已附议")) or 0
    if motion.cosigner_count != count:
        system.save({"cosigner_count": count}, motion)
    return int(count)


@dataclass(frozen=True)
class Notice:
    """One step of a motion the delegate made or co-signed (from the audit trail; ``at`` in China time)."""

    at: Any
    motion_no: str
    subject: str
    text: str


def notices(session: Any, models: Any, member_id: int, limit: int = 30) -> list[Notice]:
    """The latest steps of the motions ``member_id`` proposed or co-signed, newest first."""
    motions, cosign = models[MOTIONS], models[COSIGNERS]
    signed = sa.select(cosign.motion_id).where(cosign.member_id == member_id, cosign.status == "已附议")
    ids = sa.select(motions.id).where(sa.or_(motions.proposer_id == member_id, motions.id.in_(signed)))
    entry = audit.AuditEntry
    rows = session.execute(
        sa.select(entry.at, entry.detail, motions.motion_no, motions.subject)
        .join(motions, motions.id == entry.record_id)
        .where(entry.register == MOTIONS, entry.action == "transition", entry.record_id.in_(ids))
        .order_by(entry.id.desc()).limit(limit)).all()
    return [Notice(china_datetime(at) if at else None, number, subject, _plain(detail))
            for at, detail, number, subject in rows]


def _plain(detail: str | None) -> str:
    """``流转 admit「立案」：审查中 → 立案；理由：…`` → ``立案：审查中 → 立案；理由：…``."""
    text = detail or ""
    # the audit detail is stored in Chinese
    if "「" in text and "」：" in text:
        label = text.split("「", 1)[1].split("」", 1)[0]  # i18n: data
        return f"{label}：{text.split('」：', 1)[1]}"  # i18n: data
    return text
