"""The views wired into the app: pages sharing a register's rights leave its permissions alone."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from portal.security.sync import sync_roles


def test_syncing_the_roles_drops_no_permission_of_a_register_shown_on_a_page(
        app: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The org tree and the resolutions page use the org units' and resolutions' rights: the permission
    update that ``portal run`` and ``portal roles sync`` make finds nothing of those registers to remove
    (FAB warns for each permission it would drop), and every one of them stays in place."""
    with caplog.at_level(logging.WARNING, logger="flask_appbuilder"):
        sync_roles(app)
    assert not [record.getMessage() for record in caplog.records if "permission" in record.getMessage()]
    with app.app_context():
        security = app.appbuilder.sm
        for register in ("org_units", "resolutions"):
            for right in ("can_list", "can_add", "can_edit", "can_delete", "can_import", "can_export"):
                assert security.find_permission_view_menu(right, register) is not None, (right, register)
