"""Alembic environment: runs migrations on the connection handed in by ``migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from atrium.stores.sql.schema import metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Atrium migrations run through atrium.stores.sql.migrate")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
