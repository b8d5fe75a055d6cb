"""The request's user and rights: a browser session or an API token (``Authorization: Bearer``) alike."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.conftest import ADMIN_PASSWORD

PASSWORD = "Current-pass-2026"


def _token(app: Any, name: str, password: str) -> dict[str, str]:
    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": name, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_a_token_reads_in_its_users_scope_and_writes_under_its_name(app: Any, admin_client: Any,
                                                                   org_tree: dict[str, int]) -> None:
    from portal.extensions import db
    from portal.security.accounts import create_user
    from portal.security.audit import AuditEntry

    for row in ({"name": "甲", "id_card": "11010519491231002X", "org_unit": "A01-1"},
                {"name": "乙", "id_card": "110101199003070011", "org_unit": "B"}):
        assert admin_client.post("/api/v1/members/", json=row).status_code == 201
    clerk = f"hr_sync_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(clerk, PASSWORD, "clerk", org_code="A")
    client = app.test_client()  # no cookie: the token alone
    token = _token(app, clerk, PASSWORD)
    listed = client.get("/api/v1/members/", headers=token).get_json()
    assert listed["count"] == 1 and [row["name"] for row in listed["result"]] == ["甲"]
    created = client.post("/api/v1/members/", headers=token,
                          json={"name": "丙", "id_card": "110101198001010010", "org_unit": "A01"})
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        author = db.session.scalar(sa.select(AuditEntry.username).where(
            AuditEntry.action == "create", AuditEntry.register == "members",
            AuditEntry.record_id == created.get_json()["id"]).order_by(AuditEntry.id.desc()).limit(1))
        # SQLite reuses the ids of rows other tests deleted: the newest entry is this test's.
    assert author == clerk
    outside = client.post("/api/v1/members/", headers=token,
                          json={"name": "丁", "id_card": "110101198001010029", "org_unit": "B"})
    assert outside.status_code == 422 and "找不到" in str(outside.get_json())
    admin = _token(app, "admin", ADMIN_PASSWORD)
    assert client.get("/api/v1/members/", headers=admin).get_json()["count"] == 3

