"""Every process follows ``permissions/roles.yaml``: the roles are re-read when the file changes.

A role saved on the role screens (or by hand, then ``portal roles sync``) is written to the file. Each
web worker, background worker and command checks the file's identity (inode, size, modification time)
before it builds a user's rights and re-reads it when that changed, so a change takes effect on the
next request in every worker. A file that no longer reads (a half-finished edit by hand) is reported
in the log and the last good roles stay in force.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from portal.security.roles import RolesError, read_roles
from portal.texts import gettext

log = logging.getLogger(__name__)


def signature(path: Path) -> tuple[int, int, int]:
    stat = os.stat(path)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def refresh_roles(state: Any) -> bool:
    """Re-read ``state.roles_file`` into ``state.roles`` when the file changed; True when it did."""
    path = getattr(state, "roles_file", None)
    if path is None:
        return False
    try:
        current = signature(path)
    except OSError as error:
        log.error(gettext("Cannot read the roles file %(path)s: %(error)s", path=path, error=error))
        return False
    if current == state.roles_signature:
        return False
    try:
        reports = getattr(state, "reports", None)
        state.roles = read_roles(path, state.registry, None if reports is None else reports.names)
    except RolesError as error:
        log.error(gettext("The roles file %(path)s has problems; the roles read last stay in use: %(error)s",
                          path=path, error=error))
        return False
    finally:
        state.roles_signature = current
    return True
