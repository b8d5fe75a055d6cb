"""Background work: a job row in the database, progress beside it, and a runner.

The job row (``portal_job``) holds what to do, the state and the outcome, so any web worker can show
it and a restart never loses it. Progress changes many times a second, inside the job's own write
transaction, so it is kept apart from the database: in a small file in the instance folder, or in
Redis when ``PORTAL_REDIS_URL`` is set. Jobs run in a worker thread of the web process by default
(the embedded start needs no server), or on an RQ queue (``portal worker``) when Redis is set.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from portal.extensions import db
from portal.io.job_table import Job
from portal.security.audit import acting_as, now_utc
from portal.texts import gettext, in_locale

log = logging.getLogger(__name__)

#: kind -> handler(job, progress) -> result dict. Filled by the modules that define the work.
HANDLERS: dict[str, Callable[[Job, JobProgress], dict[str, Any]]] = {}
#: A running job whose progress (its heartbeat) has not moved for this long was cut off (a restart, a kill).
STALE_SECONDS = 120
QUEUE_NAME = "portal"
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-job")
#: Settings a queued job carries, so the worker acts on the same database and files as the web app.
SHARED_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "PORTAL_INSTANCE_DIR", "PORTAL_SCHEMAS_DIR", "PORTAL_ROLES_FILE",
                   "PORTAL_MIGRATIONS_DIR", "PORTAL_REDIS_URL", "PORTAL_IMPORT_MAX_ROWS", "PORTAL_IMPORT_MAX_CELLS",
                   "PORTAL_IMPORT_MAX_UNZIPPED_MB", "PORTAL_JOB_RETENTION_DAYS")
_WORKER_APPS: dict[str, Flask] = {}


class ProgressStore(Protocol):
    def put(self, job_id: str, data: dict[str, Any]) -> None: ...

    def get(self, job_id: str) -> dict[str, Any] | None: ...


class FileProgress:
    """Progress as JSON files under ``instance/jobs/``: every worker process on the machine sees them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, job_id: str, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{job_id}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(self.folder / f"{job_id}.json")

    def get(self, job_id: str) -> dict[str, Any] | None:
        path = self.folder / f"{job_id}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except json.JSONDecodeError:
            return None


