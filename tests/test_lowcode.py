"""Low-code proof: a new field and a whole new register from YAML alone, migrated with the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portal.cli import main
from tests.conftest import ADMIN_PASSWORD, drop_postgres_database, fresh_postgres_database, login, make_app

PROJECT = Path(__file__).resolve().parent.parent

TRAININGS = {
    "register": "trainings",
    "version": 1,
    "label": {"zh": "技能培训", "en": "Trainings"},
    "key": "training_no",
    "title": "course",
    "org_field": "org_unit",
    "menu": {"group": {"zh": "会员管理", "en": "Membership"}, "icon": "fa-graduation-cap"},
    "fields": [
        {"name": "training_no", "type": "string", "label": {"zh": "培训编号", "en": "Training no."},
         "required": True, "unique": True},
        {"name": "course", "type": "string", "label": {"zh": "课程名称", "en": "Course"}, "required": True},
        {"name": "member", "type": "link", "target": "members", "label": {"zh": "会员", "en": "Member"}},
        {"name": "org_unit", "type": "link", "target": "org_units", "label": {"zh": "所属工会", "en": "Union"}},
        {"name": "hours", "type": "integer", "label": {"zh": "学时", "en": "Hours"}, "min": 1, "max": 200},
    ],
    "screens": {"list": ["training_no", "course", "member", "hours"], "search": ["training_no", "course"]},
}


@pytest.mark.slow
def test_new_field_and_new_register_without_python(database_url: str, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    migrations = tmp_path / "migrations"
    shutil.copytree(PROJECT / "schemas", schemas)
    shutil.copytree(PROJECT / "migrations", migrations)
    members = yaml.safe_load((schemas / "members.yaml").read_text(encoding="utf-8"))
    members["fields"].append({"name": "shoe_size", "type": "integer", "label": {"zh": "鞋码", "en": "Shoe size"},
                              "min": 30, "max": 50})
    members["screens"]["list"].append("shoe_size")
    (schemas / "members.yaml").write_text(yaml.safe_dump(members, allow_unicode=True), encoding="utf-8")
    (schemas / "trainings.yaml").write_text(yaml.safe_dump(TRAININGS, allow_unicode=True), encoding="utf-8")

    url = fresh_postgres_database("portal_lowcode") if database_url.startswith("postgresql") else \
        f"sqlite:///{tmp_path / 'lowcode.db'}"
    env = {"PORTAL_SCHEMAS_DIR": str(schemas), "PORTAL_MIGRATIONS_DIR": str(migrations),
           "PORTAL_DATABASE_URL": url, "PORTAL_INSTANCE_DIR": str(tmp_path / "instance")}
    runner = CliRunner()
    try:
        for command in (["check"], ["db", "upgrade"], ["db", "migrate", "-m", "add shoe size and trainings"],
                        ["db", "upgrade"], ["db", "check"]):
            result = runner.invoke(main, command, env=env, catch_exceptions=False)
            assert result.exit_code == 0, (command, result.output)
        new_revisions = [p for p in (migrations / "versions").glob("*.py")
                         if not (PROJECT / "migrations" / "versions" / p.name).exists()]
        assert len(new_revisions) == 1
        revision = new_revisions[0].read_text(encoding="utf-8")
        assert "shoe_size" in revision and "trainings" in revision

        app = make_app(url, tmp_path / "instance", PORTAL_SCHEMAS_DIR=str(schemas),
                       PORTAL_MIGRATIONS_DIR=str(migrations))
        from portal.security.accounts import create_user
        from portal.security.sync import sync_roles

        sync_roles(app)
        with app.app_context():
            create_user("admin", ADMIN_PASSWORD, "admin")
        client = app.test_client()
        assert login(client).status_code == 302
        assert 'name="shoe_size"' in client.get("/members/add").get_data(as_text=True)
        assert client.post("/api/v1/org_units/", json={"code": "A", "name": "一厂工会", "unit_type": "基层工会"}
                           ).status_code == 201
        created = client.post("/api/v1/members/", json={"name": "钱七", "id_card": "11010519491231002X",
                                                        "org_unit": "A", "shoe_size": 42})
        assert created.status_code == 201, created.get_json()
        assert "鞋码" in client.get("/members/list/").get_data(as_text=True)
        assert ">42<" in client.get("/members/list/").get_data(as_text=True).replace(" ", "").replace("\n", "")
        too_big = client.post("/api/v1/members/", json={"name": "孙八", "id_card": "440524188001010014",
                                                        "org_unit": "A", "shoe_size": 99})
        assert too_big.get_json()["message"]["shoe_size"] == ["鞋码不能大于 50（当前为 99）"]
        spec = client.get("/api/v1/_openapi").get_json()
        assert "shoe_size" in spec["components"]["schemas"]["MembersApi.post"]["properties"]
        assert "/api/v1/trainings/" in spec["paths"]
        training = client.post("/api/v1/trainings/", json={"training_no": "T1", "course": "安全生产",
                                                           "member": "11010519491231002X", "org_unit": "A",
                                                           "hours": 8})
        assert training.status_code == 201, training.get_json()
        assert "安全生产" in client.get("/trainings/list/").get_data(as_text=True)
    finally:
        if url.startswith("postgresql"):
            drop_postgres_database(url)
