"""Schema migrations of the auth store: its own Alembic tree and its own version table."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from atrium.errors import InvalidState
from atrium.stores.auth.schema import VERSION_TABLE, metadata
from atrium.stores.sql.migrate import MigrationTree


def _refuse_foreign_tables(connection: sa.Connection, revision: str | None) -> None:
    """A table of ours that our tree did not create (MLflow's basic_auth.db has ``users``)."""
    if revision is not None:
        return
    clashes = sorted(set(sa.inspect(connection).get_table_names()) & set(metadata.tables))
    if clashes:
        raise InvalidState(
            f"The auth database already has tables Atrium did not create ({', '.join(clashes)}), "
            "for example an MLflow basic_auth.db; point database_uri at a new database"
        )


AUTH = MigrationTree(Path(__file__).parent / "migrations", VERSION_TABLE, _refuse_foreign_tables)
alembic_config = AUTH.config
head_revision = AUTH.head_revision
current_revision = AUTH.current_revision
upgrade = AUTH.upgrade
