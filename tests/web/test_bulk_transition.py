"""A transition pressed on ticked rows of a list: confirmed first, then a result per row; each moved
record gets its own audit entry. Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.security.audit import AuditEntry
from tests.conftest import move_member
from tests.records.test_org_checks import user_client
from tests.web.test_bulk_views import _member, _seed, _text


def test_ticked_members_leave_with_one_transition_and_a_result_per_row(app: Any, admin_client: Any,
                                                                      org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    move_member(admin_client, ids["张二"], "保留会籍")
    move_member(admin_client, ids["张三"], "退会")
    clerk = user_client(app, "clerk", "A")
    listing = clerk.get("/members/list/").get_data(as_text=True)
    assert 'id="portal-bulk-transition"' in listing and "退会（在籍、保留会籍 → 退会）" in listing
    chosen = {"rowid": [str(ids[name]) for name in ("张一", "张二", "张三", "李四")], "transition": "leave"}
    confirm = clerk.post("/members/bulk/transition", data=chosen).get_data(as_text=True)
    assert "将对3条会员记录执行流转：“退会”（→退会）" in _text(confirm, "portal-bulk-confirm")  # 李四 is in B
    bare = clerk.post("/members/bulk/transition", data={**chosen, "confirm": "1"}).get_data(as_text=True)
    assert "完成0条，未处理3条" in _text(bare, "portal-bulk-done") and "“退会”必须填写理由" in bare
    done = clerk.post("/members/bulk/transition",
                      data={**chosen, "confirm": "1", "reason": "单位整体划转"}).get_data(as_text=True)
    assert "完成2条，未处理1条" in _text(done, "portal-bulk-done")
    assert "当前是“退会”，不能执行“退会”" in done
    assert _member(admin_client, ids["张一"])["status"] == "退会"
    assert _member(admin_client, ids["张二"])["status"] == "退会"
    assert _member(admin_client, ids["李四"])["status"] == "在籍"
    with app.app_context():
        reasons = db.session.scalars(sa.select(AuditEntry.detail).where(
            AuditEntry.register == "members", AuditEntry.action == "transition",
            AuditEntry.record_id.in_([ids["张一"], ids["张二"]]), AuditEntry.detail.like("%单位整体划转%"))).all()
    assert len(reasons) == 2


def test_a_transition_the_user_may_not_press_is_refused(app: Any, admin_client: Any,
                                                        org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    clerk = user_client(app, "clerk", "A")
    response = clerk.post("/members/bulk/transition", data={"rowid": [str(ids["张一"])], "transition": "expel",
                                                            "confirm": "1", "reason": "x"})
    assert response.status_code == 302
    assert _member(admin_client, ids["张一"])["status"] == "在籍"
    assert "请选择一个您可以执行的流转" in clerk.get(response.headers["Location"]).get_data(as_text=True)
