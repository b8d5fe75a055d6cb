"""A motion in a real browser: a delegate drafts it on a phone (360×740) and invites two co-signers, who co-sign
on their phones; the delegate submits; the motions committee reviews, admits and assigns it on the record page;
the department answers; the delegate is not satisfied, the department answers again, the delegate is satisfied.
Screenshots: ``test-artifacts/browser/<database>-motions-<step>.png``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Motions-pass-2026"
DESK = {"width": 1366, "height": 900}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SUBJECT = "增设倒班职工夜间班车"


def prepare_motions(app: Any) -> list[str]:
    """Three delegates with accounts (seated in a congress), a department CG-HR with its account, the committee."""
    from portal.congress import models, service
    from portal.demo import Writer
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name="第一机械厂第五届职工代表大会", term_no=5, term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db.session.add(congress)
        db.session.commit()
        writer = Writer()
        members = writer.models["members"]
        names = []
        for index, member_id in enumerate(add_members(3)):
            db.session.execute(sa.update(members).where(members.id == member_id)
                               .values(email=f"mover{index}@factory.example"))
            db.session.commit()
            service.add_delegate(db.session, congress.id, member_id, "秘书处", delegation="第一代表团")
            create_user(f"mv_delegate{index}", PASSWORD, "delegate", org_code="CG",
                        email=f"mover{index}@factory.example")
            names.append(str(db.session.scalar(sa.select(members.name).where(members.id == member_id))))
        units = writer.models["org_units"]
        parent = db.session.scalar(sa.select(units.id).where(units.code == "CG"))
        writer.insert("org_units", [{"code": "CG-HR", "name": "人力资源部", "unit_type": "职能部门", "parent_id": parent}])
        db.session.commit()
        create_user("mv_committee", PASSWORD, "motions_committee", org_code="CG")
        create_user("mv_hr", PASSWORD, "motion_department", org_code="CG-HR")
        return names


def _phone(browser: Any, network: NetworkLog, server: LiveServer, username: str) -> Any:
    page = watch(new_context(browser, network, **PHONE).new_page(), network)
    log_in(page, server, username, PASSWORD)
    page.goto(f"{server.url}/motions/mine")
    return page


def _desk(browser: Any, network: NetworkLog, server: LiveServer, username: str) -> Any:
    page = watch(new_context(browser, network, viewport=DESK).new_page(), network)
    log_in(page, server, username, PASSWORD)
    return page


def _press(page: Any, name: str, **fields: str) -> None:
    form = page.locator(f'form[data-transition="{name}"]')
    for field, value in fields.items():
        form.locator(f'[name="{field}"]').fill(value)
    form.locator("button[type=submit]").click()


def test_motion_from_phone_to_satisfied_feedback(live_server: LiveServer, browser: Any,
                                                 network: NetworkLog) -> None:
    server = live_server
    names = prepare_motions(server.app)
    shot = server.screenshot_path

    me = _phone(browser, network, server, "mv_delegate0")
    me.fill("#m-session", "第五届职代会第二次会议")
    me.fill("#m-subject", SUBJECT)
    me.select_option("#m-category", "生活后勤")
    me.fill("#m-reasons", "夜班下班时公交已停运，职工回家困难。")
    me.fill("#m-measures", "开通零点班车两条线路。")
    me.get_by_role("button", name="保存草稿").click()
    card = me.locator(".motion-card", has_text=SUBJECT)
    expect(card).to_contain_text("状态：草稿")
    for name in names[1:]:
        card.locator("select[name=member]").select_option(label=name)
        card.get_by_role("button", name="邀请").click()
        expect(me.locator(".phone-flash")).to_contain_text("已邀请附议")
    card.get_by_role("button", name="发起征集附议").click()
    expect(card).to_contain_text("状态：征集中")
    card.get_by_role("button", name="提交提案").click()
    expect(me.locator(".phone-error")).to_contain_text("至少需要 2 位代表附议，目前已附议 0 位")
    me.screenshot(path=str(shot("motions-01-phone-collecting")), full_page=True)
    assert me.evaluate("document.documentElement.scrollWidth") <= 360

    for index in (1, 2):
        signer = _phone(browser, network, server, f"mv_delegate{index}")
        invite = signer.locator(".motion-card", has_text=SUBJECT)
        expect(invite).to_contain_text(names[0])
        if index == 1:
            signer.screenshot(path=str(shot("motions-02-phone-invited")), full_page=True)
        invite.get_by_role("button", name="附议").click()
        expect(signer.locator(".phone-flash")).to_contain_text("已附议")
        signer.context.close()

    me.goto(f"{server.url}/motions/mine")
    card.get_by_role("button", name="提交提案").click()
    expect(card).to_contain_text("状态：已提交")
    expect(card).to_contain_text("附议 2 人")
    expect(card.locator(".motion-signers")).to_contain_text(f"{names[1]}（已附议）")

    with server.app.app_context():
        from portal.extensions import db

        model = server.app.extensions["portal"].models["motions"]
        motion_id = db.session.scalar(sa.select(model.id).where(model.subject == SUBJECT))
    committee = _desk(browser, network, server, "mv_committee")
    committee.goto(f"{server.url}/motions/show/{motion_id}")
    _press(committee, "review")
    _press(committee, "admit", review_opinion="符合立案条件，一事一案")
    _press(committee, "assign", lead_department="CG-HR", due_on="2027-03-31")
    expect(committee.locator(".portal-transition-list, body")).to_contain_text("已交办")
    committee.screenshot(path=str(shot("motions-03-committee-assigned")), full_page=True)

    department = _desk(browser, network, server, "mv_hr")
    department.goto(f"{server.url}/motions/list/")
    expect(department.locator("body")).to_contain_text(SUBJECT)
    department.goto(f"{server.url}/motions/show/{motion_id}")
    _press(department, "accept")
    _press(department, "answer", reply="已与公交公司协商，拟开通一条夜间线路。", reply_class="B")
    expect(department.locator("body")).to_contain_text("已答复")

    me.goto(f"{server.url}/motions/mine")
    expect(card).to_contain_text("拟开通一条夜间线路")
    card.locator('input[value="不满意"]').check()
    card.locator("textarea[name=notes]").fill("只开一条线路，东区职工仍无车可坐。")
    card.get_by_role("button", name="提交意见").click()
    expect(card).to_contain_text("状态：办理中")
    me.screenshot(path=str(shot("motions-04-phone-not-satisfied")), full_page=True)

    department.goto(f"{server.url}/motions/show/{motion_id}")
    _press(department, "answer", reply="已开通东、西两条零点班车线路。", reply_class="A")
    department.screenshot(path=str(shot("motions-05-department-answered")), full_page=True)

    me.goto(f"{server.url}/motions/mine")
    expect(card).to_contain_text("已开通东、西两条零点班车线路")
    card.locator('input[value="满意"]').check()
    card.get_by_role("button", name="提交意见").click()
    expect(card).to_contain_text("状态：办结")
    expect(card).to_contain_text("我的意见：满意")
    expect(me.locator(".motion-notices")).to_contain_text("不满意")
    me.screenshot(path=str(shot("motions-06-phone-closed")), full_page=True)
    assert me.evaluate("document.documentElement.scrollWidth") <= 360

    committee.goto(f"{server.url}/motions/report")
    expect(committee.locator("h1")).to_contain_text("第五届职代会第二次会议")
    expect(committee.locator(".motion-counts")).to_contain_text("满意 1 件")
    committee.screenshot(path=str(shot("motions-07-report")), full_page=True)

    # the refused early submission is the only answer above 400
    assert network.blocked == [] and network.page_errors == [] and len(network.console_errors) <= 1
