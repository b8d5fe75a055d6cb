"""Photos and files attached to a delegate inspection (巡视检查), kept under the instance folder.

A file is accepted when its content (not its name) is a JPEG, PNG, PDF or an Office Open XML document
(.docx/.xlsx) and it is not larger than ``PORTAL_ATTACHMENT_MAX_MB`` (10 MB unless configured). It is
stored under a random name in ``<instance>/attachments/inspections/``; the table keeps the name shown,
the type and the size. Uploading and downloading are audited on the inspection. Who may do either is
the caller's check (``resolution_views``): nothing here reads a request or the user's rights.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.security import audit
from portal.texts import gettext

INSPECTIONS = "resolution_inspections"
DEFAULT_MAX_MB = 10
#: extension -> (MIME type, leading bytes of such a file)
KINDS: dict[str, tuple[str, bytes]] = {
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "pdf": ("application/pdf", b"%PDF-"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
}
#: Photos are shown in the browser; everything else is downloaded.
INLINE = frozenset({"image/jpeg", "image/png"})


class AttachmentRefused(Exception):
    """A file not taken; the message is Chinese, names the file and says what to do."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class InspectionAttachment(Model):
    """One file of one inspection: the name shown, where it is stored, its type and size, who added it."""

    __tablename__ = "resolution_attachment"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)


@dataclass(frozen=True)
class Store:
    """Where the files live and how large one may be."""

    folder: Path
    max_bytes: int

    @classmethod
    def of(cls, instance_path: str, max_mb: Any) -> Store:
        return cls(Path(instance_path) / "attachments" / "inspections", int(max_mb or DEFAULT_MAX_MB) * 1024 * 1024)

    def path(self, attachment: InspectionAttachment) -> Path:
        return self.folder / attachment.stored_name


def clean_name(filename: str) -> str:
    """The name shown: the last path part, without control characters, at most 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[-200:] or "附件"  # i18n: data (the stored file name)


def check(store: Store, filename: str, data: bytes) -> tuple[str, str]:
    """(name shown, MIME type) of an acceptable file; ``AttachmentRefused`` naming the fix otherwise."""
    name = clean_name(filename)
    if not data:
        raise AttachmentRefused(gettext("The file “%(name)s” is empty; choose the file again.", name=name))
    if len(data) > store.max_bytes:
        raise AttachmentRefused(gettext("The file “%(name)s” is %(size)s MB, over the limit of %(limit)s MB; "
                                        "compress or split it, then upload again.", name=name,
                                        size=f"{len(data) / 1024 / 1024:.1f}", limit=store.max_bytes // 1024 // 1024),
                                413)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = KINDS.get(extension)
    if kind is None or not data.startswith(kind[1]):
        raise AttachmentRefused(gettext("The file “%(name)s” is of a type that cannot be uploaded (judged by its "
                                        "content): upload only JPG or PNG photos, or PDF, Word (.docx) or Excel "
                                        "(.xlsx) files.", name=name))
    return name, kind[0]


def add(session: Session, store: Store, inspection: Any, filename: str, data: bytes, actor: str) -> InspectionAttachment:
    """Check and store ``data`` for ``inspection``, with an audit entry on the inspection; the caller commits."""
    name, content_type = check(store, filename, data)
    store.folder.mkdir(parents=True, exist_ok=True)
    extension = name.rsplit(".", 1)[-1].lower()
    attachment = InspectionAttachment(inspection_id=inspection.id, filename=name,
                                      stored_name=f"{secrets.token_hex(16)}.{extension}", content_type=content_type,
                                      size=len(data), uploaded_by=actor, uploaded_at=audit.now_utc())
    store.path(attachment).write_bytes(data)
    session.add(attachment)
    session.flush()
    _audit(session, inspection, actor, "update", f"上传附件“{name}”（{len(data) // 1024 or 1} KB）")  # i18n: data
    return attachment


def downloaded(session: Session, inspection: Any, attachment: InspectionAttachment, actor: str) -> None:
    """The audit entry of a download; the caller commits."""
    _audit(session, inspection, actor, "export", f"下载附件“{attachment.filename}”")  # i18n: data


def of_inspections(session: Session, ids: list[int]) -> dict[int, list[InspectionAttachment]]:
    """The attachments of these inspections, oldest first."""
    found: dict[int, list[InspectionAttachment]] = {}
    if ids:
        for row in session.scalars(sa.select(InspectionAttachment).where(InspectionAttachment.inspection_id.in_(ids))
                                   .order_by(InspectionAttachment.id)):
            found.setdefault(row.inspection_id, []).append(row)
    return found


def _audit(session: Session, inspection: Any, actor: str, action: str, detail: str) -> None:
    audit.write(session, [audit.entry(action, username=actor, register=INSPECTIONS, record_id=inspection.id,
                                      record_key=inspection.inspection_no, org_unit_id=inspection.org_unit_id,
                                      detail=detail)])
