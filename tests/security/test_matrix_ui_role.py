"""The permission matrix for a role made on the role matrix page rather than in roles.yaml.

The administrator creates ``unit_reader`` through the UI (read and export on members, own unit and below, nothing
in clear), an account of branch A gets it, and every channel is asked: list and show screens, the API with the
session and in a second worker, the link look-up, the list export and the API export, and the verbs it lacks.
Deleting the role is refused while the account holds it; once the account has another role it goes, and the
account's next request follows. The checks are counted with the generated matrix (``tests/security/conftest.py``).
"""

from __future__ import annotations

import re
from typing import Any

from portal.security.role_file import file_version
from tests.web.test_role_create_views import create
from tests.web.test_role_edit_views import PASSWORD, PHONE, World, admin, csrf_token, signed_in, text_of, world

__all__ = ["admin", "world"]  # the fixtures, shared with the role edit tests
MASKED_PHONE = "139****5678"


def _case(cases: list[str], failures: list[str], name: str, got: Any, wanted: Any) -> None:
    cases.append(f"unit_reader {name}")
    if got != wanted:
        failures.append(f"{name}: {got!r}, expected {wanted!r}")


def _ids(app: Any) -> dict[str, int]:
    from portal.extensions import db

    model = app.extensions["portal"].models["members"]
    with app.app_context():
        return {row.name: row.id for row in db.session.query(model)}


def test_a_role_created_in_the_ui_is_honoured_on_every_channel_and_deleted(world: World, admin: Any,
                                                                            matrix_cases: list[str]) -> None:
    from portal.security.accounts import create_user

    response = create(admin, "unit_reader", **{"unmask.members.phone": ""})
    assert response.status_code == 302, text_of(response)[-400:]
    with world.app.app_context():
        create_user("reader_a", PASSWORD, "unit_reader", org_code="A")
    ids = _ids(world.app)
    mine, theirs = ids["会员A01"], ids["会员B"]
    failures: list[str] = []
    cases: list[str] = []
    for worker, app in (("one", world.app), ("two", world.other)):
        client = signed_in(app, "reader_a", PASSWORD)
        check = lambda name, got, wanted, worker=worker: _case(cases, failures, f"{worker} {name}", got,  # noqa: E731
                                                               wanted)
        check("list", client.get("/members/list/").status_code, 200)
        check("show A", client.get(f"/members/show/{mine}").status_code, 200)
        check("show B", client.get(f"/members/show/{theirs}").status_code, 404)
        check("api get B", client.get(f"/api/v1/members/{theirs}").status_code, 404)
        listed = client.get("/api/v1/members/?q=(columns:!(name,phone))").get_json()
        check("api list", {row["name"]: row["phone"] for row in listed["result"]}, {"会员A01": MASKED_PHONE})
        check("api count", listed["count"], 1)
        check("api get A phone", client.get(f"/api/v1/members/{mine}").get_json()["result"]["phone"], MASKED_PHONE)
        lookup = client.get("/lookup/members", query_string={"q": "会员"}).get_json()["results"]
        check("lookup", {row["id"] for row in lookup}, {mine})
        for name, path in (("screen export", "/members/export/?fmt=csv"), ("api export", "/api/v1/members/export?fmt=csv")):
            exported = client.get(path)
            check(f"{name} status", exported.status_code, 200)
            text = exported.get_data().decode("utf-8-sig")
            check(f"{name} rows", ("会员A01" in text, "会员B" in text, PHONE in text, MASKED_PHONE in text),
                  (True, False, False, True))
        for name, method, path, wanted in (
                ("add screen", "GET", "/members/add", 403), ("api post", "POST", "/api/v1/members/", 403),
                ("edit screen", "GET", f"/members/edit/{mine}", 403),
                ("api put", "PUT", f"/api/v1/members/{mine}", 403),
                ("api delete", "DELETE", f"/api/v1/members/{mine}", 403),
                ("import", "GET", "/members/import/", 403), ("dues list", "GET", "/dues/list/", 403),
                ("dues api", "GET", "/api/v1/dues/", 403), ("org units api", "GET", "/api/v1/org_units/", 403),
                ("role matrix", "GET", "/roles/matrix", 403)):
            kwargs = {"json": {}} if method in ("POST", "PUT") else {}
            check(name, client.open(path, method=method, **kwargs).status_code, wanted)
    matrix_cases.extend(cases)
    assert failures == []

    # Deleting: refused while the account holds it, done once it holds another role; its next request follows.
    token = csrf_token(admin, "/roles/matrix")
    refused = admin.post("/roles/matrix/delete/unit_reader", data={"version": file_version(world.roles_file),
                                                                   "csrf_token": token})
    assert refused.status_code == 409 and "还有 1 个账户持有该角色" in text_of(refused)
    reader = signed_in(world.other, "reader_a", PASSWORD)
    with world.app.app_context():
        sm = world.app.extensions["appbuilder"].sm
        user = sm.find_user(username="reader_a")
        user.roles = [sm.find_role("congress_teller")]
        sm.session.commit()
    done = admin.post("/roles/matrix/delete/unit_reader", data={"version": file_version(world.roles_file),
                                                                "csrf_token": token})
    assert done.status_code == 302
    assert not re.search(r"^unit_reader:", world.roles_file.read_text(encoding="utf-8"), re.M)
    for path in ("/members/list/", "/api/v1/members/", "/members/export/?fmt=csv"):
        matrix_cases.append(f"unit_reader deleted {path}")
        assert reader.get(path).status_code == 403, path
    assert 'id="role-unit_reader"' not in admin.get("/roles/matrix").get_data(as_text=True)
