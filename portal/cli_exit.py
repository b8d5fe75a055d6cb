"""A one-shot command's process may end without tearing the interpreter down.

After a big import the interpreter's own shutdown (freeing every object of the app and of the rows, module by
module) takes half a second or more, after the work is done and reported. A command that asks for it
(``leave_quickly``) has its cleanups run (closing the database, so SQLite writes its log back and removes it),
the logs and the terminal flushed, and the process ended with the command's exit code. Only the ``portal``
console script (``portal.cli.run``) does this; ``main`` called in-process (tests, ``CliRunner``) returns as
before.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Callable

_CLEANUPS: list[Callable[[], None]] = []
#: Set by the console script only: a command run in-process (a test's ``CliRunner``) asks for nothing.
_ARMED: list[bool] = []


def arm() -> None:
    """This process is the ``portal`` console script: a command may ask to end it (``leave_quickly``)."""
    _ARMED.append(True)


def leave_quickly(cleanup: Callable[[], None]) -> None:
    """Let the ``portal`` process end as soon as this command has exited; ``cleanup`` runs first. Nothing
    happens unless the process is the console script (``arm``)."""
    if _ARMED:
        _CLEANUPS.append(cleanup)


def asked() -> bool:
    return bool(_CLEANUPS)


def leave_now(code: object) -> None:
    """End the process with ``code`` (an exit status; ``None`` is 0) when a command asked for it; else return.

    A message as exit code (click's way of failing) is left to the normal exit, which prints it."""
    if not _CLEANUPS or not (code is None or isinstance(code, int)):
        return
    while _CLEANUPS:
        _CLEANUPS.pop()()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
