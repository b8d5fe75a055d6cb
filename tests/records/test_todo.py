"""The 待办 list (portal/records/todo.py): records waiting for someone, not records resting in a state that
transitions merely leave (``todo: false``); a state with ``todo: overdue`` waits once its deadline has passed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.records.workflow import today
from tests.records.test_assistance_workflow import case_id  # noqa: F401  (fixture)


def test_an_active_member_is_no_todo_and_an_applicant_is(admin_client: Any, org_tree: dict[str, int]) -> None:
    for name, id_card, status in (("王在籍", "11010519491231002X", "在籍"), ("李申请", "440524188001010014", "申请中")):
        created = admin_client.post("/api/v1/members/", json={"name": name, "id_card": id_card, "org_unit": "A01-1",
                                                               "status": status})
        assert created.status_code == 201, created.get_json()
    page = admin_client.get("/todo/").get_data(as_text=True)
    assert "李申请" in page and "批准入会" in page
    assert "王在籍" not in page  # 转出, 退会 … leave 在籍, but an active member waits for nobody


def test_a_filed_case_waits_only_once_its_recheck_is_due(app: Any, admin_client: Any,
                                                         case_id: int) -> None:  # noqa: F811
    assert "KN-2026-001" in admin_client.get("/todo/").get_data(as_text=True)  # 申请中: to be accepted

    def filed(review_due: Any) -> str:
        with app.app_context():
            cases = app.extensions["portal"].models["assistance_cases"]
            db.session.execute(sa.update(cases).where(cases.id == case_id).values(status="已建档",
                                                                                  review_due=review_due))
            db.session.commit()
        return admin_client.get("/todo/").get_data(as_text=True)

    assert "KN-2026-001" not in filed(today() + timedelta(days=30))
    assert "KN-2026-001" not in filed(None)
    overdue = filed(today() - timedelta(days=1))
    assert "KN-2026-001" in overdue and "已过期" in overdue
