"""Schema migrations of the auth store: its own Alembic tree and its own version table."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from atrium.errors import InvalidState
from atrium.stores.auth.schema import VERSION_TABLE, metadata

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the auth migration tree has no head")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def _refuse_foreign_tables(connection: sa.Connection) -> None:
    """A table of ours that our tree did not create (MLflow's basic_auth.db has ``users``)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    if context.get_current_revision() is not None:
        return
    clashes = sorted(set(sa.inspect(connection).get_table_names()) & set(metadata.tables))
    if clashes:
        raise InvalidState(
            f"The auth database already has tables Atrium did not create ({', '.join(clashes)}), "
            "for example an MLflow basic_auth.db; point database_uri at a new database"
        )


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the auth tables behind ``engine`` up to ``revision`` in one transaction."""
    with engine.begin() as connection:
        _refuse_foreign_tables(connection)
        command.upgrade(alembic_config(connection), revision)
