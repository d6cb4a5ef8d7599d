"""Alembic environment of the auth tree: runs on the connection ``auth.migrate`` hands in.

Its version table and the table filter below let it share a database with the tracking tree.
"""

from __future__ import annotations

from alembic import context

from atrium.stores.auth.schema import VERSION_TABLE, metadata


def _own_table(name: str | None, type_: str, _parent_names: object) -> bool:
    """Autogenerate looks only at auth tables, never at the tracking store's."""
    return type_ != "table" or name in metadata.tables


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Auth migrations run through atrium.stores.auth.migrate")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=_own_table,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
