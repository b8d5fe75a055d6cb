"""portal.security.manager: an account's permissions read in one query agree with FAB's own reading."""

from __future__ import annotations

from typing import Any

import pytest


def test_one_query_finds_the_permissions_of_roles_and_group_roles(app: Any) -> None:
    from flask_appbuilder.security.sqla.models import assoc_user_group

    from portal.extensions import db
    from portal.security.accounts import create_user

    sm = app.appbuilder.sm
    with app.app_context():
        if sm.find_user(username="perm_probe") is None:
            create_user("perm_probe", "Probe-pass-2026", "congress_presidium")
        user = sm.find_user(username="perm_probe")
        group = sm.group_model(name="perm_probe_group", label="权限测试组", description="")
        group.roles = [sm.find_role("congress_teller")]
        db.session.add(group)
        db.session.flush()
        # Group.users expects FAB's own user class; the portal's accounts join a group through the table
        db.session.execute(assoc_user_group.insert().values(user_id=user.id, group_id=group.id))
        db.session.commit()
        db.session.expire(user)
        try:
            ours = sm._load_permissions(user)
            assert ours == frozenset(sm.get_user_permissions(user))
            assert ("can_chair", "congress") in ours and ("can_teller", "congress") in ours
            assert ("can_staff", "congress") not in ours
        finally:
            db.session.execute(assoc_user_group.delete().where(assoc_user_group.c.group_id == group.id))
            db.session.delete(group)
            db.session.commit()


@pytest.mark.parametrize("role", ["admin", "delegate", "congress_secretariat"])
def test_each_role_reads_the_same_as_fab(app: Any, role: str) -> None:
    from portal.security.accounts import create_user

    sm = app.appbuilder.sm
    with app.app_context():
        if sm.find_user(username=f"perm_{role}") is None:
            create_user(f"perm_{role}", "Probe-pass-2026", role)
        user = sm.find_user(username=f"perm_{role}")
        assert sm._load_permissions(user) == frozenset(sm.get_user_permissions(user))
