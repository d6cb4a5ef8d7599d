"""Dialect-aware ``INSERT ... ON CONFLICT`` for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


@cache
def _replace_statement(
    dialect: str, table: sa.Table, key_columns: tuple[str, ...], update_columns: tuple[str, ...]
) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: statement.excluded[name] for name in update_columns},
    )


def replace_rows(
    connection: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    key_columns: tuple[str, ...],
    update_columns: tuple[str, ...],
) -> None:
    """Insert rows, overwriting ``update_columns`` of rows whose key already exists."""
    statement = _replace_statement(connection.dialect.name, table, key_columns, update_columns)
    connection.execute(statement, list(rows))
