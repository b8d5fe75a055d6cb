"""The motions' workflow hooks: a message to the proposer and co-signers on every step, the proposer-only
feedback (engine, offers and API) and the optional delegation head's first review."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.motions.messages import PortalMessage, inbox, unread
from portal.records.workflow import TransitionRefused, offers, transition
from portal.security.audit import acting_as
from tests.conftest import login
from tests.motions.test_desk import congress, desk, service, user  # noqa: F401  (fixture)
from tests.conftest import own_copy
from tests.security.test_approval import PASSWORD

SESSION = "第五届职代会第三次会议"
#: The ``portal`` command in a fresh interpreter.
PORTAL = [sys.executable, "-c", "from portal.cli import main; main()"]


def collected(app: Any, congress: dict[str, Any], subject: str) -> Any:  # noqa: F811
    """A motion by 周一 co-signed by 吴二 and 郑三, still collecting (王四 not invited)."""
    proposer = congress["周一"]
    mine = desk(app, proposer["user"], proposer["member"])
    with acting_as(proposer["user"]):
        motion = mine.draft({"session": SESSION, "subject": subject, "reasons": "理由", "measures": "办法"})
        for name in ("吴二", "郑三"):
            mine.invite(motion, congress[name]["member"])
        mine.submit(motion)
    db.session.commit()
    for name in ("吴二", "郑三"):
        signer = desk(app, congress[name]["user"], congress[name]["member"])
        with acting_as(congress[name]["user"]):
            row = next(row for row in signer.invitations() if row.motion_id == motion.id)
            signer.answer(row.id, True)
        db.session.commit()
    return db.session.get(type(motion), motion.id)


def texts(member_id: int, motion: Any) -> list[str]:
    """The member's messages about ``motion`` (ids are reused between tests: found by the subject too)."""
    return [message.text for message in db.session.scalars(
        sa.select(PortalMessage).where(PortalMessage.member_id == member_id, PortalMessage.record_id == motion.id,
                                       PortalMessage.text.contains(f"《{motion.subject}》")).order_by(PortalMessage.id))]


