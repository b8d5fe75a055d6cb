"""portal.congress.resolution_views: 生成决议 on the presidium's page, the resolution page with its tasks'
progress, inspections and timeline, and the department seeing only the tasks given to it."""

from __future__ import annotations

import uuid
from typing import Any, Callable

import sqlalchemy as sa

from portal.demo import Writer

from .conftest import Sitting, add_members
from .test_resolutions import counted_vote
from .test_views import account, text


def department(code: str, name: str) -> None:
    """A 职能部门 under the congress's union CG."""
    from portal.extensions import db

    writer = Writer()
    units = writer.models["org_units"]
    parent = db.session.scalar(sa.select(units.id).where(units.code == "CG"))
    writer.insert("org_units", [{"code": code, "name": name, "unit_type": "职能部门", "parent_id": parent}])
    db.session.commit()


def fresh(app: Any, role: str, org: str) -> Any:
    return account(app, f"{role}_{uuid.uuid4().hex[:12]}", role, org_code=org)


def make_one(app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> tuple[Any, int, int]:
    """A counted vote whose first 议题 passed, and a presidium account of the union CG."""
    sitting = make_sitting(voters=4)
    poll_id = counted_vote(congress_db, sitting, [["赞成", "反对"]] * 4)
    return fresh(app, "congress_presidium", "CG"), sitting.session_id, poll_id


def test_the_presidium_makes_a_resolution_from_a_passed_item_once(app: Any, congress_db: Any,
                                                                  make_sitting: Callable[..., Sitting]) -> None:
    chair, sid, poll_id = make_one(app, congress_db, make_sitting)
    before = text(chair.get(f"/congress/{sid}/chair"))
    assert before.count("生成决议") == 1  # the second 议题 did not pass
    made = chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "1"})
    assert made.status_code == 303 and "/resolutions/page/" in made.headers["Location"]
    page = chair.get(made.headers["Location"])
    assert page.status_code == 200
    shown = text(page)
    assert "5-1-J01 集体合同草案" in shown and "第五届职代会第一次会议" in shown and "还没有落实任务" in shown
    assert "新增决议" in shown  # the timeline starts with the resolution's creation
    assert "查看决议" in text(chair.get(f"/congress/{sid}/chair"))
    index = text(chair.get("/resolutions/page/"))
    assert "5-1-J01" in index and "0%（0/1）" not in index and "0%（0/0）" in index
    assert "决议落实情况" in text(chair.get("/congress/"))
    again = chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "1"})
    assert again.status_code == 409 and "已生成决议 5-1-J01，不能重复生成" in text(again)
    failed = chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "2"})
    assert failed.status_code == 422 and "第 2 项议题未获通过" in text(failed)
    assert chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "x"}).status_code == 422
    assert chair.get(f"/congress/poll/{poll_id}/resolution").status_code == 405
    # a teller may see the chair's page of nothing; they cannot press the button
    teller = fresh(app, "congress_teller", "CG")
    assert teller.post(f"/congress/poll/{poll_id}/resolution", data={"item": "1"}).status_code in (302, 403)


def test_tasks_progress_inspections_and_a_department_seeing_only_its_tasks(
        app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    chair, _, poll_id = make_one(app, congress_db, make_sitting)
    location = chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "1"}).headers["Location"]
    department("CG-HR", "人力资源部")
    department("CG-LOG", "后勤保障部")
    staff = fresh(app, "congress_secretariat", "CG")
    for number, (dept, progress) in enumerate((("CG-HR", 40), ("CG-LOG", 100)), start=1):
        made = staff.post("/api/v1/resolution_tasks/", json={
            "task_no": f"5-1-J01-{number}", "resolution": "5-1-J01", "content": f"落实事项{number}",
            "department": dept, "due_on": "2026-12-31", "progress": progress})
        assert made.status_code == 201, made.get_json()
    over = staff.post("/api/v1/resolution_tasks/", json={
        "task_no": "5-1-J01-9", "resolution": "5-1-J01", "content": "超过", "department": "CG-HR",
        "due_on": "2026-12-31", "progress": 120})
    assert over.status_code == 422 and "进度" in str(over.get_json())
    inspected = staff.post("/api/v1/resolution_inspections/", json={
        "inspection_no": "5-1-J01-X1", "resolution": "5-1-J01", "inspected_on": "2026-06-01",
        "members": "张三、李四", "findings": "食堂夜餐窗口已开设"})
    assert inspected.status_code == 201, inspected.get_json()

    shown = text(staff.get(location))
    assert 'value="40"' in shown and 'value="100"' in shown and "70%（1/2 项完成）" in shown
    assert "张三、李四" in shown and "食堂夜餐窗口已开设" in shown
    timeline = shown[shown.index("<h3>时间线</h3>"):]
    assert timeline.index("新增决议") < timeline.index("新增任务") < timeline.index("新增巡视检查")

    hr = fresh(app, "resolution_department", "CG-HR")
    mine = hr.get("/api/v1/resolution_tasks/").get_json()
    assert [row["task_no"] for row in mine["result"]] == ["5-1-J01-1"]
    listed = staff.get("/api/v1/resolution_tasks/").get_json()
    by_no = {row["task_no"]: record_id for record_id, row in zip(listed["ids"], listed["result"])}
    own, other = by_no["5-1-J01-1"], by_no["5-1-J01-2"]
    # the department sees its task on the 待办 page (it may press 开始落实), not the other department's
    todo = text(hr.get("/todo/"))
    assert "落实事项1" in todo and "开始落实" in todo and "落实事项2" not in todo
    started = hr.post(f"/api/v1/resolution_tasks/{own}/transition/start", json={})
    assert started.status_code == 200, started.get_json()
    moved = hr.put(f"/api/v1/resolution_tasks/{own}", json={"progress": 60, "notes": "已拟定办法"})
    assert moved.status_code == 200, moved.get_json()
    assert hr.put(f"/api/v1/resolution_tasks/{other}", json={"progress": 10}).status_code == 404
    assert hr.post(f"/api/v1/resolution_tasks/{other}/transition/start", json={}).status_code == 404
    assert hr.get(location).status_code != 200  # the resolution page is for those who read resolutions
    later = text(staff.get(location))
    assert 'value="60"' in later and "已拟定办法" in later and "进行中" in later
    assert "修改任务 5-1-J01-1" in later[later.index("<h3>时间线</h3>"):]


def test_the_resolutions_page_is_in_the_congress_menu_for_whoever_reads_resolutions(app: Any, congress_db: Any) -> None:
    add_members(1)  # and with them the union CG
    presidium = fresh(app, "congress_presidium", "CG")
    home = text(presidium.get("/"))
    assert 'href="/resolutions/page/"' in home and "决议落实情况" in home
    assert presidium.get("/resolutions/page/").status_code == 200
    teller = fresh(app, "congress_teller", "CG")
    assert 'href="/resolutions/page/"' not in text(teller.get("/"))
