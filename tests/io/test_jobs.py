"""Background jobs: the job row, progress beside it, the thread runner and the RQ queue."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from portal.io.jobs import FileProgress, JobProgress, job_state

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_file_progress_is_shared_through_the_instance_folder(tmp_path: Path) -> None:
    writer, reader = FileProgress(tmp_path), FileProgress(tmp_path)
    writer.put("job1", {"phase": "write", "done": 5, "total": 10})
    assert reader.get("job1") == {"phase": "write", "done": 5, "total": 10}
    assert reader.get("missing") is None


def test_progress_is_throttled_but_phase_changes_and_the_end_always_land(tmp_path: Path) -> None:
    store = FileProgress(tmp_path)
    progress = JobProgress(store, "job2", interval=60)
    progress("validate", 0, 100)
    progress("validate", 50, 100)
    assert store.get("job2")["done"] == 0
    progress("validate", 100, 100)
    assert store.get("job2")["done"] == 100
    progress("write", 1, 100)
    assert store.get("job2")["phase"] == "write"


def _wait(app: Any, job_id: str) -> dict[str, Any]:
    from portal.extensions import db
    from portal.io.records import Job

    for _ in range(200):
        with app.app_context():
            job = db.session.get(Job, job_id)
            state = job_state(job)
        if state["status"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {state}")


def test_a_job_runs_in_the_worker_thread_and_its_outcome_is_kept(app: Any, clean: None) -> None:
    from portal.io.jobs import HANDLERS, create_job, start

    HANDLERS["test_echo"] = lambda job, progress: {"echo": job.params_dict()["value"]}
    try:
        with app.app_context():
            job = create_job("test_echo", "members", "admin", {"value": 42})
            start(app, job)
            job_id = job.id
        state = _wait(app, job_id)
    finally:
        del HANDLERS["test_echo"]
    assert state["status"] == "done"
    assert state["result"] == {"echo": 42}


def test_a_failing_job_is_marked_failed_with_a_chinese_message(app: Any, clean: None) -> None:
    from portal.io.jobs import HANDLERS, create_job, start

    def broken(job: Any, progress: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    HANDLERS["test_broken"] = broken
    try:
        with app.app_context():
            job = create_job("test_broken", "members", "admin", {})
            start(app, job)
            job_id = job.id
        state = _wait(app, job_id)
    finally:
        del HANDLERS["test_broken"]
    assert state["status"] == "failed"
    assert "数据库没有被修改" in state["error"]


def test_with_redis_configured_jobs_go_through_the_rq_queue(app: Any, clean: None, tmp_path: Path) -> None:
    """A burst worker (as ``portal worker`` runs) builds its own app on the same database and does the job."""
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    from portal.io.jobs import QUEUE_NAME, create_job, start

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis 未运行（{REDIS_URL}）：{error}")
    connection.flushdb()
    queue = Queue(QUEUE_NAME, connection=connection)
    old = app.config.get("PORTAL_REDIS_URL")
    app.config["PORTAL_REDIS_URL"] = REDIS_URL
    file = tmp_path / "m.csv"
    file.write_text("组织编码,组织名称,组织类型\nRQ1,队列测试工会,基层工会\n", encoding="utf-8")
    job_id = uuid.uuid4().hex
    try:
        with app.app_context():
            from portal.io.jobs import job_folder

            folder = job_folder(app, job_id)
            folder.mkdir(parents=True)
            (folder / "upload.csv").write_bytes(file.read_bytes())
            job = create_job("import_commit", "org_units", "admin",
                             {"file_name": "m.csv", "stored_name": "upload.csv", "mode": "insert"}, job_id=job_id)
            start(app, job)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        state = _wait(app, job_id)
    finally:
        app.config["PORTAL_REDIS_URL"] = old
        connection.flushdb()
    assert state["status"] == "done", state
    assert state["result"]["report"]["created"] == 1
