"""Compile parsed search comparisons (``domain.search``) into SQL expressions.

Each repository supplies how an entity maps onto its tables; this module holds the shared
operator semantics so every search API compares, matches and orders the same way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from atrium.errors import InvalidParameterValue
from atrium.stores.sql.upsert import owner_column_name

Condition = ColumnElement[bool]


_OPERATORS: dict[str, Callable[[Any, Any], Condition]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "LIKE": lambda column, value: column.like(value),
    "ILIKE": lambda column, value: column.ilike(value),
    "IN": lambda column, value: column.in_(list(value)),
    "NOT IN": lambda column, value: column.not_in(list(value)),
}


def compare(column: ColumnElement[Any], op: str, value: Any) -> Condition:
    """``column <op> value`` with MLflow's meaning of each operator."""
    apply = _OPERATORS.get(op)
    if apply is None:
        raise InvalidParameterValue(f"Invalid comparator '{op}'")
    return apply(column, value)


def key_value_match(
    table: sa.Table, owner_column: ColumnElement[Any], key: str, op: str, value: Any
) -> Condition:
    """Match rows owning a key/value row (tag, param, latest metric) that satisfies ``op``."""
    exists_key = sa.and_(table.c[owner_column_name(table)] == owner_column, table.c.key == key)
    if op == "IS NULL":
        return ~sa.exists().where(exists_key)
    if op == "IS NOT NULL":
        return sa.exists().where(exists_key)
    return sa.exists().where(exists_key, compare(table.c.value, op, value))


def nulls_last(expression: ColumnElement[Any], ascending: bool) -> list[ColumnElement[Any]]:
    """Order clauses that sort NULLs after every value in both directions, on every backend."""
    ordered = expression.asc() if ascending else expression.desc()
    return [sa.case((expression.is_(None), 1), else_=0).asc(), ordered]
