"""Alembic environment of the auth tree.

Its version table and the table filter below let it share a database with the tracking tree.
"""

from __future__ import annotations

from atrium.stores.auth.schema import VERSION_TABLE, metadata
from atrium.stores.sql.migrate import run_environment


def _own_table(name: str | None, type_: str, _parent_names: object) -> bool:
    """Autogenerate looks only at auth tables, never at the tracking store's."""
    return type_ != "table" or name in metadata.tables


run_environment(metadata, version_table=VERSION_TABLE, include_name=_own_table)