class RedisProgress:
    """Progress in Redis, shared by every machine that runs jobs."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def put(self, job_id: str, data: dict[str, Any]) -> None:
        self.redis.setex(f"portal:job:{job_id}", 86400, json.dumps(data))

    def get(self, job_id: str) -> dict[str, Any] | None:
        raw = self.redis.get(f"portal:job:{job_id}")
        return json.loads(raw) if raw else None


def progress_store(app: Flask | None = None) -> ProgressStore:
    app = app or current_app
    url = app.config.get("PORTAL_REDIS_URL")
    return RedisProgress(url) if url else FileProgress(Path(app.instance_path) / "jobs")


def job_folder(app: Flask, job_id: str) -> Path:
    """Where a job keeps its files (the uploaded sheet, an error file, an export)."""
    return Path(app.instance_path) / "jobs" / job_id


def this_process() -> str:
    """``host:pid`` of the process writing a job's progress, so that its death is noticed at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(process: str | None) -> bool:
    """The process named by a progress record ran on this machine and no longer exists."""
    host, _, pid = (process or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


class JobProgress:
    """The callback handed to the work: throttled writes of phase, rows done and rows in all; each
    write is also the job's heartbeat and names the process doing it."""

    def __init__(self, store: ProgressStore, job_id: str, interval: float = 0.3) -> None:
        self.store, self.job_id, self.interval = store, job_id, interval
        self.phase, self.phase_started, self.last = "", time.time(), 0.0
        self.process = this_process()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.time()
        if phase != self.phase:
            self.phase, self.phase_started = phase, now
        elif now - self.last < self.interval and done < total:
            return
        self.last = now
        self.store.put(self.job_id, {"phase": phase, "done": done, "total": total, "phase_started": self.phase_started,
                                     "at": now, "process": self.process})


def create_job(kind: str, register: str, username: str, params: dict[str, Any], job_id: str | None = None) -> Job:
    """A queued job; it runs in the language of the request that made it (``params["locale"]``)."""
    from portal.state import current_locale

    params = {**params, "locale": params.get("locale") or current_locale()}
    job = Job(id=job_id or uuid.uuid4().hex, kind=kind, register=register, username=username, status="queued",
              created_at=now_utc(), params=json.dumps(params, ensure_ascii=False))
    db.session.add(job)
    db.session.commit()
    return job


def start(app: Flask, job: Job) -> None:
    """Hand the job to the queue (Redis configured) or to the worker thread; never waits for it."""
    if app.config.get("PORTAL_REDIS_URL"):
        from redis import Redis
        from rq import Callback, Queue

        settings = {key: app.config[key] for key in SHARED_SETTINGS if key in app.config}
        Queue(QUEUE_NAME, connection=Redis.from_url(app.config["PORTAL_REDIS_URL"])).enqueue(
            "portal.io.jobs.run_queued_job", job.id, settings, job_timeout=3600,
            on_failure=Callback("portal.io.jobs.queued_job_failed"))
    else:
        JobProgress(progress_store(app), job.id)("queued", 0, 0)  # queued in this process, lost if it dies
        _EXECUTOR.submit(run_job, app, job.id)


def _worker_app(settings: dict[str, Any]) -> Flask:
    """The app a queue worker process builds (once) on the same database and folders as the web app."""
    from portal import create_app

    key = json.dumps(settings, sort_keys=True)
    if key not in _WORKER_APPS:
        _WORKER_APPS[key] = create_app(settings)
    return _WORKER_APPS[key]


def run_queued_job(job_id: str, settings: dict[str, Any]) -> None:
    """The RQ entry point, in a work horse forked from ``portal worker``."""
    app = _worker_app(settings)
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    run_job(app, job_id)


def queued_job_failed(rq_job: Any, connection: Any = None, *exc_info: Any) -> None:
    """RQ's failure callback, and the worker's handler for a work horse that died (killed, out of memory):
    the job row is marked failed, naming the file, instead of staying "running"."""
    job_id, settings = rq_job.args
    with _worker_app(settings).app_context():
        try:
            job = db.session.get(Job, job_id)
            if job is not None and job.status in ("queued", "running"):
                mark_interrupted(job)
                db.session.commit()
        finally:
            db.session.remove()
            # In ``portal worker`` this runs in the process the next work horses are forked from: SQLite must not
            # see a connection carried across fork() (https://sqlite.org/howtocorrupt.html, section 2.6).
            db.engine.dispose()


def horse_killed(rq_job: Any, pid: int, status: int, usage: Any) -> None:
    """``portal worker``'s handler for a work horse that died without a word (``kill -9``, out of memory)."""
    log.error("background job %s: worker process %s died (status %s)", rq_job.id, pid, status)
    queued_job_failed(rq_job)


def run_job(app: Flask, job_id: str) -> None:
    with app.app_context():
        fail_stale_jobs()
        job = db.session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        progress = JobProgress(progress_store(app), job_id)
        progress("start", 0, 0)  # the first heartbeat, before anyone can see the job running
        job.status = "running"
        db.session.commit()
        try:
            with acting_as(job.username), in_locale(job_locale(job)):
                result = HANDLERS[job.kind](job, progress)
        except Exception:  # the job's boundary: recorded as failed (in the job's language) and logged in full
            log.exception("background job %s (%s) failed", job_id, job.kind)
            db.session.rollback()
            job = db.session.get(Job, job_id)
            job.status = "failed"
            with in_locale(job_locale(job)):
                job.error = gettext("Something went wrong while processing %(subject)s; the database was not "
                                    "changed. Please try again; if it keeps happening, contact the system "
                                    "administrator.", subject=job_subject(job))
        else:
            job = db.session.get(Job, job_id)
            job.status, job.result = "done", json.dumps(result, ensure_ascii=False)
        job.finished_at = now_utc()
        db.session.commit()
        progress("end", 1, 1)
    from portal.io.retention import purge_expired

    purge_expired(app)


def job_locale(job: Job) -> str:
    """The language of the request that made the job: its messages are in it."""
    return str(job.params_dict().get("locale") or "zh")


def job_subject(job: Job) -> str:
    """What the job worked on, for messages: the uploaded file's name, or the export."""
    file_name = job.params_dict().get("file_name")
    if file_name:
        return gettext("the file \"%(name)s\"", name=file_name)
    if job.kind == "print":
        return gettext("the printing (%(count)s records)", count=job.params_dict().get("count", 0))
    if job.kind == "export":
        return gettext("the export (%(format)s file)", format=job.params_dict().get("fmt", "xlsx"))
    return gettext("the job")


def mark_interrupted(job: Job) -> None:
    """Record that the process running ``job`` died; the caller commits."""
    job.status, job.finished_at = "failed", now_utc()
    with in_locale(job_locale(job)):
        again = {"export": gettext("Please export again"), "print": gettext("Please print again")}.get(
            job.kind) or gettext("Please check the file and upload it again")
        job.error = gettext("The job processing %(subject)s was interrupted (the service restarted, or the process "
                            "was stopped, for example when a very large file filled the memory); the database was "
                            "not changed. %(again)s.", subject=job_subject(job), again=again)


def is_stale(job: Job, progress: dict[str, Any] | None) -> bool:
    """A job whose process is gone (seen on this machine), or a running job whose heartbeat (its last
    progress, else its creation) is older than STALE_SECONDS."""
    if job.status not in ("queued", "running"):
        return False
    if progress and process_gone(progress.get("process")):
        return True
    if job.status == "queued":
        return False
    if progress and "at" in progress:
        return time.time() - float(progress["at"]) > STALE_SECONDS
    return now_utc() - job.created_at > timedelta(seconds=STALE_SECONDS)


def fail_stale_jobs() -> list[Job]:
    """Mark every job whose worker died as failed (when a worker starts work); the ones marked."""
    store = progress_store()
    stale = [job for job in db.session.scalars(sa.select(Job).where(Job.status.in_(("queued", "running"))))
             if is_stale(job, store.get(job.id))]
    for job in stale:
        mark_interrupted(job)
    if stale:
        db.session.commit()
    return stale


def job_state(job: Job) -> dict[str, Any]:
    """What a progress bar shows: status, phase, rows done, ETA; a running job with stale progress is
    recorded as failed, so it is never left "running"."""
    progress = progress_store().get(job.id) or {}
    if is_stale(job, progress):
        mark_interrupted(job)
        db.session.commit()
    data: dict[str, Any] = {"id": job.id, "status": job.status, "kind": job.kind}
    if job.status in ("queued", "running"):
        done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
        elapsed = time.time() - float(progress.get("phase_started", time.time()))
        data.update(phase=progress.get("phase", "queued"), done=done, total=total,
                    percent=round(100 * done / total) if total else 0,
                    eta=round(elapsed * (total - done) / done) if done and total else None)
    elif job.status == "failed":
        data["error"] = job.error
    else:
        data["result"] = job.result_dict()
    return data
