"""Self check-in in a real browser: the venue-code screen on the projector, a delegate on a phone (360×740)
types the code shown there, is checked in and reaches the ballot. Screenshots:
``test-artifacts/browser/<database>-venue-<step>.png``."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DATABASES, LiveServer, NetworkLog, log_in, new_context, serving_portal, watch
from tests.browser.test_congress import DESK, PASSWORD, PHONE, TITLE, prepare_congress

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=DATABASES)
def venue_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A portal of its own: the congress accounts of ``prepare_congress`` are made once per database."""
    with serving_portal(request.param, tmp_path_factory, "venue") as server:
        yield server


def test_a_delegate_types_the_code_from_the_hall_screen_and_reaches_the_ballot(venue_server: LiveServer,
                                                                               browser: Any,
                                                                               network: NetworkLog) -> None:
    from portal.congress import service, voting
    from portal.extensions import db

    server = venue_server
    congress = prepare_congress(server.app)
    sid, shot = congress["session_id"], server.screenshot_path

    hall = watch(new_context(browser, network, viewport=DESK).new_page(), network)
    log_in(hall, server, "cg_staff", PASSWORD)
    hall.goto(f"{server.url}/congress/{sid}/checkin")
    expect(hall.locator(".congress-self-checkin")).to_contain_text("手机自助签到：已开放")
    hall.goto(f"{server.url}/congress/{sid}/venue-code")
    expect(hall.locator(".venue-code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    expect(hall.locator(".venue-qr svg")).to_be_visible()
    hall.screenshot(path=str(shot("venue-01-hall-screen")), full_page=True)

    phone = watch(new_context(browser, network, **PHONE).new_page(), network)
    log_in(phone, server, "cg_voter0", PASSWORD)
    phone.goto(f"{server.url}/congress/vote")
    box = phone.get_by_label("签到码")
    expect(box).to_have_attribute("inputmode", "numeric")
    box.fill("000000" if hall.locator(".venue-code").inner_text() != "000 000" else "111111")
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator(".phone-error")).to_contain_text("不正确或已过期：请输入会场大屏上当前显示的 6 位数字。还可再试 4 次")
    phone.screenshot(path=str(shot("venue-02-phone-wrong-code")), full_page=True)

    hall.reload()  # the code of this very moment (the page would also reload itself when the window turns)
    phone.get_by_label("签到码").fill(hall.locator(".venue-code").inner_text())
    phone.screenshot(path=str(shot("venue-03-phone-code-typed")), full_page=True)
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator(".phone-flash")).to_have_text("签到成功，欢迎参会。")
    expect(phone.get_by_label("签到码")).to_have_count(0)
    phone.screenshot(path=str(shot("venue-04-phone-checked-in")), full_page=True)

    with server.app.app_context():  # the second delegate at the desk, and the chair opens the vote
        service.check_in(db.session, sid, congress["delegates"][1], "秘书处")
        poll = voting.create_poll(db.session, sid, "item", TITLE, ["集体合同草案"], "主席团")
        voting.open_poll(db.session, poll.id, "主席团")
    phone.get_by_role("link", name="刷新").click()
    expect(phone.locator(".phone-ballot h1")).to_have_text(TITLE)
    phone.get_by_label("赞成").check()
    phone.get_by_role("button", name="下一步：核对选择").click()
    phone.get_by_role("button", name="确认投票").click()
    expect(phone.locator("[data-receipt]")).to_have_text(re.compile(r"^[2-9A-Z]{5}-[2-9A-Z]{5}$"))
    phone.screenshot(path=str(shot("venue-05-phone-receipt")), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    hall.goto(f"{server.url}/congress/{sid}/checkin")
    expect(hall.locator(f'tr[data-delegate="{congress["delegates"][0]}"] .congress-state')).to_have_text("已签到")
    hall.screenshot(path=str(shot("venue-06-staff-checkin")), full_page=True)
    # the wrong code is the only answer above 400, and the browser's only complaint
    assert network.blocked == [] and network.page_errors == [] and len(network.console_errors) == 1
    assert [line.split(" ")[:2] for line in network.bad_responses] == [["422", "POST"]]
