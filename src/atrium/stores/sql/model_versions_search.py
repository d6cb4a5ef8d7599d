"""The SQL of a model-version search page: filters, ordering and the snapshot bound.

A page is found in two steps inside one statement: the filtered, ordered ids (narrow rows are
cheap to sort), then the full rows of just that page, ordered again. Sorting every matching row
with all its columns would cost more than the rest of the search together.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from atrium.domain.registry_rules import PROMPT_TAG
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql.filters import Condition, compare, key_value_match, nulls_last
from atrium.stores.sql.raw import Compiled, compile_statement, fetch_compiled, fetch_first
from atrium.stores.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)
from atrium.stores.sql.scoping import in_workspace

ATTRIBUTES: dict[str, sa.ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "run_id": model_versions.c.run_id,
    "source_path": model_versions.c.source,
    "version_number": model_versions.c.version,
    "creation_timestamp": model_versions.c.creation_timestamp,
    "last_updated_timestamp": model_versions.c.last_updated_timestamp,
}
JOINED = model_versions.join(registered_models, registered_models.c.id == model_versions.c.model_pk)
# What a version is built from, in this order (see ``SqlModelVersionRepository.hydrate``).
COLUMNS = (
    model_versions.c.id,
    model_versions.c.model_pk,
    registered_models.c.name,
    model_versions.c.version,
    model_versions.c.creation_timestamp,
    model_versions.c.last_updated_timestamp,
    model_versions.c.current_stage,
    model_versions.c.source,
    model_versions.c.status,
    model_versions.c.user_id,
    model_versions.c.description,
    model_versions.c.run_id,
    model_versions.c.run_link,
    model_versions.c.model_id,
    model_versions.c.status_message,
    model_versions.c.storage_location,
)

# The snapshot bound of a first page: the newest version of the workspace.
_LATEST = in_workspace(
    sa.select(sa.func.max(model_versions.c.id)).select_from(JOINED),
    registered_models,
    sa.bindparam("workspace"),
)


def latest_version_id(connection: sa.Connection, workspace: str) -> int:
    found = fetch_first(connection, _LATEST, {"workspace": workspace})
    return int(found[0] or 0) if found else 0


def not_prompt(model_pk_column: sa.ColumnElement[Any]) -> Condition:
    return ~sa.exists().where(
        registered_model_tags.c.model_pk == model_pk_column,
        registered_model_tags.c.key == PROMPT_TAG,
        sa.func.lower(registered_model_tags.c.value) == "true",
    )


# How a filter clause is compiled: entity, attribute key (tags: None, the key is a value) and
# operator. Clauses of the same shapes share one statement; only their values change.
Shape = tuple[tuple[str, str | None, str], ...]
_LISTS = ("IN", "NOT IN")
_NO_VALUE = ("IS NULL", "IS NOT NULL")


def _shape(filters: Sequence[Comparison]) -> Shape | None:
    """The filter's shape; None when it holds value lists, which are bound one by one."""
    if any(c.op in _LISTS for c in filters):
        return None
    return tuple((c.entity, None if c.entity == "tag" else c.key, c.op) for c in filters)


def _values(filters: Sequence[Comparison]) -> dict[str, Any]:
    """The parameters of a statement compiled from ``_shape(filters)``."""
    values: dict[str, Any] = {}
    for i, c in enumerate(filters):
        if c.op not in _NO_VALUE:
            values[f"v{i}"] = c.value
        if c.entity == "tag":
            values[f"k{i}"] = c.key
    return values


def _condition(entity: str, key: Any, op: str, value: Any) -> Condition:
    if entity == "tag":
        return key_value_match(model_version_tags, model_versions.c.id, key, op, value)
    column = ATTRIBUTES.get(key)
    if column is None:
        raise InvalidParameterValue(f"Invalid attribute key '{key}' specified.")
    return compare(column, op, value)


def _bound_conditions(shape: Shape) -> list[Condition]:
    return [
        _condition(
            entity,
            sa.bindparam(f"k{i}") if entity == "tag" else key,
            op,
            None if op in _NO_VALUE else sa.bindparam(f"v{i}"),
        )
        for i, (entity, key, op) in enumerate(shape)
    ]


def _hides_prompts(filters: Sequence[Comparison]) -> bool:
    """Prompt versions stay hidden unless the filter itself asks about the prompt tag."""
    return not any(c.entity == "tag" and c.key == PROMPT_TAG for c in filters)


def _ordering(order_by: Sequence[OrderKey]) -> list[Any]:
    ordering: list[Any] = []
    for key in order_by:
        ordering += nulls_last(ATTRIBUTES[key.key], key.ascending)
    if not order_by:
        ordering.append(model_versions.c.last_updated_timestamp.desc())
    return [*ordering, registered_models.c.name.asc(), model_versions.c.version.desc()]


def _statement(
    conditions: list[Condition], order_by: Sequence[OrderKey], hides_prompts: bool
) -> sa.Select[Any]:
    """A page of versions with ids up to ``:snapshot``: ``:limit`` rows from ``:offset`` on."""
    conditions = [model_versions.c.id <= sa.bindparam("snapshot"), *conditions]
    if hides_prompts:
        conditions.append(not_prompt(registered_models.c.id))
    ordering = _ordering(order_by)
    page = (
        in_workspace(
            sa.select(model_versions.c.id).select_from(JOINED),
            registered_models,
            sa.bindparam("workspace"),
        )
        .where(*conditions)
        .order_by(*ordering)
        .offset(sa.bindparam("offset"))
        .limit(sa.bindparam("limit"))
        .subquery("page")
    )
    return (
        sa.select(*COLUMNS)
        .select_from(JOINED.join(page, page.c.id == model_versions.c.id))
        .order_by(*ordering)
    )


@lru_cache(maxsize=64)
def _compiled_page(
    shape: Shape, order: tuple[OrderKey, ...], hides_prompts: bool, dialect: sa.Dialect
) -> Compiled:
    return compile_statement(_statement(_bound_conditions(shape), order, hides_prompts), dialect)


def fetch_page(
    connection: sa.Connection,
    workspace: str,
    filters: Sequence[Comparison],
    order_by: Sequence[OrderKey],
    bounds: dict[str, int],
) -> Sequence[Sequence[Any]]:
    """Rows of ``COLUMNS`` for one page; ``bounds`` gives ``snapshot``, ``offset`` and ``limit``.

    Searches of one shape share a statement compiled once, so a page costs little more than
    the database's own work; filters with value lists are built and compiled per search.
    """
    params = {"workspace": workspace, **bounds}
    shape, hides_prompts = _shape(filters), _hides_prompts(filters)
    if shape is None:
        conditions = [_condition(c.entity, c.key, c.op, c.value) for c in filters]
        statement = _statement(conditions, order_by, hides_prompts)
        return connection.execute(statement, params).all()
    compiled = _compiled_page(shape, tuple(order_by), hides_prompts, connection.dialect)
    return fetch_compiled(connection, compiled, {**params, **_values(filters)})
