"""The migrations in migrations/ produce exactly the tables the schemas describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from portal.models import compared_by_alembic


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_schemas_and_migrations_agree(app: Any) -> None:
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": compared_by_alembic})
        differences = compare_metadata(context, [Model.metadata, app.extensions["portal"].models.metadata])
    assert differences == [], (
        "schemas/ 与 migrations/ 不一致，请运行 portal db migrate -m \"说明\" 生成迁移：" + repr(differences))


def test_a_pinyin_ordered_list_has_its_index_on_postgresql(app: Any) -> None:
    """The members list's default order (name, pinyin) reads an index where the server has the collation."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.records.collation import has_pinyin_collation

    with app.app_context():
        names = {index["name"] for index in sa.inspect(db.engine).get_indexes("members")}
        if has_pinyin_collation(db.session):
            assert "ix_members_name_pinyin" in names
        else:
            assert "ix_members_name_pinyin" not in names
