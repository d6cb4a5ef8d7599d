"""SQL repository for metric history and each run's latest value per key."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from atrium.domain.entities import HistoryRow, Metric, MetricHistory
from atrium.stores.sql import paging
from atrium.stores.sql.raw import fetch_tuples, insert_many
from atrium.stores.sql.run_hydration import metric_from_row
from atrium.stores.sql.schema import latest_metrics, metrics, runs


def _sort_key(metric: Metric) -> tuple[int, int, float]:
    # MLflow's "latest": the greatest (step, timestamp, value); NaN ranks lowest.
    value = metric.value if not math.isnan(metric.value) else -math.inf
    return (metric.step, metric.timestamp, value)


_ROW_COLUMNS = (
    "run_id",
    "key",
    "value",
    "is_nan",
    "timestamp",
    "step",
    "model_id",
    "dataset_name",
    "dataset_digest",
)


def _point_key(metric: Metric) -> tuple[str, int, int, float | str]:
    value: float | str = "nan" if math.isnan(metric.value) else metric.value
    return (metric.key, metric.step, metric.timestamp, value)


def _row(run_pk: int, metric: Metric) -> dict[str, Any]:
    is_nan = math.isnan(metric.value)
    return {
        "run_id": run_pk,
        "key": metric.key,
        "value": 0.0 if is_nan else metric.value,
        "is_nan": is_nan,
        "timestamp": metric.timestamp,
        "step": metric.step,
        "model_id": metric.model_id,
        "dataset_name": metric.dataset_name,
        "dataset_digest": metric.dataset_digest,
    }


@cache
def _latest_upsert(dialect: str) -> Any:
    """``latest_metrics`` upsert that only ever raises a key's value; built once per dialect."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(latest_metrics)
    new = statement.excluded
    old = latest_metrics.c
    newer = sa.or_(
        new.step > old.step,
        sa.and_(
            new.step == old.step,
            sa.or_(
                new.timestamp > old.timestamp,
                sa.and_(
                    new.timestamp == old.timestamp,
                    sa.or_(old.is_nan, sa.and_(~new.is_nan, new.value > old.value)),
                ),
            ),
        ),
    )
    return statement.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={name: new[name] for name in ("value", "is_nan", "timestamp", "step", "model_id")},
        where=newer,
    )


# Every column named, so the compiled INSERT takes exactly the keys ``_row`` produces.


@cache
def _insert_points(dialect: str) -> Any:
    """INSERT of history points that skips exact repeats.

    Every column is named, so the compiled statement takes exactly the keys ``_row`` produces.
    """
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(metrics)
    values = insert.inline().values({name: sa.bindparam(name) for name in _ROW_COLUMNS})
    return values.on_conflict_do_nothing()


_HISTORY = (
    sa.select(
        metrics.c.value, metrics.c.is_nan, metrics.c.timestamp, metrics.c.step, metrics.c.model_id
    )
    .where(metrics.c.run_id == sa.bindparam("run_id"), metrics.c.key == sa.bindparam("key"))
    .order_by(metrics.c.step, metrics.c.timestamp, metrics.c.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


class SqlMetricRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def log(self, run_pk: int, batch: Sequence[Metric]) -> None:
        """Append every metric to the history and raise each key's latest value if newer."""
        if not batch:
            return
        rows = list({_point_key(m): _row(run_pk, m) for m in batch}.values())
        insert_many(self._conn, _insert_points(self._conn.dialect.name), rows)
        # Sorted ascending, the last metric seen for each key is its newest.
        newest = {metric.key: metric for metric in sorted(batch, key=_sort_key)}
        self._raise_latest(run_pk, list(newest.values()))

    def _raise_latest(self, run_pk: int, candidates: list[Metric]) -> None:
        rows = [_row(run_pk, m) for m in candidates]
        for row in rows:
            del row["dataset_name"], row["dataset_digest"]
        insert_many(self._conn, _latest_upsert(self._conn.dialect.name), rows)

    def history(
        self, run_pk: int, key: str, max_results: int, page_token: str | None
    ) -> MetricHistory:
        token = paging.decode_token(page_token)
        params = {"run_id": run_pk, "key": key, "offset": token.offset, "limit": max_results + 1}
        rows: list[HistoryRow] = fetch_tuples(self._conn, _HISTORY, params)
        next_token = paging.next_token(len(rows), max_results, token, None)
        if len(rows) > max_results:
            del rows[max_results:]
        return MetricHistory(key, rows, next_token)

    def bulk_interval(
        self,
        run_pks: dict[int, str],
        key: str,
        start_step: int | None,
        end_step: int | None,
        max_results: int,
    ) -> list[Metric]:
        """Up to ``max_results`` evenly spread points per run between the steps, plus the ends."""
        found: list[Metric] = []
        for pk, run_id in run_pks.items():
            conditions = [metrics.c.run_id == pk, metrics.c.key == key]
            if start_step is not None:
                conditions.append(metrics.c.step >= start_step)
            if end_step is not None:
                conditions.append(metrics.c.step <= end_step)
            steps = [
                row.step
                for row in self._conn.execute(
                    sa.select(metrics.c.step).where(*conditions).distinct().order_by(metrics.c.step)
                )
            ]
            chosen = _spread(steps, max_results)
            statement = (
                sa.select(metrics)
                .where(*conditions, metrics.c.step.in_(chosen))
                .order_by(metrics.c.step, metrics.c.timestamp)
            )
            for row in self._conn.execute(statement):
                metric = metric_from_row(row)
                found.append(
                    Metric(metric.key, metric.value, metric.timestamp, metric.step, run_id=run_id)
                )
        return found

    def keys_of_run(self, run_pk: int) -> list[str]:
        statement = sa.select(latest_metrics.c.key).where(latest_metrics.c.run_id == run_pk)
        return [row.key for row in self._conn.execute(statement)]

    def for_model(self, model_id: str) -> list[Metric]:
        statement = (
            sa.select(metrics, runs.c.run_uuid)
            .join(runs, runs.c.id == metrics.c.run_id)
            .where(metrics.c.model_id == model_id)
            .order_by(metrics.c.key, metrics.c.step, metrics.c.timestamp)
        )
        result = []
        for row in self._conn.execute(statement):
            metric = metric_from_row(row)
            result.append(
                Metric(
                    metric.key,
                    metric.value,
                    metric.timestamp,
                    metric.step,
                    model_id=model_id,
                    dataset_name=row.dataset_name,
                    dataset_digest=row.dataset_digest,
                    run_id=row.run_uuid,
                )
            )
        return result


def _spread(steps: list[int], limit: int) -> list[int]:
    if len(steps) <= limit:
        return steps
    stride = (len(steps) - 1) / max(limit - 1, 1)
    picked = {steps[round(i * stride)] for i in range(limit)}
    picked.update((steps[0], steps[-1]))
    return sorted(picked)
