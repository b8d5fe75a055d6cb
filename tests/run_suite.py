"""``make test``: the suite's SQLite and PostgreSQL passes side by side, one process each.

Every app-level test runs once per database (``tests/conftest.py``). Run as two processes, the two
passes use both cores; the tests that need no database run once, in the SQLite pass
(``PORTAL_TEST_DATABASE_ONLY`` in the other). Each pass empties its own Redis databases in the queue
and sign-in-limit tests. Output lines carry the pass's name; the exit status is the first failing
pass's. Arguments go to both pytest runs: ``python tests/run_suite.py -x -k import``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import IO

#: Each pass: its database, and the Redis databases its queue and sign-in-limit tests may empty.
PASSES = {
    "sqlite": {"PORTAL_TEST_DATABASES": "sqlite", "PORTAL_TEST_REDIS_URL": "redis://127.0.0.1:6379/15",
               "PORTAL_TEST_LIMITS_REDIS_URL": "redis://127.0.0.1:6379/14"},
    "postgresql": {"PORTAL_TEST_DATABASES": "postgresql", "PORTAL_TEST_DATABASE_ONLY": "1",
                   "PORTAL_TEST_REDIS_URL": "redis://127.0.0.1:6379/13",
                   "PORTAL_TEST_LIMITS_REDIS_URL": "redis://127.0.0.1:6379/12"},
}


def _relay(name: str, stream: IO[str]) -> None:
    for line in stream:
        sys.stdout.write(f"[{name}] {line}")
        sys.stdout.flush()


def main(arguments: list[str]) -> int:
    runs: list[tuple[str, subprocess.Popen[str], threading.Thread]] = []
    for name, settings in PASSES.items():
        process = subprocess.Popen([sys.executable, "-m", "pytest", *arguments], env={**os.environ, **settings},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert process.stdout is not None
        relay = threading.Thread(target=_relay, args=(name, process.stdout), daemon=True)
        relay.start()
        runs.append((name, process, relay))
    statuses = []
    for name, process, relay in runs:
        statuses.append((name, process.wait()))
        relay.join()
    for name, status in statuses:
        print(f"[{name}] {'通过' if status == 0 else f'失败（退出码 {status}）'}")
    return next((status for _, status in statuses if status != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
