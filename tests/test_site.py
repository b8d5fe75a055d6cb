"""The site directory: a union's schemas, roles, migrations and data apart from the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portal import site
from portal.cli import main
from portal.config import build_config
from portal.site import SiteError, init_site, site_paths
from tests.conftest import drop_postgres_database, fresh_postgres_database, login

PROJECT = Path(__file__).resolve().parent.parent
SHOE_SIZE = {"name": "shoe_size", "type": "integer", "label": {"zh": "鞋码", "en": "Shoe size"}, "min": 30, "max": 50}


@pytest.fixture(autouse=True)
def no_site_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("PORTAL_SITE", "PORTAL_SCHEMAS_DIR", "PORTAL_MIGRATIONS_DIR", "PORTAL_ROLES_FILE",
                     "PORTAL_INSTANCE_DIR"):
        monkeypatch.delenv(variable, raising=False)


def add_shoe_size(root: Path) -> None:
    path = root / "schemas" / "members.yaml"
    members = yaml.safe_load(path.read_text(encoding="utf-8"))
    members["fields"].append(SHOE_SIZE)
    path.write_text(yaml.safe_dump(members, allow_unicode=True), encoding="utf-8")


def test_without_a_site_the_repository_is_the_site() -> None:
    paths = site_paths()
    assert paths.root == PROJECT
    assert (paths.schemas, paths.roles) == (PROJECT / "schemas", PROJECT / "permissions" / "roles.yaml")
    assert (paths.migrations, paths.instance) == (PROJECT / "migrations", PROJECT / "instance")


def test_init_copies_the_shipped_defaults(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "union")])
    assert result.exit_code == 0, result.output
    assert "已创建站点目录" in result.output
    root = tmp_path / "union"
    for name in ("schemas/members.yaml", "schemas/reports", "schemas/print", "permissions/roles.yaml",
                 "migrations/env.py", "migrations/alembic.ini", "instance"):
        assert (root / name).exists(), name
    shipped = sorted(p.name for p in (PROJECT / "migrations" / "versions").glob("*.py"))
    assert sorted(p.name for p in (root / "migrations" / "versions").glob("*.py")) == shipped
    assert not list(root.rglob("__pycache__"))


def test_init_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("本工会的笔记", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "已存在且不为空" in result.output and "未做任何修改" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CliRunner().invoke(main, ["init", str(empty)]).exit_code == 0


def test_the_site_comes_from_the_option_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = init_site(tmp_path / "union").root
    config = build_config({"PORTAL_SITE": str(root), "SECRET_KEY": "x"})
    assert config["PORTAL_SCHEMAS_DIR"] == str(root / "schemas")
    assert config["PORTAL_ROLES_FILE"] == str(root / "permissions" / "roles.yaml")
    assert config["PORTAL_MIGRATIONS_DIR"] == str(root / "migrations")
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{root / 'instance' / 'portal.db'}"
    monkeypatch.setenv("PORTAL_SITE", str(root))
    assert site_paths().schemas == root / "schemas"
    # A single path set on its own still wins over the site's.
    assert build_config({"PORTAL_SCHEMAS_DIR": "/elsewhere", "SECRET_KEY": "x"})["PORTAL_SCHEMAS_DIR"] == "/elsewhere"

    add_shoe_size(root)
    (root / "schemas" / "members.yaml").write_text("register: members\n  bad: [", encoding="utf-8")
    from_environment = CliRunner().invoke(main, ["check"])
    assert from_environment.exit_code == 1 and "members.yaml" in from_environment.output
    other = init_site(tmp_path / "other").root
    from_option = CliRunner().invoke(main, ["--site", str(other), "check"])
    assert from_option.exit_code == 0, from_option.output


def test_a_directory_that_is_not_a_site_is_named_with_the_fix(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--site", str(tmp_path / "nowhere"), "db", "current"])
    assert result.exit_code == 1
    assert "缺少 schemas" in result.output and f"portal init {tmp_path / 'nowhere'}" in result.output


def test_an_installed_package_reads_its_packaged_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "site-packages" / "portal" / "defaults"
    for name in site.SHIPPED:
        shutil.copytree(PROJECT / name, packaged / name)
    monkeypatch.setattr(site, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(site, "PACKAGED", packaged)
    paths = site_paths()
    assert paths.schemas == packaged / "schemas" and paths.migrations == packaged / "migrations"
    assert paths.instance == Path(sys.prefix) / "var" / "portal-instance"
    assert (init_site(tmp_path / "union").root / "schemas" / "members.yaml").is_file()
    monkeypatch.setattr(site, "PACKAGED", tmp_path / "missing")
    with pytest.raises(SiteError, match="重新安装程序包"):
        site_paths()


@pytest.mark.slow
def test_a_site_migrates_its_own_schema_change(database_url: str, tmp_path: Path) -> None:
    root = tmp_path / "union"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    url = fresh_postgres_database("portal_site") if database_url.startswith("postgresql") else None
    env = {"PORTAL_DATABASE_URL": url} if url else {}  # SQLite: the database lives in the site's instance/
    shipped = {p.name for p in (PROJECT / "migrations" / "versions").glob("*.py")}
    try:
        for command in (["db", "upgrade"], ["ensure-admin"]):
            result = runner.invoke(main, ["--site", str(root), *command], env=env, catch_exceptions=False)
            assert result.exit_code == 0, (command, result.output)
        assert (root / "instance" / "admin_password.txt").is_file()
        if not url:
            assert (root / "instance" / "portal.db").is_file()
        add_shoe_size(root)
        for command in (["db", "migrate", "-m", "shoe size"], ["db", "upgrade"]):
            result = runner.invoke(main, ["--site", str(root), *command], env=env, catch_exceptions=False)
            assert result.exit_code == 0, (command, result.output)
        added = [p for p in (root / "migrations" / "versions").glob("*.py") if p.name not in shipped]
        assert len(added) == 1 and "shoe_size" in added[0].read_text(encoding="utf-8")
        assert {p.name for p in (PROJECT / "migrations" / "versions").glob("*.py")} == shipped

        from portal import create_app

        app = create_app({"PORTAL_SITE": str(root), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          **({"SQLALCHEMY_DATABASE_URI": url} if url else {})})
        assert app.config["PORTAL_ROLES_FILE"] == str(root / "permissions" / "roles.yaml")
        client = app.test_client()
        password = (root / "instance" / "admin_password.txt").read_text(encoding="utf-8").strip()
        assert login(client, "admin", password).status_code == 302
        assert 'name="shoe_size"' in client.get("/members/add").get_data(as_text=True)
    finally:
        if url:
            drop_postgres_database(url)


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the files a release is made of (so the checkout gets no build/ folder)."""
    source = tmp_path / "source"
    for name in ("portal", "schemas", "permissions", "migrations"):
        shutil.copytree(PROJECT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.lock"))
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheel"),
                            str(source)], capture_output=True, text=True, timeout=240)
    if built.returncode and ("No matching distribution" in built.stderr or "NewConnectionError" in built.stderr):
        pytest.skip(f"无法从软件包源取得构建工具：{built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    return next((tmp_path / "wheel").glob("union_portal-*.whl"))


@pytest.mark.slow
def test_an_installed_wheel_works_with_a_site(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies come from the test environment; the portal itself only from the wheel.
    (Path(purelib) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=120)
    root = tmp_path / "union"
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    init = subprocess.run([str(venv / "bin" / "portal"), "init", str(root)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=environment)
    assert init.returncode == 0 and "已创建站点目录" in init.stdout, init.stderr
    shipped = len(list((PROJECT / "schemas").glob("*.yaml")))  # every register the repository ships
    steps = subprocess.run([str(python), "-c", STEPS, str(root), str(shipped)], cwd=tmp_path, capture_output=True, text=True,
                           timeout=240, env=environment)
    assert steps.returncode == 0, steps.stdout + steps.stderr
    assert steps.stdout.split("\n")[-2] == f"{Path(purelib) / 'portal' / '__init__.py'} 200 shoe_size"


#: Run by the installed wheel's Python in one process (each start of the portal costs seconds): the portal
#: command without a site (the packaged defaults), then on the site; last, where portal comes from, the
#: sign-in page (templates, static files and translations from the package) and the new column in the site's
#: database (instance/portal.db).
STEPS = """
import sys
from pathlib import Path
import yaml
from click.testing import CliRunner
import portal
from portal.cli import main

site, shipped = sys.argv[1], sys.argv[2]

def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.output

assert f"模式检查通过：{shipped} 个登记簿" in run("check")  # the defaults packed in the wheel
run("--site", site, "db", "upgrade")
assert "模式检查通过" in run("--site", site, "check")
path = Path(site) / "schemas" / "members.yaml"
members = yaml.safe_load(path.read_text(encoding="utf-8"))
members["fields"].append({"name": "shoe_size", "type": "integer", "label": {"zh": "鞋码", "en": "Shoe size"}})
path.write_text(yaml.safe_dump(members, allow_unicode=True), encoding="utf-8")
run("--site", site, "db", "migrate", "-m", "shoe size")
run("--site", site, "db", "upgrade")
assert any("shoe_size" in p.read_text(encoding="utf-8") for p in (Path(site) / "migrations" / "versions").glob("*.py"))
app = portal.create_app({"PORTAL_SITE": site})
with app.app_context():
    from sqlalchemy import inspect
    from portal.extensions import db
    columns = [column["name"] for column in inspect(db.engine).get_columns("members")]
print(portal.__file__, app.test_client().get("/login/").status_code, *[c for c in columns if c == "shoe_size"])
"""
