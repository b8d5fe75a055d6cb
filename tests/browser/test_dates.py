"""A date typed into a date field, in a real browser: the date picker must not replace it with today.

The form parses dates as the import does (``20200105``, ``2020年1月5日`` …); the picker only keeps what was
typed (writing a date it reads itself as ``yyyy-mm-dd``) and leaves refusing the rest to the server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, admin_client, log_in
from tests.browser.test_member_flow import field_row, offline, pick_org_unit

pytestmark = pytest.mark.browser


def fill_member(page: Any, server: LiveServer, id_card: str, joined_on: str) -> None:
    """A new member whose 入会时间 is typed key by key, then left with Tab as a clerk does."""
    page.goto(f"{server.url}/members/add")
    page.fill("#name", "李小红")
    page.fill("#id_card", id_card)
    pick_org_unit(page, "车工", "车工一组")
    page.click("#joined_on")
    page.keyboard.type(joined_on)
    page.keyboard.press("Tab")
    page.click("#name")  # the picker's pop-up closes as well


def save(page: Any) -> None:
    with page.expect_navigation():
        page.locator("#model_form [type=submit]").first.click()


def members_with(server: LiveServer, id_card: str) -> list[dict[str, Any]]:
    """The saved members with this ID number, as the REST API gives them."""
    client = admin_client(server.app)
    return [row for row in client.get("/api/v1/members/?page_size=100").get_json()["result"]
            if row["id_card"] == id_card]


@pytest.mark.parametrize(("typed", "shown"), [("20200105", "2020-01-05"), ("2020年1月5日", "2020-01-05"),
                                              ("2020/1/5", "2020-01-05")])
def test_a_typed_date_is_kept_on_blur_and_saved(live_server: LiveServer, page: Any, network: NetworkLog,
                                                typed: str, shown: str) -> None:
    id_card = {"20200105": "110101199003070118", "2020年1月5日": "110101199003070134",
               "2020/1/5": "110101199003070150"}[typed]
    log_in(page, live_server)
    fill_member(page, live_server, id_card, typed)
    assert page.input_value("#joined_on") in (typed, shown)
    save(page)
    assert urlsplit(page.url).path != "/members/add", page.locator(".help-block, .text-danger").all_inner_texts()
    offline(network, "保存日期")
    [member] = members_with(live_server, id_card)
    assert member["joined_on"] == shown


@pytest.mark.parametrize("typed", ["abc", "2020-13-45"])
def test_a_date_that_is_no_date_gets_the_fields_chinese_error(live_server: LiveServer, page: Any,
                                                               network: NetworkLog, typed: str) -> None:
    id_card = "110101199003070177"
    log_in(page, live_server)
    fill_member(page, live_server, id_card, typed)
    assert page.input_value("#joined_on") == typed
    save(page)
    assert urlsplit(page.url).path == "/members/add"
    expect(field_row(page, "joined_on").get_by_text(f"入会时间不是有效日期：“{typed}”")).to_be_visible()
    assert page.input_value("#joined_on") == typed
    offline(network, "错误日期")
    page.screenshot(path=live_server.screenshot_path(f"date-refused-{typed}"), full_page=True)
    assert members_with(live_server, id_card) == []
