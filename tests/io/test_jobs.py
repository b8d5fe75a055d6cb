"""Background jobs: the job row, progress beside it, the thread runner and the RQ queue."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from portal.io.jobs import FileProgress, JobProgress, job_state

#: Emptied before and after each queue test; two runs side by side each need their own (``PORTAL_TEST_REDIS_URL``).
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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
    from portal.io.job_table import Job

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


# --- a worker that died ---------------------------------------------------------------------------

def _job_row(app: Any, status: str, age: timedelta = timedelta(0), kind: str = "import_preview",
             finished: bool = False, file_name: str = "会员名单.xlsx") -> str:
    from portal.extensions import db
    from portal.io.job_table import Job
    from portal.security.audit import now_utc

    job_id = uuid.uuid4().hex
    with app.app_context():
        at = now_utc() - age
        db.session.add(Job(id=job_id, kind=kind, register="members", username="admin", status=status, created_at=at,
                           finished_at=at if finished else None,
                           params=json.dumps({"file_name": file_name, "stored_name": "upload.xlsx", "mode": "insert"},
                                             ensure_ascii=False)))
        db.session.commit()
    return job_id


def _row(app: Any, job_id: str) -> tuple[str, str | None]:
    from portal.extensions import db
    from portal.io.job_table import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        return job.status, job.error


def test_reading_a_job_whose_worker_died_records_it_failed_naming_the_file(app: Any) -> None:
    """No heartbeat at all (the progress is gone too): the job's age decides, and the row is updated."""
    from portal.extensions import db
    from portal.io.jobs import STALE_SECONDS
    from portal.io.job_table import Job

    job_id = _job_row(app, "running", timedelta(seconds=STALE_SECONDS + 60), file_name="一车间名单.xlsx")
    with app.app_context():
        state = job_state(db.session.get(Job, job_id))
    assert state["status"] == "failed"
    status, error = _row(app, job_id)
    assert status == "failed" and error == state["error"]
    assert error.startswith("处理文件“一车间名单.xlsx”时任务中断了") and "数据库没有被修改" in error


def test_the_worker_marks_jobs_left_running_by_a_dead_worker_before_it_starts(app: Any) -> None:
    from portal.io.jobs import HANDLERS, STALE_SECONDS, create_job, progress_store, start

    dead = _job_row(app, "running", file_name="大文件.xlsx")
    then = time.time() - STALE_SECONDS - 30
    progress_store(app).put(dead, {"phase": "read", "done": 0, "total": 0, "phase_started": then, "at": then})
    alive = _job_row(app, "running")
    progress_store(app).put(alive, {"phase": "read", "done": 0, "total": 0, "phase_started": time.time(),
                                    "at": time.time()})
    HANDLERS["test_noop"] = lambda job, progress: {}
    try:
        with app.app_context():
            job = create_job("test_noop", "members", "admin", {})
            start(app, job)
            job_id = job.id
        assert _wait(app, job_id)["status"] == "done"
    finally:
        del HANDLERS["test_noop"]
    status, error = _row(app, dead)
    assert status == "failed" and "文件“大文件.xlsx”" in (error or "")
    assert _row(app, alive) == ("running", None)


def test_a_killed_rq_work_horse_leaves_the_job_failed_not_running(app: Any) -> None:
    """The work horse is killed (as the kernel kills a process out of memory); ``portal worker``'s
    handler records the job as failed, naming the file."""
    redis = pytest.importorskip("redis")
    from rq import Queue, Worker

    from portal.io.jobs import HANDLERS, QUEUE_NAME, create_job, horse_killed, start

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis 未运行（{REDIS_URL}）：{error}")
    connection.flushdb()
    HANDLERS["test_killed"] = lambda job, progress: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[func-returns-value]
    old = app.config.get("PORTAL_REDIS_URL")
    app.config["PORTAL_REDIS_URL"] = REDIS_URL
    try:
        with app.app_context():
            job = create_job("test_killed", "members", "admin", {"file_name": "炸弹.xlsx"})
            start(app, job)
            job_id = job.id
        Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection,
               work_horse_killed_handler=horse_killed).work(burst=True)
    finally:
        app.config["PORTAL_REDIS_URL"] = old
        del HANDLERS["test_killed"]
        connection.flushdb()
    status, error = _row(app, job_id)
    assert status == "failed"
    assert (error or "").startswith("处理文件“炸弹.xlsx”时任务中断了")
    # the worker recorded that itself, and forks its next work horses holding no database connection
    from portal.extensions import db
    from portal.io.jobs import _WORKER_APPS

    for worker_app in _WORKER_APPS.values():
        with worker_app.app_context():
            assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


def test_a_job_of_a_process_that_died_fails_at_once_even_if_only_queued(app: Any) -> None:
    """The web process holding a queued job (or running one) died: nothing would ever run or finish it."""
    import socket
    import subprocess
    import sys

    from portal.extensions import db
    from portal.io.jobs import progress_store
    from portal.io.job_table import Job

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True)
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}"
    queued, running = _job_row(app, "queued", file_name="排队.xlsx"), _job_row(app, "running", file_name="进行.xlsx")
    for job_id in (queued, running):
        progress_store(app).put(job_id, {"phase": "read", "done": 0, "total": 0, "phase_started": time.time(),
                                         "at": time.time(), "process": dead})
    with app.app_context():
        states = [job_state(db.session.get(Job, job_id)) for job_id in (queued, running)]
    assert [state["status"] for state in states] == ["failed", "failed"]
    assert _row(app, queued)[1].startswith("处理文件“排队.xlsx”时任务中断了")
    assert _row(app, running)[1].startswith("处理文件“进行.xlsx”时任务中断了")
    alive = _job_row(app, "queued")
    progress_store(app).put(alive, {"phase": "queued", "done": 0, "total": 0, "phase_started": time.time(),
                                    "at": time.time() - 3600, "process": f"{socket.gethostname()}:{os.getpid()}"})
    with app.app_context():
        assert job_state(db.session.get(Job, alive))["status"] == "queued"
