"""Parsed search filters and orderings: the plain values the parser hands to the SQL compiler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

Entity: TypeAlias = Literal["attribute", "metric", "param", "tag", "dataset"]

#: Every comparator the parser can produce, in the order error messages list them.
ALL_OPERATORS: tuple[str, ...] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
)

Value: TypeAlias = str | int | float | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One ``<entity>.<key> <op> <value>`` clause of an AND-ed filter.

    ``key`` is canonical for attributes (aliases resolved) and verbatim for metrics, params,
    tags and datasets. ``value`` is ``None`` for ``IS [NOT] NULL``, a tuple for ``[NOT] IN``,
    a float for metrics, an int or float for numeric attributes and a str otherwise.
    """

    entity: Entity
    key: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One ``order_by`` item.

    ``dataset_name``/``dataset_digest`` are only ever set by the logged-model order-by parser,
    for ``metrics.<key>`` items: the metric value is then taken from that dataset only.
    """

    entity: Entity
    key: str
    ascending: bool
    dataset_name: str | None = None
    dataset_digest: str | None = None
