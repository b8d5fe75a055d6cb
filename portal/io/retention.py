"""Deleting what background work leaves under ``instance/jobs/`` once it is older than the retention.

Uploaded sheets, error files and background exports hold personal data, so they are kept only
``PORTAL_JOB_RETENTION_DAYS`` days (after the job finished, or was created when it never did). The
job rows stay, so the list of imports and their batches remain; only the files go. A job still
queued or running keeps its files. Called by the worker after each job and by ``portal jobs purge``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.io.job_table import Job
from portal.security.audit import now_utc

KINDS = {"import_preview": "导入预检", "import_commit": "导入", "export": "导出"}


@dataclass(frozen=True)
class Purged:
    """One folder deleted: the job (if its row is known), what it was, when, and how many bytes."""

    name: str
    description: str
    at: datetime
    size: int

    def line(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.description}（{self.name}，{_megabytes(self.size)}）"


def purge_expired(app: Flask, days: int | None = None) -> list[Purged]:
    """Delete the job folders (and progress files) older than ``days`` (default: the configured retention)."""
    folder = Path(app.instance_path) / "jobs"
    if not folder.is_dir():
        return []
    retention = app.config["PORTAL_JOB_RETENTION_DAYS"] if days is None else days
    cutoff = now_utc() - timedelta(days=retention)
    with app.app_context():
        entries = [entry for entry in folder.iterdir() if entry.is_dir()]
        jobs = {job.id: job for job in db.session.scalars(sa.select(Job).where(Job.id.in_([e.name for e in entries])))}
        busy = {job.params_dict().get("file_job", job.id)
                for job in db.session.scalars(sa.select(Job).where(Job.status.in_(("queued", "running"))))}
        purged = []
        for entry in sorted(entries):
            job = jobs.get(entry.name)
            if entry.name in busy:
                continue
            try:
                at = (job.finished_at or job.created_at) if job else _modified(entry)
                if at >= cutoff:
                    continue
                size = sum(path.stat().st_size for path in entry.rglob("*") if path.is_file())
            except FileNotFoundError:
                continue  # another worker is deleting it at the same moment
            shutil.rmtree(entry, ignore_errors=True)
            (folder / f"{entry.name}.json").unlink(missing_ok=True)
            purged.append(Purged(entry.name, _description(job), at, size))
    return purged


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def _description(job: Job | None) -> str:
    if job is None:
        return "遗留的临时文件"
    what = KINDS.get(job.kind, job.kind)
    file_name = job.params_dict().get("file_name")
    return f"{job.username} 的{what}（{job.register}）" + (f"：文件“{file_name}”" if file_name else "")


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{max(1, round(size / 1024))} KB"
