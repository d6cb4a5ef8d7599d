"""Compile a runs search (filter + order_by + paging) into one SQL query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import Page, Run
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql import paging
from atrium.stores.sql.experiments import lifecycle_condition
from atrium.stores.sql.filters import Condition, compare, key_value_match, nulls_last
from atrium.stores.sql.run_hydration import load_runs
from atrium.stores.sql.schema import (
    datasets,
    latest_metrics,
    params,
    run_dataset_inputs,
    runs,
    tags,
)
from atrium.stores.sql.scoping import in_workspace

_ATTRIBUTES: dict[str, sa.ColumnElement[Any]] = {
    "run_id": runs.c.run_uuid,
    "run_name": runs.c.name,
    "user_id": runs.c.user_id,
    "status": runs.c.status,
    "artifact_uri": runs.c.artifact_uri,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
    "lifecycle_stage": runs.c.lifecycle_stage,
}
_DATASET_COLUMNS: dict[str, sa.ColumnElement[Any]] = {
    "name": datasets.c.name,
    "digest": datasets.c.digest,
    "context": run_dataset_inputs.c.context,
}
_KEY_VALUE_TABLES = {"param": params, "tag": tags}


def _condition(comparison: Comparison) -> Condition:
    entity, key, op, value = comparison.entity, comparison.key, comparison.op, comparison.value
    if entity == "metric":
        if op in ("IS NULL", "IS NOT NULL"):
            return key_value_match(latest_metrics, runs.c.id, key, op, None)
        match = sa.and_(
            latest_metrics.c.run_id == runs.c.id,
            latest_metrics.c.key == key,
            ~latest_metrics.c.is_nan,
            compare(latest_metrics.c.value, op, value),
        )
        return sa.exists().where(match)
    if entity in _KEY_VALUE_TABLES:
        return key_value_match(_KEY_VALUE_TABLES[entity], runs.c.id, key, op, value)
    if entity == "dataset":
        column = _DATASET_COLUMNS.get(key)
        if column is None:
            raise InvalidParameterValue(f"Invalid dataset key '{key}' specified.")
        return sa.exists().where(
            run_dataset_inputs.c.run_id == runs.c.id,
            datasets.c.id == run_dataset_inputs.c.dataset_id,
            compare(column, op, value),
        )
    column = _ATTRIBUTES.get(key)
    if column is None:
        raise InvalidParameterValue(f"Invalid attribute key '{key}' specified.")
    return compare(column, op, value)


def _ordering(
    statement: sa.Select[Any], order_by: Sequence[OrderKey]
) -> tuple[sa.Select[Any], list[Any]]:
    clauses: list[Any] = []
    for index, key in enumerate(order_by):
        if key.entity == "attribute":
            column = _ATTRIBUTES.get(key.key)
            if column is None:
                raise InvalidParameterValue(f"Invalid order_by key '{key.key}' specified.")
            clauses += nulls_last(column, key.ascending)
            continue
        table = {"metric": latest_metrics, "param": params, "tag": tags}.get(key.entity)
        if table is None:
            raise InvalidParameterValue(f"Invalid order_by entity '{key.entity}' specified.")
        alias = table.alias(f"order_{index}")
        statement = statement.outerjoin(
            alias, sa.and_(alias.c.run_id == runs.c.id, alias.c.key == key.key)
        )
        if key.entity == "metric":
            # Numbers first, then NaN, then runs without the metric, in either direction.
            rank = sa.case((alias.c.value.is_(None), 2), (alias.c.is_nan, 1), else_=0)
            clauses += [rank.asc(), alias.c.value.asc() if key.ascending else alias.c.value.desc()]
        else:
            clauses += nulls_last(alias.c.value, key.ascending)
    if not any(k.entity == "attribute" and k.key == "start_time" for k in order_by):
        clauses.append(runs.c.start_time.desc())
    clauses.append(runs.c.run_uuid.asc())
    return statement, clauses


def search_runs(
    connection: sa.Connection,
    workspace: str,
    experiment_ids: Sequence[int],
    view_type: str,
    filters: Sequence[Comparison],
    order_by: Sequence[OrderKey],
    max_results: int,
    page_token: str | None,
) -> Page[Run]:
    token = paging.decode_token(page_token)
    snapshot = token.snapshot
    if snapshot is None:
        latest = in_workspace(sa.select(sa.func.max(runs.c.id)), runs, workspace)
        snapshot = int(connection.execute(latest).scalar() or 0)
    statement = in_workspace(sa.select(runs), runs, workspace).where(
        runs.c.experiment_id.in_(list(experiment_ids)),
        lifecycle_condition(runs.c.lifecycle_stage, view_type),
        runs.c.id <= snapshot,
        *[_condition(c) for c in filters],
    )
    statement, clauses = _ordering(statement, order_by)
    statement = statement.order_by(*clauses).offset(token.offset).limit(max_results + 1)
    rows = connection.execute(statement).all()
    found = load_runs(connection, rows[:max_results])
    return Page(found, paging.next_token(len(rows), max_results, token, snapshot))
