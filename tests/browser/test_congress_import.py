"""The delegates' import in a real browser: the secretariat uploads a roster with a wrong row, reads the problems,
uploads the corrected file, confirms, and finds the delegates listed. Screenshots:
``test-artifacts/browser/<database>-congress-import-<step>.png``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Congress-pass-2026"
DESK = {"width": 1366, "height": 900}


def prepare(app: Any) -> dict[str, Any]:
    """A session without delegates, three members of union CG, and a secretariat clerk of CG."""
    from portal.congress import models
    from portal.demo import Writer
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name="第二机械厂第一届职工代表大会", term_no=1, term_start=date(2026, 1, 1),
                                   term_end=date(2030, 12, 31))
        db.session.add(congress)
        db.session.flush()
        sitting = models.CongressSession(congress_id=congress.id, number=1, held_on=date(2026, 4, 1),
                                         place="二厂礼堂", session_type="职代会")
        db.session.add(sitting)
        db.session.commit()
        ids = add_members(3)
        members = Writer().models["members"]
        rows = db.session.execute(sa.select(members.name, members.id_card).where(members.id.in_(ids))
                                  .order_by(members.id)).tuples().all()
        create_user("cg_import_clerk", PASSWORD, "congress_secretariat", org_code="CG")
        return {"session_id": sitting.id, "members": rows}


def roster(folder: Path, rows: list[str]) -> str:
    path = folder / "代表名单.csv"
    path.write_text("\n".join(["第一届职工代表大会代表名单", "身份证号,姓名,代表团,选区,身份", *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_the_secretariat_imports_a_roster_after_fixing_the_wrong_row(live_server: LiveServer, browser: Any,
                                                                      network: NetworkLog, tmp_path: Path) -> None:
    server = live_server
    setting = prepare(server.app)
    sid = setting["session_id"]
    (a_name, a_id), (b_name, b_id), (c_name, c_id) = setting["members"]
    page = watch(new_context(browser, network, viewport=DESK).new_page(), network)
    log_in(page, server, "cg_import_clerk", PASSWORD)
    page.goto(f"{server.url}/congress/{sid}/delegates")
    expect(page.get_by_role("link", name="下载代表名单模板")).to_be_visible()

    page.set_input_files("#delegates-file", roster(tmp_path, [f"{a_id},{a_name},第一代表团,一车间,代表",
                                                             f"{b_id},{b_name},第一代表团,二车间,嘉宾",
                                                             f"{c_id},{c_name},第二代表团,,列席"]))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator(".congress-error")).to_contain_text("文件中有 1 处问题，没有导入任何代表")
    expect(page.locator(".congress-import-problems")).to_contain_text("第 4 行")
    expect(page.locator(".congress-import-problems")).to_contain_text("E 列（身份）")
    page.screenshot(path=server.screenshot_path("congress-import-problems"), full_page=True)

    page.goto(f"{server.url}/congress/{sid}/delegates")
    page.set_input_files("#delegates-file", roster(tmp_path, [f"{a_id},{a_name},第一代表团,一车间,代表",
                                                             f"{b_id},{b_name},第一代表团,二车间,特邀",
                                                             f"{c_id},{c_name},第二代表团,,列席"]))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator(".alert-success")).to_contain_text("共 3 位代表可以导入")
    page.screenshot(path=server.screenshot_path("congress-import-preview"), full_page=True)
    page.get_by_role("button", name="确认导入 3 位代表").click()
    expect(page.locator("body")).to_contain_text("已从文件导入 3 位代表")
    table = page.locator(".congress-delegates")
    for name in (a_name, b_name, c_name):
        expect(table).to_contain_text(name)
    page.screenshot(path=server.screenshot_path("congress-import-done"), full_page=True)
    assert not network.blocked and not network.page_errors
