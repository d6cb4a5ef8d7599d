"""Statements run straight on the DB-API cursor: bulk reads, and the hottest point calls.

SQLAlchemy's Row objects cost more than the query itself when a metric history returns
100,000 points, and its per-statement overhead dominates a lookup of a few microseconds;
statements compiled once per dialect and read as plain tuples avoid both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

# A plain SELECT, or an INSERT/UPDATE ... RETURNING; its values all named ``bindparam``s.
Statement = sa.Select[Any] | sa.Insert | sa.Update


@cache
def _compiled(statement: Statement, dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
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
    connection: sa.Connection, statement: Statement, params: dict[str, Any]
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


IN_LIST_CHUNK = 1024


def in_list(count: int) -> list[sa.BindParameter[Any]]:
    """Parameters ``k0 .. k<count-1>``: the IN list of a :func:`fetch_for_keys` statement."""
    return [sa.bindparam(f"k{i}") for i in range(count)]


def fetch_for_keys(
    connection: sa.Connection,
    statement_for: Callable[[int], sa.Select[Any]],
    keys: Sequence[Any],
) -> list[tuple[Any, ...]]:
    """Rows of ``statement_for(n)``, a statement with an :func:`in_list` of ``n``, for all ``keys``.

    ``n`` is a power of two (up to :data:`IN_LIST_CHUNK`; the list is padded with its last key),
    so a memoised ``statement_for`` compiles a dozen statements at most, each once.
    """
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), IN_LIST_CHUNK):
        chunk = list(keys[start : start + IN_LIST_CHUNK])
        size = 1 << (len(chunk) - 1).bit_length()
        chunk += chunk[-1:] * (size - len(chunk))
        params = {f"k{i}": key for i, key in enumerate(chunk)}
        rows += fetch_tuples(connection, statement_for(size), params)
    return rows


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement's SQL for one dialect, its parameter order, and its literal values."""

    sql: str
    order: tuple[str, ...] | None
    defaults: dict[str, Any]


def compile_statement(statement: Statement, dialect: sa.Dialect) -> Compiled:
    """Compile once, to run many times with :func:`fetch_compiled` (the caller keeps it)."""
    compiled = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return Compiled(str(compiled), order, dict(compiled.params))


def fetch_compiled(
    connection: sa.Connection, compiled: Compiled, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Rows of a compiled statement, as plain tuples; ``params`` supply its named parameters."""
    values = {**compiled.defaults, **params}
    arguments: Any = tuple(values[name] for name in compiled.order) if compiled.order else values
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.sql, arguments)
        return list(cursor.fetchall())
    finally:
        cursor.close()
