"""The migrations in migrations/ produce exactly the tables the schemas describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model


def test_schemas_and_migrations_agree(app: Any) -> None:
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, [Model.metadata, app.extensions["portal"].models.metadata])
    assert differences == [], (
        "schemas/ 与 migrations/ 不一致，请运行 portal db migrate -m \"说明\" 生成迁移：" + repr(differences))
