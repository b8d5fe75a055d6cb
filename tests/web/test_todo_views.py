"""The 待办 page and the home page's box: what waits for the signed-in user, in scope, overdue marked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.records.workflow import today
from tests.records.test_assistance_workflow import case_id, press  # noqa: F401  (fixture)
from tests.records.test_org_checks import user_client


def test_the_todo_page_lists_what_each_role_may_press_now(app: Any, case_id: int,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    officer, chair, outsider = (user_client(app, "assistance_officer", "A"), user_client(app, "chair", "A"),
                                user_client(app, "assistance_officer", "B"))
    page = officer.get("/todo/").get_data(as_text=True)
    assert "KN-2026-001" in page and "受理" in page and "撤档" in page
    assert "KN-2026-001" not in outsider.get("/todo/").get_data(as_text=True)  # another branch's case
    assert "KN-2026-001" not in chair.get("/todo/").get_data(as_text=True)  # nothing the chair may press yet
    home = officer.get("/").get_data(as_text=True)
    assert "portal-todo-box" in home and "困难职工档案：1 条" in home
    for name, body in (("accept", {}), ("first_check", {}),
                       ("visit", {"fields": {"visit_on": "2026-11-20", "visit_findings": "属实"}})):
        assert press(officer, case_id, name, **body).status_code == 200
    monkeypatch.setenv("PORTAL_SETTING_NOTICE_DAYS", "0")
    assert press(officer, case_id, "start_notice").status_code == 200
    monkeypatch.setattr("portal.web.todo_views.today", lambda: today() + timedelta(days=1))  # the notice is over
    page = chair.get("/todo/").get_data(as_text=True)
    assert "KN-2026-001" in page and "审批建档" in page and "已过期" in page
    assert "1 条已过期" in chair.get("/").get_data(as_text=True)
    assert app.test_client().get("/todo/").status_code == 302
