"""Uploads, error files and background exports are deleted after the retention, by the worker and the CLI."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from portal.io.jobs import job_folder
from portal.io.retention import purge_expired


def job_with_files(app: Any, status: str = "done", age_days: float = 0, kind: str = "import_preview",
                   file_name: str = "会员名单.xlsx", params: dict[str, Any] | None = None) -> Path:
    """A job row finished ``age_days`` ago and its folder holding an upload and an error file."""
    from portal.extensions import db
    from portal.io.job_table import Job
    from portal.security.audit import now_utc

    job_id = uuid.uuid4().hex
    at = now_utc() - timedelta(days=age_days)
    with app.app_context():
        db.session.add(Job(id=job_id, kind=kind, register="members", username="admin", status=status, created_at=at,
                           finished_at=None if status in ("queued", "running") else at,
                           params=json.dumps({"file_name": file_name, "stored_name": "upload.xlsx", "mode": "insert",
                                              **(params or {})}, ensure_ascii=False)))
        db.session.commit()
    folder = job_folder(app, job_id)
    folder.mkdir(parents=True)
    (folder / "upload.xlsx").write_bytes(b"x" * 2048)
    (folder / "errors.xlsx").write_bytes(b"y" * 1024)
    (folder.parent / f"{job_id}.json").write_text("{}", encoding="utf-8")
    return folder


def test_files_older_than_the_retention_are_deleted_and_recent_or_busy_ones_kept(app: Any) -> None:
    old = job_with_files(app, age_days=8, file_name="旧名单.xlsx")
    recent = job_with_files(app, age_days=6)
    running = job_with_files(app, status="running", age_days=30)
    # A commit still running reads the upload of its (old) preview: that folder stays as well.
    used = job_with_files(app, age_days=9)
    job_with_files(app, status="running", kind="import_commit", params={"file_job": used.name})
    orphan = old.parent / f"export-{uuid.uuid4().hex}"
    orphan.mkdir()
    (orphan / "会员.xlsx").write_bytes(b"z")
    stamp = time.time() - 8 * 86400
    os.utime(orphan, (stamp, stamp))
    purged = {item.name: item for item in purge_expired(app)}
    assert not old.exists() and not (old.parent / f"{old.name}.json").exists()
    assert not orphan.exists()
    assert recent.exists() and running.exists() and used.exists()
    assert set(purged) >= {old.name, orphan.name} and recent.name not in purged
    assert purged[old.name].size == 3072
    assert "admin 的导入预检（members）：文件“旧名单.xlsx”" in purged[old.name].line()
    assert "遗留的临时文件" in purged[orphan.name].line()


def test_the_retention_comes_from_the_configuration(app: Any) -> None:
    folder = job_with_files(app, age_days=3)
    old = app.config["PORTAL_JOB_RETENTION_DAYS"]
    app.config["PORTAL_JOB_RETENTION_DAYS"] = 2
    try:
        purge_expired(app)
    finally:
        app.config["PORTAL_JOB_RETENTION_DAYS"] = old
    assert not folder.exists()


def test_the_worker_purges_after_each_job(app: Any) -> None:
    from portal.io.jobs import HANDLERS, create_job, start
    from tests.io.test_jobs import _wait

    folder = job_with_files(app, age_days=10)
    HANDLERS["test_noop"] = lambda job, progress: {}
    try:
        with app.app_context():
            job = create_job("test_noop", "members", "admin", {})
            start(app, job)
            job_id = job.id
        assert _wait(app, job_id)["status"] == "done"
        for _ in range(100):  # the purge follows the job's last write
            if not folder.exists():
                break
            time.sleep(0.05)
    finally:
        del HANDLERS["test_noop"]
    assert not folder.exists()
