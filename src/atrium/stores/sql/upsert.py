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


def owner_column_name(table: sa.Table) -> str:
    """Key/value tables are keyed (owner, key); the owner is the first primary-key column."""
    return next(iter(table.primary_key.columns)).name


def replace_key_values(
    connection: sa.Connection, table: sa.Table, owner: int, items: Sequence[Any]
) -> None:
    """Upsert ``items`` (objects with ``key`` and ``value``) as rows of an owner's table; the
    last item wins for a repeated key."""
    owner_column = owner_column_name(table)
    latest = {item.key: item.value for item in items}
    rows = [{owner_column: owner, "key": key, "value": value} for key, value in latest.items()]
    if rows:
        replace_rows(connection, table, rows, (owner_column, "key"), ("value",))


def delete_key(connection: sa.Connection, table: sa.Table, owner: int, key: str) -> bool:
    """Remove one key of an owner; False when there was none."""
    owner_column = table.c[owner_column_name(table)]
    result = connection.execute(table.delete().where(owner_column == owner, table.c.key == key))
    return result.rowcount > 0
