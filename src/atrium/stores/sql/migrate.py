"""Schema migrations: an Alembic tree upgrades a database to its newest revision.

Atrium has two trees sharing one mechanism: the tracking store's (this package) and the auth
store's, each with its own version table so both may live in one database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

DEFAULT_VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class MigrationTree:
    script_location: Path
    version_table: str = DEFAULT_VERSION_TABLE
    # Runs inside the upgrade transaction before any migration (e.g. to refuse foreign tables).
    before_upgrade: Callable[[sa.Connection, str | None], None] | None = None

    def config(self, connection: sa.Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(self.config()).get_current_head()
        if head is None:
            raise RuntimeError(f"the migration tree {self.script_location} has no head")
        return head

    def revision_of(self, connection: sa.Connection) -> str | None:
        opts = {"version_table": self.version_table}
        return MigrationContext.configure(connection, opts=opts).get_current_revision()

    def current_revision(self, engine: sa.Engine) -> str | None:
        with engine.connect() as connection:
            return self.revision_of(connection)

    def upgrade(self, engine: sa.Engine, revision: str = "head") -> None:
        """Bring the database behind ``engine`` up to ``revision`` in one transaction."""
        with engine.begin() as connection:
            if self.before_upgrade is not None:
                self.before_upgrade(connection, self.revision_of(connection))
            command.upgrade(self.config(connection), revision)


def run_environment(metadata: sa.MetaData, **options: Any) -> None:
    """The body of a tree's Alembic ``env.py``: migrate the connection ``upgrade`` handed in."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Atrium migrations run through MigrationTree.upgrade")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


TRACKING = MigrationTree(Path(__file__).parent / "migrations")
alembic_config = TRACKING.config
head_revision = TRACKING.head_revision
current_revision = TRACKING.current_revision
upgrade = TRACKING.upgrade
