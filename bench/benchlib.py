"""What the benches share: a portal app on a given database, fresh databases, and measurement processes.

Each measurement runs in a process of its own (so its peak RSS is its own) and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def portal_app(url: str, folder: Path) -> Any:
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PORTAL_INSTANCE_DIR": str(folder / "instance")})


def load_demo_database(app: Any, members: int) -> None:
    """Migrate the empty database and load the demo with ``members`` members."""
    from flask_migrate import upgrade

    from portal.demo import load_demo

    with app.app_context():
        upgrade(directory=str(PROJECT / "migrations"))
    load_demo(app, members=members)


def empty_database(kind: str, folder: Path, name: str, server: str = PG_SERVER) -> str:
    """The URL of an empty database: a new SQLite file in ``folder``, or the scratch database ``name``
    dropped and re-created on the PostgreSQL ``server``."""
    if kind == "sqlite":
        path = folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import sqlalchemy as sa

    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server}/{name}"


def measure(script: str, *arguments: str) -> dict[str, Any]:
    """Run ``script --child ...`` in a new process and return the JSON line it prints last."""
    command = [sys.executable, script, "--child", *arguments]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=PROJECT).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The parser every bench starts from: ``--keep DIR`` and the hidden arguments of a measurement process."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases and files in this folder")
    for hidden in ("--child", "--url", "--folder"):
        parser.add_argument(hidden, default=None, help=argparse.SUPPRESS)
    return parser


def work_folder(keep: Path | None, prefix: str) -> Path:
    """The folder a bench works in: ``--keep``'s (created if missing), else a new temporary one."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
