"""Bulk reads straight from the DB-API cursor, for result sets of many thousands of rows.

SQLAlchemy's Row objects cost more than the query itself when a metric history returns
100,000 points; statements compiled once per dialect and read as plain tuples avoid that.
"""

from __future__ import annotations

from functools import cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa


@cache
def _compiled(
    statement: sa.Select[Any] | sa.Insert, dialect: sa.Dialect
) -> tuple[str, tuple[str, ...] | None]:
    compiled = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), order


def fetch_tuples(
    connection: sa.Connection, statement: sa.Select[Any], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Run a statement built from named ``bindparam``s; return rows as plain tuples."""
    sql, order = _compiled(statement, connection.dialect)
    arguments: Any = tuple(params[name] for name in order) if order else params
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, arguments)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def fetch_first(
    connection: sa.Connection, statement: sa.Select[Any], params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of a statement built from named ``bindparam``s, as a plain tuple."""
    sql, order = _compiled(statement, connection.dialect)
    arguments: Any = tuple(params[name] for name in order) if order else params
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, arguments)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def insert_many(
    connection: sa.Connection, statement: sa.Insert, rows: list[dict[str, Any]]
) -> None:
    """``executemany`` of a plain INSERT without SQLAlchemy's per-row parameter processing."""
    sql, order = _compiled(statement, connection.dialect)
    arguments: Any = rows
    if order:  # positional placeholders: pick each row's values in order, in C
        pick = itemgetter(*order)
        arguments = [pick(row) for row in rows] if len(order) > 1 else [(pick(r),) for r in rows]
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, arguments)
    finally:
        cursor.close()
