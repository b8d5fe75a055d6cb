"""查重: motions with a like subject, by score, in the reader's scope; the page, the form link, the phone page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from portal.domain.idcard import make_id_card
from portal.extensions import db
from portal.motions.similar import score, similar
from tests.conftest import login
from tests.motions.test_desk import congress, service  # noqa: F401  (fixture)
from tests.security.test_approval import PASSWORD


def test_subjects_are_alike_by_shared_character_pairs() -> None:
    assert score("改善倒班职工食堂夜餐", "关于改善倒班职工夜餐的建议") > 0.6
    assert score("食堂夜餐", "关于改善倒班职工食堂夜餐供应") == 1.0
    assert score("增设职工书屋", "更衣室加装空调") == 0.0


def seed(app: Any, congress: dict[str, Any]) -> dict[str, int]:  # noqa: F811
    """Earlier motions of 周一 (A01-1) and one of 外单位 (a member of B, outside A's scope)."""
    system = service(app, "motions", None)
    members = system.models["members"]
    proposer = db.session.get(members, congress["周一"]["member"])
    outsider = db.session.scalar(sa.select(members).where(members.name == "外单位"))
    ids = {}
    for number, session, subject, who in (
            ("2024-031", "第四届职代会第五次会议", "改善倒班职工夜餐供应", proposer),
            ("2025-012", "第五届职代会第一次会议", "增设职工书屋", proposer),
            ("2025-013", "第五届职代会第一次会议", "倒班职工夜餐补贴标准", outsider)):
        record = system.save({"motion_no": number, "session": session, "subject": subject, "reasons": "理由",
                              "measures": "办法", "proposer": who})
        ids[number] = record.id
    db.session.commit()
    return ids


@pytest.fixture()
def outsider(admin_client: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    made = admin_client.post("/api/v1/members/", json={"name": "外单位", "org_unit": "B",
                                                        "id_card": make_id_card("110105", date(1981, 2, 3), 7)})
    assert made.status_code == 201, made.get_json()


def test_similar_lists_earlier_motions_in_the_scope_only(app: Any, congress: dict[str, Any], outsider: None) -> None:  # noqa: F811
    with app.app_context():
        ids = seed(app, congress)
        committee = service(app, "motions", congress["committee"])
        found = [item.record.motion_no for item in similar(committee, "关于改善倒班职工食堂夜餐的建议")]
        assert found == ["2024-031"]  # 2025-013 is B's, outside the committee's scope (A)
        everyone = service(app, "motions", None)
        assert "2025-013" in [item.record.motion_no for item in similar(everyone, "倒班职工夜餐")]
        assert similar(committee, "增设职工书屋", exclude_id=ids["2025-012"]) == []

    client = app.test_client()
    login(client, congress["committee"], PASSWORD)
    page = client.get("/motions/similar", query_string={"subject": "改善夜餐"}).get_data(as_text=True)
    assert 'data-motion="2024-031"' in page and "第四届职代会第五次会议" in page and "2025-013" not in page
    none = client.get("/motions/similar", query_string={"subject": "更衣室空调"}).get_data(as_text=True)
    assert "没有找到案由相近的提案" in none
    edit = client.get(f"/motions/edit/{ids['2025-012']}").get_data(as_text=True)
    assert f"/motions/similar?subject=%E5%A2%9E%E8%AE%BE%E8%81%8C%E5%B7%A5%E4%B9%A6%E5%B1%8B&amp;exclude={ids['2025-012']}" \
        in edit and "查重" in edit


def test_the_phone_page_checks_a_subject_before_drafting(app: Any, congress: dict[str, Any], outsider: None) -> None:  # noqa: F811
    with app.app_context():
        seed(app, congress)
    client = app.test_client()
    login(client, congress["吴二"]["user"], PASSWORD)
    page = client.get("/motions/mine", query_string={"check": "职工夜餐"}).get_data(as_text=True)
    assert 'id="motion-similar"' in page and 'data-motion="2024-031"' in page and "2025-013" not in page
    assert 'name="subject" maxlength="100" required value="职工夜餐"' in page
    stranger = app.test_client()
    assert stranger.get("/motions/similar?subject=夜餐").status_code in (302, 401)
