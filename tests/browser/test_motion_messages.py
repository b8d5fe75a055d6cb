"""Motion messages in a real browser: a delegate checks a subject for duplicates on a phone (360 px), drafts it,
two co-signers co-sign, the committee declines it with a reason; the proposer's phone card says it became an
意见建议 and why, and the home page lists the message (unread first) with a count in the menu bar until it is
marked read. Only this test's rows are looked for (the live server is shared).
Screenshots: ``test-artifacts/browser/<database>-motion-messages-<step>.png``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Messages-pass-2026"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
REASON = "属于食堂日常管理事项，转行政部参考"


def prepare(app: Any, tag: str) -> list[str]:
    """Three seated delegates with accounts ``mm{tag}_{0..2}`` and a committee account ``mm{tag}_committee``;
    an earlier motion (another session) with a like subject for 查重. Returns the delegates' names."""
    from portal.congress import models, service
    from portal.demo import Writer
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name=f"第六届职工代表大会{tag}", term_no=6, term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db.session.add(congress)
        db.session.commit()
        writer = Writer()
        members = writer.models["members"]
        names, ids = [], add_members(3)
        for index, member_id in enumerate(ids):
            email = f"mm{tag}{index}@factory.example"
            db.session.execute(sa.update(members).where(members.id == member_id).values(email=email))
            db.session.commit()
            service.add_delegate(db.session, congress.id, member_id, "秘书处", delegation="第一代表团")
            create_user(f"mm{tag}_{index}", PASSWORD, "delegate", org_code="CG", email=email)
            names.append(str(db.session.scalar(sa.select(members.name).where(members.id == member_id))))
        org = db.session.scalar(sa.select(writer.models["org_units"].id).where(writer.models["org_units"].code == "CG"))
        writer.insert("motions", [{"motion_no": f"OLD-{tag}", "session": "第五届职代会第一次会议",
                                   "subject": f"食堂夜餐品种{tag}", "category": "生活后勤", "proposer_id": ids[2],
                                   "org_unit_id": org, "reasons": "理由", "measures": "办法", "status": "办结",
                                   "kind": "提案", "cosigner_count": 2}])
        db.session.commit()
        create_user(f"mm{tag}_committee", PASSWORD, "motions_committee", org_code="CG")
    return names


def _page(browser: Any, network: NetworkLog, server: LiveServer, username: str, **options: Any) -> Any:
    page = watch(new_context(browser, network, **options).new_page(), network)
    log_in(page, server, username, PASSWORD)
    return page


def test_a_declined_motion_tells_the_proposer_why_on_the_phone_and_the_home_page(
        live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    server, tag = live_server, uuid.uuid4().hex[:12]
    names = prepare(server.app, tag)
    subject = f"增加食堂夜餐品种{tag}"
    shot = server.screenshot_path

    me = _page(browser, network, server, f"mm{tag}_0", **PHONE)
    me.goto(f"{server.url}/motions/mine")
    me.fill("#m-check", subject)
    me.get_by_role("button", name="查重").click()
    expect(me.locator("#motion-similar")).to_contain_text(f"食堂夜餐品种{tag}")
    expect(me.locator("#m-subject")).to_have_value(subject)
    assert me.evaluate("document.documentElement.scrollWidth") <= 360
    me.screenshot(path=str(shot("motion-messages-01-phone-check")), full_page=True)
    me.fill("#m-session", "第六届职代会第一次会议")
    me.fill("#m-reasons", "夜班职工反映夜餐品种单一。")
    me.fill("#m-measures", "每周轮换夜餐菜单。")
    me.get_by_role("button", name="保存草稿").click()
    card = me.locator(".motion-card", has_text=subject)
    for name in names[1:]:
        card.locator("select[name=member]").select_option(label=name)
        card.get_by_role("button", name="邀请").click()
        expect(me.locator(".phone-flash")).to_contain_text("已邀请附议")
    card.get_by_role("button", name="发起征集附议").click()
    expect(card).to_contain_text("状态：征集中")
    for index in (1, 2):
        signer = _page(browser, network, server, f"mm{tag}_{index}", **PHONE)
        signer.goto(f"{server.url}/motions/mine")
        signer.locator(".motion-card", has_text=subject).get_by_role("button", name="附议").click()
        expect(signer.locator(".phone-flash")).to_contain_text("已附议")
        signer.context.close()
    me.goto(f"{server.url}/motions/mine")
    card.get_by_role("button", name="提交提案").click()
    expect(card).to_contain_text("状态：已提交")

    with server.app.app_context():
        from portal.extensions import db

        model = server.app.extensions["portal"].models["motions"]
        motion_id = db.session.scalar(sa.select(model.id).where(model.subject == subject))
    committee = _page(browser, network, server, f"mm{tag}_committee")
    committee.goto(f"{server.url}/motions/show/{motion_id}")
    committee.locator('form[data-transition="review"] button[type=submit]').click()
    decline = committee.locator('form[data-transition="decline"]')
    decline.locator('[name="reason"]').fill(REASON)
    decline.locator("button[type=submit]").click()
    expect(committee.locator("body")).to_contain_text("不立案")

    me.goto(f"{server.url}/motions/mine")
    expect(card.locator(".motion-suggestion")).to_contain_text(f"已转为意见建议：{REASON}")
    assert me.evaluate("document.documentElement.scrollWidth") <= 360
    me.screenshot(path=str(shot("motion-messages-02-phone-suggestion")), full_page=True)

    home = _page(browser, network, server, f"mm{tag}_0")
    home.goto(f"{server.url}/")
    ours = home.locator(".portal-message", has_text=f"《{subject}》").filter(has_text="不立案")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("意见建议")
    expect(ours).to_contain_text(REASON)
    expect(ours.locator(".label-info")).to_have_text("未读")
    count = int(home.locator("#portal-message-badge .badge").inner_text())
    home.screenshot(path=str(shot("motion-messages-03-home")), full_page=True)
    ours.get_by_role("button", name="标为已读").click()
    ours = home.locator(".portal-message", has_text=f"《{subject}》").filter(has_text="不立案")
    expect(ours.locator(".label-info")).to_have_count(0)
    badge = home.locator("#portal-message-badge .badge")
    if count > 1:
        expect(badge).to_have_text(str(count - 1))
    else:
        expect(badge).to_have_count(0)

    signer = _page(browser, network, server, f"mm{tag}_1", **PHONE)
    signer.goto(f"{server.url}/")
    expect(signer.locator(".portal-message", has_text=f"您附议的提案《{subject}》").filter(has_text="不立案")).to_have_count(1)
    assert signer.evaluate("document.documentElement.scrollWidth") <= 360
    signer.screenshot(path=str(shot("motion-messages-04-home-phone")), full_page=True)
    assert network.blocked == [] and network.page_errors == []
