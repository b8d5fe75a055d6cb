"""portal.congress.attachments: photos and files of an inspection, checked by content and size, stored under
the instance folder, served only to users who may read the inspection, audited."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress.attachments import AttachmentRefused, InspectionAttachment, Store, check
from portal.security.audit import AuditEntry

from .conftest import Sitting
from .test_resolution_views import department, fresh, make_one
from .test_views import text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STORE = Store(Path("/nonexistent"), 1024 * 1024)


def test_a_file_is_judged_by_its_content_and_size() -> None:
    assert check(STORE, "C:\\照片\\现场.PNG", PNG) == ("现场.PNG", "image/png")
    assert check(STORE, "报告.pdf", b"%PDF-1.7 ...")[1] == "application/pdf"
    with pytest.raises(AttachmentRefused, match="文件“病毒.jpg”的类型不能上传.*只能上传JPG、PNG 照片"):
        check(STORE, "病毒.jpg", b"MZ\x90\x00")
    with pytest.raises(AttachmentRefused, match="文件“a.exe”的类型不能上传"):
        check(STORE, "a.exe", PNG)
    with pytest.raises(AttachmentRefused, match="是空的"):
        check(STORE, "空.png", b"")
    with pytest.raises(AttachmentRefused, match="超过 1 MB 的上限，请压缩或拆分后再上传") as big:
        check(STORE, "大.png", PNG + b"\x00" * 1024 * 1024)
    assert big.value.status == 413


def _upload(client: Any, inspection_id: int, name: str, data: bytes) -> Any:
    return client.post(f"/resolutions/page/inspection/{inspection_id}/attachments",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_attachments_are_stored_served_to_readers_only_and_audited(
        app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    chair, _, poll_id = make_one(app, congress_db, make_sitting)
    location = chair.post(f"/congress/poll/{poll_id}/resolution", data={"item": "1"}).headers["Location"]
    department("CG-HR", "人力资源部")
    staff = fresh(app, "congress_secretariat", "CG")
    made = staff.post("/api/v1/resolution_inspections/", json={
        "inspection_no": "5-1-J01-X1", "resolution": "5-1-J01", "inspected_on": "2026-06-01",
        "members": "张三、李四", "findings": "已开设夜餐窗口"})
    assert made.status_code == 201, made.get_json()
    inspection_id = made.get_json()["id"]

    wrong = _upload(staff, inspection_id, "现场.jpg", b"not a photo")
    assert wrong.status_code == 422 and "文件“现场.jpg”的类型不能上传" in text(wrong)
    assert app.config["PORTAL_ATTACHMENT_MAX_MB"] == 10
    app.config["PORTAL_ATTACHMENT_MAX_MB"] = 1
    try:
        big = _upload(staff, inspection_id, "大图.png", PNG + b"\x00" * 1024 * 1024)
    finally:
        app.config["PORTAL_ATTACHMENT_MAX_MB"] = 10
    assert big.status_code == 413 and "文件“大图.png”有 1.0 MB，超过 1 MB 的上限" in text(big)
    assert _upload(staff, inspection_id, "", b"").status_code == 422
    # the presidium reads inspections but may not add to them
    refused = _upload(chair, inspection_id, "现场.png", PNG)
    assert refused.status_code == 403 and "没有为巡视检查上传附件的权限" in text(refused)

    done = _upload(staff, inspection_id, "现场.png", PNG)
    assert done.status_code == 303
    page = text(staff.get(location))
    assert "现场.png" in page and "上传附件“现场.png”" in page[page.index("<h3>时间线</h3>"):]
    stored = congress_db.scalars(sa.select(InspectionAttachment)).one()
    path = Path(app.instance_path) / "attachments" / "inspections" / stored.stored_name
    assert path.read_bytes() == PNG and stored.stored_name != "现场.png"

    url = f"/resolutions/page/attachment/{stored.id}"
    served = chair.get(url)
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.register == "resolution_inspections", AuditEntry.action == "export",
        AuditEntry.detail == "下载附件“现场.png”")) == 1
    assert "下载附件" not in text(staff.get(location))  # downloads are not steps of the resolution
    # a department has no right to read inspections
    assert fresh(app, "resolution_department", "CG-HR").get(url).status_code in (302, 403)
    # a delegate placed under the department reads inspections, but not this union's
    assert fresh(app, "delegate", "CG-HR").get(url).status_code == 404
    assert chair.get("/resolutions/page/attachment/999999").status_code == 404
