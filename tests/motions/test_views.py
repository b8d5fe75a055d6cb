"""The delegate's phone page (我的提案) and the session report (page, xlsx, demo data)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import login
from tests.motions.test_desk import congress, service  # noqa: F401  (fixture)
from tests.security.test_approval import PASSWORD
from portal.extensions import db
from portal.records.workflow import transition
from portal.security.audit import acting_as


def _client(app: Any, username: str) -> Any:
    client = app.test_client()
    login(client, username, PASSWORD)
    return client


def _motion_id(page: str, subject: str) -> str:
    card = page[page.index(subject):]
    return re.search(r'name="motion" value="(\d+)"', card).group(1)  # type: ignore[union-attr]


def test_a_delegate_makes_a_motion_on_the_phone_and_rates_the_reply(app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    me = _client(app, congress["周一"]["user"])
    page = me.get("/motions/mine")
    assert page.status_code == 200 and "提出新提案" in page.get_data(as_text=True)
    refused = me.post("/motions/mine/draft", data={"session": "五届二次", "subject": ""})
    assert refused.status_code == 422 and "案由" in refused.get_data(as_text=True)
    made = me.post("/motions/mine/draft", data={"session": "五届二次", "subject": "增设职工书屋", "category": "其他",
                                                "reasons": "职工业余学习无场所", "measures": "在职工之家增设书屋"})
    assert made.status_code == 303
    page = me.get("/motions/mine").get_data(as_text=True)
    assert "增设职工书屋" in page and "草稿" in page
    motion = _motion_id(page, "增设职工书屋")
    for name in ("吴二", "郑三"):
        assert me.post("/motions/mine/invite", data={"motion": motion,
                                                     "member": congress[name]["member"]}).status_code == 303
    assert me.post("/motions/mine/submit", data={"motion": motion}).status_code == 303  # → 征集中
    early = me.post("/motions/mine/submit", data={"motion": motion})
    assert early.status_code == 422 and "至少需要 2 位代表附议" in early.get_data(as_text=True)
    for name in ("吴二", "郑三"):
        signer = _client(app, congress[name]["user"])
        invited = signer.get("/motions/mine").get_data(as_text=True)
        assert "请您附议" in invited and "增设职工书屋" in invited
        cosign = re.search(r'name="cosign" value="(\d+)"', invited).group(1)  # type: ignore[union-attr]
        assert signer.post("/motions/mine/cosign", data={"cosign": cosign, "answer": "yes"}).status_code == 303
    assert me.post("/motions/mine/submit", data={"motion": motion}).status_code == 303
    assert "已提交" in me.get("/motions/mine").get_data(as_text=True)

    with app.app_context():
        committee = service(app, "motions", congress["committee"])
        record = db.session.get(committee.model, int(motion))
        with acting_as(congress["committee"]):
            for name, values in (("review", {}), ("admit", {}),
                                 ("assign", {"lead_department": "A-HR", "due_on": "2027-03-31"})):
                record = transition(committee, record, name, None, values)
        hr = service(app, "motions", congress["hr"])
        with acting_as(congress["hr"]):
            record = transition(hr, record, "accept")
            transition(hr, record, "answer", None, {"reply": "已在职工之家辟出书屋", "reply_class": "A"})
        db.session.commit()

    page = me.get("/motions/mine").get_data(as_text=True)
    assert "已在职工之家辟出书屋" in page and "书面答复" in page and "消息" in page
    refused = me.post("/motions/mine/feedback", data={"motion": motion, "opinion": "不满意"})
    assert refused.status_code == 422 and "理由" in refused.get_data(as_text=True)
    assert me.post("/motions/mine/feedback", data={"motion": motion, "opinion": "满意"}).status_code == 303
    page = me.get("/motions/mine").get_data(as_text=True)
    assert "办结" in page and "我的意见：满意" in page
    # another delegate cannot rate it
    other = _client(app, congress["王四"]["user"])
    assert other.post("/motions/mine/feedback", data={"motion": motion, "opinion": "满意"}).status_code == 422


def test_the_phone_page_is_for_delegates_and_the_report_for_the_committee(app: Any,
                                                                          congress: dict[str, Any]) -> None:  # noqa: F811
    assert _client(app, congress["committee"]).get("/motions/mine").status_code in (302, 403)
    assert _client(app, congress["周一"]["user"]).get("/motions/report").status_code in (302, 403)
    assert _client(app, congress["committee"]).get("/motions/report").status_code == 200


@pytest.fixture()
def demo(app: Any, clean: None) -> None:
    from portal.demo import load_demo

    load_demo(app, members=120, force=True)


def test_the_session_report_of_the_demo_data(app: Any, demo: None, admin_client: Any) -> None:
    page = admin_client.get("/motions/report")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "关于第五届职代会第二次会议提案办理情况的报告" in text
    assert "共收到提案 6 件，立案 4 件，不立案（转为意见建议）1 件；已办结 2 件" in text
    assert "办结 2 件" in text and "A类（已解决） 1 件" in text and "满意 1 件" in text
    assert "食堂已将夜餐供应延长至凌晨两点" in text
    sheet = admin_client.get("/motions/report.xlsx?session=第五届职代会第二次会议")
    assert sheet.status_code == 200
    with CalamineWorkbook.from_filelike(io.BytesIO(sheet.get_data())) as book:
        cells = [str(cell) for row in book.get_sheet_by_index(0).to_python() for cell in row if cell]
    assert "第五届职代会第二次会议提案办理情况报告" in cells and "改善倒班职工夜班就餐条件" in cells
    assert admin_client.get("/motions/report.xlsx").status_code == 400


def test_the_report_includes_the_previous_sessions_resolutions(app: Any, demo: None, admin_client: Any) -> None:
    text = admin_client.get("/motions/report?session=第五届职代会第二次会议").get_data(as_text=True)
    assert "第五届职代会第一次会议决议落实情况" in text
    assert "第五届职代会第一次会议通过决议 3 项，分解落实任务 6 项，已完成 3 项；职工代表巡视检查 2 次。" in text
    assert "关于职工食堂和倒班宿舍改造的决议（已落实，总体进度 100%）" in text
    assert "5-1-J01-2 建立工资集体协商年度会议制度" in text and 'value="60"' in text
    assert "铸造车间尚未到位" in text
    sheet = admin_client.get("/motions/report.xlsx?session=第五届职代会第二次会议")
    with CalamineWorkbook.from_filelike(io.BytesIO(sheet.get_data())) as book:
        assert book.sheet_names == ["提案办理情况", "决议落实情况"]
        rows = book.get_sheet_by_name("决议落实情况").to_python()
    cells = [str(cell) for row in rows for cell in row if cell]
    assert "第五届职代会第一次会议决议落实情况" in cells and "开展全员安全培训" in " ".join(cells) and "30%" in cells
    assert "机加工车间防护用品已更换，铸造车间尚未到位。" in cells
    # the first session's own report has no earlier resolutions to report on
    first = admin_client.get("/motions/report?session=第五届职代会第一次会议").get_data(as_text=True)
    assert "决议落实情况" not in first


def test_the_report_shows_the_resolutions_of_the_readers_scope(app: Any, demo: None) -> None:
    from portal.security.accounts import create_user

    # a department does not read the report at all; the committee of union B sees B's resolution only
    with app.app_context():
        create_user("report_reader_x", PASSWORD, "motion_department", org_code="A-HR")
        create_user("committee_b_x", PASSWORD, "motions_committee", org_code="B")
    text = _client(app, "committee_b_x").get("/motions/report?session=第五届职代会第二次会议").get_data(as_text=True)
    assert "关于加强一线岗位安全防护的决议" in text and "关于职工食堂和倒班宿舍改造的决议" not in text
    assert _client(app, "report_reader_x").get("/motions/report").status_code in (302, 403)
