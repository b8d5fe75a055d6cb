"""Workflows in a real browser: a hardship case from application to grant by four roles, and a member
transferred from one branch to another and accepted there.

Screenshots: ``test-artifacts/browser/<database>-workflow-<step>.png``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, admin_client, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Flow-browser-2026"


def _account(server: LiveServer, role: str, org: str) -> str:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with server.app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    return name


def _as(browser: Any, network: NetworkLog, server: LiveServer, role: str, org: str) -> Any:
    page = watch(new_context(browser, network).new_page(), network)
    log_in(page, server, _account(server, role, org), PASSWORD)
    return page


def _press(page: Any, name: str, fill: dict[str, str] | None = None, reason: str = "") -> None:
    form = page.locator(f"form.portal-transition[data-transition={name}]")
    expect(form).to_be_visible()
    for field, value in (fill or {}).items():
        form.locator(f"[name={field}]").fill(value)
    if reason:
        form.locator("[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已执行")


def test_a_hardship_case_from_application_to_grant(live_server: LiveServer, browser: Any, network: NetworkLog,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server = live_server
    monkeypatch.setenv("PORTAL_SETTING_NOTICE_DAYS", "0")  # the notice ends the day it starts
    case_no = f"KN-{uuid.uuid4().hex[:12]}"
    # 1. the application, registered by the administrator (the union office's intake)
    created = admin_client(server.app).post("/api/v1/assistance_cases/", json={
        "case_no": case_no, "member": "11010519491231002X", "org_unit": "A", "hardship_category": "深度困难",
        "household_size": 3, "household_annual_income": 24000, "rigid_expenses": 6000})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    # 2. the assistance officer: accept, first check, home visit with findings, public notice
    officer = _as(browser, network, server, "assistance_officer", "A")
    officer.goto(f"{server.url}/assistance_cases/show/{case_id}")
    _press(officer, "accept")
    _press(officer, "first_check")
    _press(officer, "visit", {"visit_on": "2026-11-20", "visit_findings": "入户核实，与申请一致"})
    chair = _as(browser, network, server, "chair", "A")  # a chair when the notice starts: on the approver list
    _press(officer, "start_notice")
    officer.screenshot(path=server.screenshot_path("workflow-01-officer-notice"), full_page=True)
    officer.goto(f"{server.url}/public/assistance_cases")
    table = officer.locator("#portal-public-notice")
    expect(table).to_contain_text(case_no)
    expect(table).to_contain_text("张*（110105********002X）")
    officer.screenshot(path=server.screenshot_path("workflow-02-public-notice"), full_page=True)
    # 3. the chair finds it on the to-do page and files it
    chair.goto(f"{server.url}/todo/")
    with chair.expect_navigation():
        chair.locator("a", has_text=case_no).click()
    expect(chair.locator("#portal-approval-approve")).to_contain_text("审批：已同意 0/1")
    _press(chair, "approve")
    expect(chair.locator("body")).to_contain_text("已建档")
    chair.screenshot(path=server.screenshot_path("workflow-03-chair-filed"), full_page=True)
    # 4. finance pays a grant; a second one over the yearly cap is refused with the cap and the amount used
    finance = _as(browser, network, server, "finance", "A")
    for grant_no, amount in (("1", "800"), ("2", "500")):
        finance.goto(f"{server.url}/assistance_grants/add")
        finance.fill("#grant_no", f"{case_no}-{grant_no}")
        container = finance.locator("#assistance_case + .select2-container")
        container.locator(".select2-selection").click()
        finance.keyboard.type(case_no)
        option = finance.locator(".select2-results__option", has_text=case_no)
        expect(option).to_have_count(1)
        option.click()
        finance.select_option("#relief_type", "换季救助")
        finance.fill("#amount", amount)
        finance.fill("#granted_on", "2026-11-28")
        with finance.expect_navigation():
            finance.locator("#model_form [type=submit]").first.click()
    expect(finance.locator("body")).to_contain_text("换季救助每年上限 1,000.00 元")
    expect(finance.locator("body")).to_contain_text("已发放 800.00 元")
    finance.screenshot(path=server.screenshot_path("workflow-04-finance-cap"), full_page=True)
    assert network.page_errors == [] and network.blocked == []


def test_a_member_is_transferred_and_accepted(live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    server = live_server
    created = admin_client(server.app).post("/api/v1/members/", json={
        "name": "赵转会", "id_card": "440524188001010014", "org_unit": "A01"})
    assert created.status_code == 201, created.get_json()
    member_id = created.get_json()["id"]
    sender = _as(browser, network, server, "clerk", "A")
    sender.goto(f"{server.url}/members/show/{member_id}")
    _press(sender, "transfer_out", {"transfer_to": "B"})
    expect(sender.locator("body")).to_contain_text("转出中")
    sender.screenshot(path=server.screenshot_path("workflow-05-transfer-out"), full_page=True)
    receiver = _as(browser, network, server, "clerk", "B")
    receiver.goto(f"{server.url}/todo/")
    expect(receiver.locator(".portal-todo")).to_contain_text("赵转会")
    expect(receiver.locator(".portal-todo")).to_contain_text("接收转入、退回转出")
    expect(receiver.locator(".portal-todo")).not_to_contain_text("撤回转出")
    receiver.screenshot(path=server.screenshot_path("workflow-06-receiver-todo"), full_page=True)
    with receiver.expect_navigation():
        receiver.locator("a", has_text="赵转会").click()
    expect(receiver.locator("form.portal-transition[data-transition=cancel_transfer]")).to_have_count(0)
    _press(receiver, "accept_transfer")
    expect(receiver.locator("body")).to_contain_text("在籍")
    receiver.screenshot(path=server.screenshot_path("workflow-07-accepted"), full_page=True)
    sender.goto(f"{server.url}/members/show/{member_id}")
    expect(sender.locator("body")).to_contain_text("找不到")
    assert network.page_errors == [] and network.blocked == []