def test_each_step_messages_the_proposer_and_the_co_signers(app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    with app.app_context():
        motion = collected(app, congress, "食堂增加夜餐窗口")
        # the invitees were told when the collecting began; the proposer pressed it and is not told
        assert any("邀请您附议" in text and "食堂增加夜餐窗口" in text for text in texts(congress["吴二"]["member"], motion))
        assert texts(congress["周一"]["member"], motion) == []
        proposer = congress["周一"]
        with acting_as(proposer["user"]):
            desk(app, proposer["user"], proposer["member"]).submit(motion)
        db.session.commit()
        committee = service(app, "motions", congress["committee"])
        with acting_as(congress["committee"]):
            transition(committee, motion, "review")
            transition(committee, motion, "decline", "属于个人诉求，转有关部门参考")
        db.session.commit()
        told = texts(proposer["member"], motion)
        assert [text.split("：")[1].split("，")[0] for text in told] == ["开始审查", "不立案"]
        assert "现在是“审查中”" in told[0]
        assert "意见建议" in told[1] and "理由：属于个人诉求，转有关部门参考" in told[1]
        assert told[1].startswith("您提出的提案《食堂增加夜餐窗口》")
        for name in ("吴二", "郑三"):
            signed = texts(congress[name]["member"], motion)
            assert signed[-1].startswith("您附议的提案") and "意见建议" in signed[-1]
        assert texts(congress["王四"]["member"], motion) == []
        # unread first, the newest on top; the count is of the addressee's own messages
        assert unread(db.session, proposer["member"]) >= 2
        assert inbox(db.session, proposer["member"])[0].text == told[1]


def test_only_the_proposer_may_rate_the_reply(app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    with app.app_context():
        motion = collected(app, congress, "更衣室加装空调")
        system = service(app, "motions", None)
        org = app.extensions["portal"].models["org_units"]
        hr = db.session.scalar(sa.select(org).where(org.code == "A-HR"))
        system.save({"status": "已答复", "lead_department": hr, "reply": "已安排", "reply_class": "A"}, motion)
        db.session.commit()
        signer = service(app, "motions", congress["吴二"]["user"])
        assert signer.access().reaches(signer.spec, motion)
        assert not [offer for offer in offers(signer, motion) if offer.transition.name in ("satisfied", "unsatisfied")]
        with acting_as(congress["吴二"]["user"]), pytest.raises(TransitionRefused, match="只有提案人本人") as refused:
            transition(signer, motion, "satisfied")
        assert refused.value.status == 403
        db.session.rollback()
        mine = service(app, "motions", congress["周一"]["user"])
        assert {"satisfied", "mostly_satisfied", "unsatisfied"} <= {offer.transition.name
                                                                    for offer in offers(mine, motion)}
        motion_id = motion.id

    client = app.test_client()
    login(client, congress["吴二"]["user"], PASSWORD)
    answer = client.post(f"/api/v1/motions/{motion_id}/transition/satisfied", json={})
    assert answer.status_code == 403 and "只有提案人本人" in answer.get_json()["message"]
    page = client.get(f"/motions/show/{motion_id}")
    assert page.status_code == 200 and "基本满意" not in page.get_data(as_text=True)
    login(client := app.test_client(), congress["周一"]["user"], PASSWORD)
    assert "基本满意" in client.get(f"/motions/show/{motion_id}").get_data(as_text=True)
    done = client.post(f"/api/v1/motions/{motion_id}/transition/mostly_satisfied", json={})
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        assert db.session.get(system.model, motion_id).satisfaction == "基本满意"


def test_delegation_head_reviews_first_when_switched_on(app: Any, congress: dict[str, Any],  # noqa: F811
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        motion = collected(app, congress, "班组长津贴")
        proposer = congress["周一"]
        mine = service(app, "motions", proposer["user"])
        # off (the default): 提交 is offered, 提交团长初审 is not
        assert "submit_to_head" not in [offer.transition.name for offer in offers(mine, motion)]
        monkeypatch.setenv("PORTAL_SETTING_HEAD_REVIEW", "1")
        assert [offer.transition.name for offer in offers(mine, motion)] == ["submit_to_head", "withdraw"]
        with acting_as(proposer["user"]), pytest.raises(TransitionRefused, match="团长初审"):
            transition(mine, motion, "submit")
        db.session.rollback()
        with acting_as(proposer["user"]):
            desk(app, proposer["user"], proposer["member"]).submit(motion)
        db.session.commit()
        motion = db.session.get(type(motion), motion.id)
        assert motion.status == "团长初审"
        assert any("现在是“代表团团长初审”" in text for text in texts(congress["吴二"]["member"], motion))
        committee = service(app, "motions", congress["committee"])
        with acting_as(congress["committee"]), pytest.raises(TransitionRefused) as early:
            transition(committee, motion, "review")
        assert early.value.status in (403, 409)
        db.session.rollback()
        other = service(app, "motions", user(app, "delegation_head", "B"))
        with pytest.raises(TransitionRefused) as outside:
            transition(other, motion, "head_pass")
        assert outside.value.status == 404
        db.session.rollback()
        head_name = user(app, "delegation_head", "A01")
        head = service(app, "motions", head_name)
        assert [offer.transition.name for offer in offers(head, motion)] == ["head_pass", "head_return"]
        with acting_as(head_name):
            transition(head, motion, "head_pass")
        db.session.commit()
        with acting_as(congress["committee"]):
            transition(committee, db.session.get(type(motion), motion.id), "review")
        db.session.commit()
        assert db.session.get(type(motion), motion.id).status == "审查中"


def test_a_reply_waits_on_the_proposers_todo_list_only(app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    from datetime import date

    from portal.records.todo import todo_groups

    with app.app_context():
        motion = collected(app, congress, "厂区增设自行车棚")
        system = service(app, "motions", None)
        org = app.extensions["portal"].models["org_units"]
        hr = db.session.scalar(sa.select(org).where(org.code == "A-HR"))
        system.save({"status": "已答复", "lead_department": hr, "reply": "已列入计划", "reply_class": "B"}, motion)
        db.session.commit()
        state = app.extensions["portal"]

        def waiting(username: str) -> set[int]:
            mine = service(app, "motions", username)
            groups = todo_groups([mine.spec], state.models, db.session, mine.access(), date.today())
            return {row.record_id for group in groups for row in group.rows}

        # both may read it and hold the delegates' right to rate replies; only the proposer is asked to
        assert motion.id in waiting(congress["周一"]["user"])
        assert motion.id not in waiting(congress["吴二"]["user"])


def test_the_command_line_keeps_the_proposer_only_rating(app: Any, congress: dict[str, Any],  # noqa: F811
                                                         database_url: str, tmp_path: Path) -> None:
    """``portal transition`` runs on the app without pages: the motions' rules are installed there too."""
    with app.app_context():
        motion = collected(app, congress, "车间增设饮水点")
        org = app.extensions["portal"].models["org_units"]
        hr = db.session.scalar(sa.select(org).where(org.code == "A-HR"))
        service(app, "motions", None).save({"status": "已答复", "lead_department": hr, "reply": "已安排",
                                            "reply_class": "A"}, motion)
        db.session.commit()
        key = motion.motion_no
    env = {**os.environ, "PORTAL_DATABASE_URL": own_copy(database_url, tmp_path), "PORTAL_INSTANCE_DIR": str(tmp_path)}
    refused = subprocess.run(PORTAL + ["transition", "motions", key, "satisfied",
                              "--user", congress["吴二"]["user"]], env=env, capture_output=True, text=True,
                             encoding="utf-8", check=False)
    assert refused.returncode == 1 and "只有提案人本人" in refused.stderr, refused.stderr
    done = subprocess.run(PORTAL + ["transition", "motions", key, "satisfied",
                           "--user", congress["周一"]["user"]], env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr
