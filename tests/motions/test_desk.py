"""Motions from draft to closure: co-signers, review, assignment, replies, feedback, department scope, notices.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1; here also A-HR, A-FIN (职能部门) under A.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from portal.domain.idcard import make_id_card
from portal.extensions import db
from portal.motions.desk import Desk, DeskRefused, notices
from portal.records.service import RegisterService
from portal.records.workflow import TransitionRefused, offers, transition
from portal.security.audit import acting_as
from portal.security.current import access_for_username
from tests.security.test_approval import PASSWORD

DELEGATES = ["周一", "吴二", "郑三", "王四"]


def user(app: Any, role: str, org: str = "A", email: str | None = None) -> str:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org, email=email)
    return name


def service(app: Any, slug: str, username: str | None) -> RegisterService:
    state = app.extensions["portal"]
    if username is None:
        return RegisterService(state.registry.get(slug), state.registry, state.models, lambda: db.session,
                               lambda: "zh")
    access = access_for_username(username)
    return RegisterService(state.registry.get(slug), state.registry, state.models, lambda: db.session,
                           lambda: "zh", lambda: access)


def desk(app: Any, username: str, member_id: int) -> Desk:
    return Desk(service(app, "motions", username), service(app, "motion_cosigners", username),
                service(app, "motions", None), member_id)


@pytest.fixture()
def congress(app: Any, admin_client: Any, org_tree: dict[str, int]) -> Iterator[dict[str, Any]]:
    """Four delegates (members of A01-1 with accounts), two departments with an account each, a committee."""
    for code, name in (("A-HR", "人力资源部"), ("A-FIN", "财务部")):
        made = admin_client.post("/api/v1/org_units/", json={"code": code, "name": name, "unit_type": "职能部门",
                                                              "parent": "A"})
        assert made.status_code == 201, made.get_json()
    people: dict[str, Any] = {}
    for number, name in enumerate(DELEGATES, start=1):
        email = f"d{number}-{uuid.uuid4().hex[:4]}@example.cn"
        made = admin_client.post("/api/v1/members/", json={
            "name": name, "id_card": make_id_card("110105", date(1980, 1, number), number),
            "org_unit": "A01-1", "email": email})
        assert made.status_code == 201, made.get_json()
        people[name] = {"member": made.get_json()["id"], "user": user(app, "delegate", "A01-1", email)}
    people["committee"] = user(app, "motions_committee", "A")
    people["hr"] = user(app, "motion_department", "A-HR")
    people["fin"] = user(app, "motion_department", "A-FIN")
    yield people


def _as(name: str) -> Any:
    return acting_as(name)


def test_motion_runs_from_draft_to_closure(app: Any, congress: dict[str, Any]) -> None:
    proposer = congress["周一"]
    with app.app_context():
        mine = desk(app, proposer["user"], proposer["member"])
        with _as(proposer["user"]):
            motion = mine.draft({"session": "第五届职代会第二次会议", "subject": "改善倒班职工食堂夜餐",
                                 "category": "生活后勤", "reasons": "夜班职工反映夜餐品种少", "measures": "增加夜餐窗口"})
            assert motion.status == "草稿" and motion.motion_no.endswith("-001")
            mine.submit(motion)
            for name in ("吴二", "郑三"):
                mine.invite(motion, congress[name]["member"])
        db.session.commit()
        assert db.session.get(type(motion), motion.id).status == "征集中"

        # one co-signer is not enough: the workflow's condition refuses, naming the setting
        second = desk(app, congress["吴二"]["user"], congress["吴二"]["member"])
        with _as(congress["吴二"]["user"]):
            second.answer(second.invitations()[0].id, True)
        db.session.commit()
        with _as(proposer["user"]), pytest.raises(DeskRefused, match="至少需要 2 位代表附议，目前已附议 1 位"):
            mine.submit(db.session.get(type(motion), motion.id))
        db.session.rollback()
        third = desk(app, congress["郑三"]["user"], congress["郑三"]["member"])
        with _as(congress["郑三"]["user"]):
            third.answer(third.invitations()[0].id, True)
        db.session.commit()
        motion = db.session.get(type(motion), motion.id)
        assert motion.cosigner_count == 2
        with _as(proposer["user"]):
            mine.submit(motion)
        db.session.commit()

        committee = service(app, "motions", congress["committee"])
        with _as(congress["committee"]):
            transition(committee, motion, "review")
            transition(committee, motion, "admit", None, {"review_opinion": "符合立案条件"})
            # the lead department and deadline are asked beside the button: it is not greyed out for lacking them
            assert [(offer.transition.name, offer.blocked) for offer in offers(committee, motion)] == [("assign", None)]
            with pytest.raises(TransitionRefused, match="主办单位"):
                transition(committee, motion, "assign", None, {"due_on": "2027-03-31"})
            transition(committee, motion, "assign", None, {"lead_department": "A-HR", "co_department": "A-FIN",
                                                          "due_on": "2027-03-31"})
        db.session.commit()

        hr = service(app, "motions", congress["hr"])
        with _as(congress["hr"]):
            transition(hr, motion, "accept")
            transition(hr, motion, "answer", None, {"reply": "已增加一个夜餐窗口", "reply_class": "B"})
        db.session.commit()
        motion = db.session.get(type(motion), motion.id)
        assert (motion.status, motion.reply_class) == ("已答复", "B类（正在解决）")

        with _as(proposer["user"]):
            with pytest.raises(DeskRefused, match="理由"):
                mine.feedback(motion, "不满意")
            mine.feedback(motion, "不满意", "品种仍然很少")
        db.session.commit()
        motion = db.session.get(type(motion), motion.id)
        assert (motion.status, motion.satisfaction) == ("办理中", "不满意")
        with _as(congress["hr"]):
            transition(hr, motion, "answer", None, {"reply": "夜餐增至六个品种", "reply_class": "A"})
        db.session.commit()
        with _as(proposer["user"]):
            mine.feedback(db.session.get(type(motion), motion.id), "满意")
        db.session.commit()
        motion = db.session.get(type(motion), motion.id)
        assert (motion.status, motion.satisfaction, motion.reply) == ("办结", "满意", "夜餐增至六个品种")
        assert motion.closed_on is not None

        # the co-signer is told of each step, newest first
        told = [notice.text for notice in notices(db.session, app.extensions["portal"].models,
                                                  congress["郑三"]["member"])]
        assert told[0].startswith("满意") and any(text.startswith("不满意") and "品种仍然很少" in text for text in told)
        assert any(text.startswith("立案") for text in told)


def test_a_department_sees_only_the_motions_assigned_to_it(app: Any, congress: dict[str, Any]) -> None:
    system = service(app, "motions", None)
    with app.app_context():
        member = db.session.get(system.models["members"], congress["周一"]["member"])
        org = app.extensions["portal"].models["org_units"]
        hr = db.session.scalar(sa.select(org).where(org.code == "A-HR"))
        system.save({"motion_no": "2026-101", "session": "五届二次", "subject": "甲", "reasons": "理由",
                     "measures": "办法", "proposer": member, "status": "办理中", "lead_department": hr})
        system.save({"motion_no": "2026-102", "session": "五届二次", "subject": "乙", "reasons": "理由",
                     "measures": "办法", "proposer": member, "status": "审查中"})
        db.session.commit()
        for name, expected in (("hr", ["2026-101"]), ("fin", []), ("committee", ["2026-101", "2026-102"])):
            seen = service(app, "motions", congress[name])
            numbers = sorted(row.motion_no for row in db.session.scalars(seen.query()))
            assert numbers == expected, name
        # another department cannot answer a motion it cannot see
        motion = db.session.scalar(sa.select(system.model).where(system.model.motion_no == "2026-101"))
        with pytest.raises(TransitionRefused) as refused:
            transition(service(app, "motions", congress["fin"]), motion, "answer", None,
                       {"reply": "x", "reply_class": "A"})
        assert refused.value.status == 404
        assert [offer.transition.name for offer in offers(service(app, "motions", congress["hr"]), motion)] == \
            ["answer"]


def test_decline_needs_a_reason_and_turns_the_motion_into_a_suggestion(app: Any, congress: dict[str, Any]) -> None:
    system = service(app, "motions", None)
    with app.app_context():
        member = db.session.get(system.models["members"], congress["周一"]["member"])
        motion = system.save({"motion_no": "2026-201", "session": "五届二次", "subject": "丙", "reasons": "理由",
                              "measures": "办法", "proposer": member, "status": "审查中"})
        db.session.commit()
        committee = service(app, "motions", congress["committee"])
        with _as(congress["committee"]):
            with pytest.raises(TransitionRefused, match="理由"):
                transition(committee, motion, "decline")
            transition(committee, motion, "decline", "属于个人诉求，转有关部门参考")
        db.session.commit()
        motion = db.session.get(system.model, motion.id)
        assert (motion.status, motion.kind) == ("不立案", "意见建议")


def test_only_the_proposer_rates_the_reply_and_only_the_invitee_co_signs(app: Any,
                                                                         congress: dict[str, Any]) -> None:
    proposer, other = congress["周一"], congress["王四"]
    with app.app_context():
        mine = desk(app, proposer["user"], proposer["member"])
        with _as(proposer["user"]):
            motion = mine.draft({"session": "五届二次", "subject": "丁", "reasons": "理由", "measures": "办法"})
            mine.submit(motion)
            invited = mine.invite(motion, congress["吴二"]["member"])
            with pytest.raises(DeskRefused, match="已经邀请"):
                mine.invite(motion, congress["吴二"]["member"])
            with pytest.raises(DeskRefused, match="自己"):
                mine.invite(motion, proposer["member"])
        db.session.commit()
        stranger = desk(app, other["user"], other["member"])
        with pytest.raises(DeskRefused, match="附议邀请"):
            stranger.answer(invited.id, True)
        with pytest.raises(DeskRefused, match="提案人本人"):
            stranger.feedback(motion, "满意")
