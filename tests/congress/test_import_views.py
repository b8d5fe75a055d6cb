"""portal.congress.import_views: the setup screen's 代表名单导入 — template, preview, 确认导入."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress.models import Delegate
from portal.io.readers import read_workbook
from portal.security.audit import AuditEntry

from .conftest import Sitting, add_members
from .test_delegate_import import members_by_id
from .test_views import account, text

TOKEN = re.compile(r'name="plan" value="([^"]+)"')


def cg_clerk(app: Any, db: Any, username: str = "cg_import") -> Any:
    """A signed-in 大会秘书处 clerk whose account sits in union CG (re-pointed each test: unions are re-made)."""
    from portal.demo import Writer

    client = account(app, username, "congress_secretariat")
    org_units = Writer().models["org_units"]
    org_id = db.scalar(sa.select(org_units.id).where(org_units.code == "CG"))
    user = app.appbuilder.sm.find_user(username=username)
    user.org_unit_id = org_id
    db.commit()
    return client


def upload(client: Any, session_id: int, lines: list[str], name: str = "代表名单.csv") -> Any:
    data = {"file": (io.BytesIO(("\n".join(lines) + "\n").encode("utf-8")), name)}
    return client.post(f"/congress/{session_id}/delegates/import", data=data, content_type="multipart/form-data")


def delegates(db: Any) -> int:
    db.rollback()
    return db.scalar(sa.select(sa.func.count()).select_from(Delegate)) or 0


@pytest.fixture()
def ready(app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> tuple[Sitting, Any, list[tuple[str, str]]]:
    sitting = make_sitting(voters=2, freeze=False)
    free = members_by_id(congress_db, add_members(3))
    return sitting, cg_clerk(app, congress_db), sorted(free.values())


def test_the_template_downloads_with_the_import_columns(ready: Any, tmp_path: Path) -> None:
    sitting, clerk, _ = ready
    response = clerk.get(f"/congress/{sitting.session_id}/delegates/template.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.data)
    assert read_workbook(path).rows[0] == ["身份证号", "姓名", "所属工会", "代表团", "选区", "身份"]
    page = text(clerk.get(f"/congress/{sitting.session_id}/delegates"))
    assert "下载代表名单模板" in page and 'enctype="multipart/form-data"' in page


def test_a_file_with_a_wrong_row_is_previewed_with_its_problems_and_nothing_is_written(
        ready: Any, congress_db: Any) -> None:
    sitting, clerk, free = ready
    (a_name, a_id), (b_name, _), _ = free
    before = delegates(congress_db)
    response = upload(clerk, sitting.session_id, ["身份证号,姓名,代表团,身份",
                                                  f"{a_id},{a_name},第一代表团,代表",
                                                  f",{b_name},第一代表团,嘉宾"])
    page = text(response)
    assert response.status_code == 422
    assert "文件中有 1 处问题，没有导入任何代表" in page
    assert "第 3 行" in page and "D 列（身份）" in page and "嘉宾" in page
    assert "确认导入" not in page
    assert delegates(congress_db) == before


def test_a_clean_file_is_seated_after_the_confirmation_and_audited(ready: Any, congress_db: Any) -> None:
    sitting, clerk, free = ready
    (a_name, a_id), (b_name, _), (c_name, c_id) = free
    before = delegates(congress_db)
    response = upload(clerk, sitting.session_id, ["身份证号,姓名,所属工会,代表团,选区,身份",
                                                  f"{a_id},{a_name},,第一代表团,一车间,代表",
                                                  f",{b_name},CG,第一代表团,二车间,特邀",
                                                  f"{c_id},,,第二代表团,,"])
    page = text(response)
    assert response.status_code == 200, page
    assert "共 3 位代表可以导入" in page and "代表 2 人" in page and "特邀 1 人" in page
    assert delegates(congress_db) == before  # the preview writes nothing
    token = TOKEN.search(page)
    assert token
    done = clerk.post(f"/congress/{sitting.session_id}/delegates/import/commit", data={"plan": token.group(1)})
    assert done.status_code == 303
    assert delegates(congress_db) == before + 3
    listed = text(clerk.get(f"/congress/{sitting.session_id}/delegates"))
    assert "已从文件导入 3 位代表" in listed and c_name in listed
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.detail.like("从文件“代表名单.csv”导入%"))) == 1
    again = clerk.post(f"/congress/{sitting.session_id}/delegates/import/commit", data={"plan": token.group(1)})
    assert again.status_code == 409 and "已是本届大会的代表" in text(again)
    assert delegates(congress_db) == before + 3


def test_an_altered_or_someone_elses_preview_is_refused(app: Any, ready: Any, congress_db: Any) -> None:
    sitting, clerk, free = ready
    (a_name, a_id), *_ = free
    page = text(upload(clerk, sitting.session_id, ["身份证号,姓名", f"{a_id},{a_name}"]))
    token = TOKEN.search(page)
    assert token
    before = delegates(congress_db)
    altered = token.group(1)[:-3] + ("AAA" if not token.group(1).endswith("AAA") else "BBB")
    refused = clerk.post(f"/congress/{sitting.session_id}/delegates/import/commit", data={"plan": altered})
    assert refused.status_code == 422 and "可能已被修改" in text(refused)
    other = cg_clerk(app, congress_db, "cg_import2")
    refused = other.post(f"/congress/{sitting.session_id}/delegates/import/commit", data={"plan": token.group(1)})
    assert refused.status_code == 422 and "不是在本页面为您生成的" in text(refused)
    assert delegates(congress_db) == before


def test_an_unreadable_upload_and_a_missing_file_are_answered_in_chinese(ready: Any) -> None:
    sitting, clerk, _ = ready
    data = {"file": (io.BytesIO(b"\x00\x01\x02binary"), "名单.pdf")}
    response = clerk.post(f"/congress/{sitting.session_id}/delegates/import", data=data,
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "无法导入" in text(response) and ".pdf" in text(response)
    response = clerk.post(f"/congress/{sitting.session_id}/delegates/import", data={},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要导入的代表名单文件" in text(response)


def test_only_the_secretariat_may_import(app: Any, ready: Any, congress_db: Any) -> None:
    sitting, _, free = ready
    chair = account(app, "cg_chair", "congress_presidium")
    (a_name, a_id), *_ = free
    response = upload(chair, sitting.session_id, ["身份证号,姓名", f"{a_id},{a_name}"])
    assert response.status_code in (302, 403)
    assert chair.get(f"/congress/{sitting.session_id}/delegates/template.xlsx").status_code in (302, 403)
