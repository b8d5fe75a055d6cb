"""Alembic environment: the target is FAB's security tables plus the registers built from schemas/."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app
from flask_appbuilder import Model

from portal.models import compared_by_alembic

# The pinyin order indexes (portal.models.pinyin_order_index) are made by their own migration and left out of the
# comparison (compared_by_alembic); alembic warns before it asks, on databases that cannot reflect such indexes.
warnings.filterwarnings("ignore", message=r"autogenerate skipping metadata-specified expression-based index '\w+_pinyin'")

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


config.set_main_option("sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%"))
target_metadata = [Model.metadata, current_app.extensions["portal"].models.metadata]


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("没有检测到模式变化，未生成迁移。")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("include_object", compared_by_alembic)
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
