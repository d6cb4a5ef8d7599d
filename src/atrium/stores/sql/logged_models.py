"""SQL repository for 3.x logged models, their params and tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import KeyValue, LoggedModel, Page
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql import paging, upsert
from atrium.stores.sql.database import inserted_id
from atrium.stores.sql.filters import Condition, compare, key_value_match, nulls_last
from atrium.stores.sql.metrics import SqlMetricRepository
from atrium.stores.sql.schema import (
    logged_model_params,
    logged_model_tags,
    logged_models,
    metrics,
)
from atrium.stores.sql.scoping import in_workspace

_ATTRIBUTES: dict[str, sa.ColumnElement[Any]] = {
    "name": logged_models.c.name,
    "model_id": logged_models.c.model_id,
    "model_type": logged_models.c.model_type,
    "status": logged_models.c.status,
    "source_run_id": logged_models.c.source_run_id,
    "creation_timestamp": logged_models.c.creation_timestamp_ms,
    "creation_time": logged_models.c.creation_timestamp_ms,
    "last_updated_timestamp": logged_models.c.last_updated_timestamp_ms,
    "last_updated_time": logged_models.c.last_updated_timestamp_ms,
    "experiment_id": logged_models.c.experiment_id,
}


class SqlLoggedModelRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def create(self, workspace: str, model: LoggedModel) -> None:
        result = self._conn.execute(
            logged_models.insert().values(
                model_id=model.model_id,
                workspace=workspace,
                experiment_id=int(model.experiment_id),
                name=model.name,
                artifact_uri=model.artifact_uri,
                status=model.status,
                model_type=model.model_type,
                source_run_id=model.source_run_id,
                creation_timestamp_ms=model.creation_timestamp_ms,
                last_updated_timestamp_ms=model.last_updated_timestamp_ms,
            )
        )
        pk = inserted_id(result)
        self.set_params(pk, model.params)
        self.set_tags(pk, model.tags)

    def find_pk(self, workspace: str, model_id: str, allow_deleted: bool = False) -> int | None:
        statement = in_workspace(sa.select(logged_models.c.id), logged_models, workspace).where(
            logged_models.c.model_id == model_id
        )
        if not allow_deleted:
            statement = statement.where(logged_models.c.lifecycle_stage == "active")
        found = self._conn.execute(statement).scalar()
        return None if found is None else int(found)

    def get(self, pk: int) -> LoggedModel:
        row = self._conn.execute(sa.select(logged_models).where(logged_models.c.id == pk)).one()
        return self._hydrate([row])[0]

    def update(self, pk: int, **values: Any) -> None:
        self._conn.execute(logged_models.update().where(logged_models.c.id == pk).values(**values))

    def set_params(self, pk: int, model_params: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, logged_model_params, pk, model_params)

    def set_tags(self, pk: int, model_tags: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, logged_model_tags, pk, model_tags)

    def delete_tag(self, pk: int, key: str) -> bool:
        return upsert.delete_key(self._conn, logged_model_tags, pk, key)

    def search(
        self,
        workspace: str,
        experiment_ids: Sequence[int],
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[LoggedModel]:
        token = paging.decode_token(page_token)
        snapshot = token.snapshot
        if snapshot is None:
            latest = in_workspace(
                sa.select(sa.func.max(logged_models.c.id)), logged_models, workspace
            )
            snapshot = int(self._conn.execute(latest).scalar() or 0)
        statement = in_workspace(sa.select(logged_models), logged_models, workspace).where(
            logged_models.c.experiment_id.in_(list(experiment_ids)),
            logged_models.c.lifecycle_stage == "active",
            logged_models.c.id <= snapshot,
            *[_condition(c) for c in filters],
        )
        clauses: list[Any] = []
        for key in order_by:
            clauses += nulls_last(_order_column(key), key.ascending)
        clauses += [logged_models.c.creation_timestamp_ms.desc(), logged_models.c.model_id.asc()]
        statement = statement.order_by(*clauses).offset(token.offset).limit(max_results + 1)
        rows = self._conn.execute(statement).all()
        items = self._hydrate(rows[:max_results])
        return Page(items, paging.next_token(len(rows), max_results, token, snapshot))

    def _hydrate(self, rows: Sequence[Any]) -> list[LoggedModel]:
        pks = [row.id for row in rows]
        model_params = _grouped(self._conn, logged_model_params, pks)
        model_tags = _grouped(self._conn, logged_model_tags, pks)
        metric_repo = SqlMetricRepository(self._conn)
        return [
            LoggedModel(
                model_id=row.model_id,
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_uri=row.artifact_uri,
                status=row.status,
                creation_timestamp_ms=row.creation_timestamp_ms,
                last_updated_timestamp_ms=row.last_updated_timestamp_ms,
                model_type=row.model_type,
                source_run_id=row.source_run_id,
                status_message=row.status_message,
                tags=tuple(model_tags.get(row.id, ())),
                params=tuple(model_params.get(row.id, ())),
                metrics=tuple(metric_repo.for_model(row.model_id)),
            )
            for row in rows
        ]


def _unique(items: Sequence[KeyValue]) -> dict[str, str]:
    return {item.key: item.value for item in items}


def _grouped(conn: sa.Connection, table: sa.Table, pks: list[int]) -> dict[int, list[KeyValue]]:
    grouped: dict[int, list[KeyValue]] = {}
    for row in conn.execute(sa.select(table).where(table.c.model_pk.in_(pks))):
        grouped.setdefault(row.model_pk, []).append(KeyValue(row.key, row.value))
    return grouped


def _metric_value(key: str) -> sa.ColumnElement[Any]:
    return (
        sa.select(metrics.c.value)
        .where(metrics.c.model_id == logged_models.c.model_id, metrics.c.key == key)
        .order_by(metrics.c.step.desc(), metrics.c.timestamp.desc())
        .limit(1)
        .scalar_subquery()
    )


def _condition(comparison: Comparison) -> Condition:
    entity, key, op, value = comparison.entity, comparison.key, comparison.op, comparison.value
    if entity == "metric":
        return compare(_metric_value(key), op, value)
    if entity == "param":
        return key_value_match(logged_model_params, logged_models.c.id, key, op, value)
    if entity == "tag":
        return key_value_match(logged_model_tags, logged_models.c.id, key, op, value)
    column = _ATTRIBUTES.get(key)
    if column is None:
        raise InvalidParameterValue(f"Invalid attribute key '{key}' specified.")
    return compare(column, op, value)


def _order_column(key: OrderKey) -> sa.ColumnElement[Any]:
    if key.entity == "metric":
        return _metric_value(key.key)
    column = _ATTRIBUTES.get(key.key)
    if column is None:
        raise InvalidParameterValue(f"Invalid order_by field '{key.key}' specified.")
    return column
