"""Turn ``runs`` rows into full :class:`Run` entities with one query per child table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from atrium.domain.entities import (
    Dataset,
    DatasetInput,
    KeyValue,
    Metric,
    ModelOutput,
    Run,
    RunInfo,
)
from atrium.stores.sql.schema import (
    datasets,
    latest_metrics,
    params,
    run_dataset_inputs,
    run_model_io,
    tags,
)


def run_info_from_row(row: Any) -> RunInfo:
    return RunInfo(
        run_id=row.run_uuid,
        run_name=row.name,
        experiment_id=str(row.experiment_id),
        user_id=row.user_id,
        status=row.status,
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=row.lifecycle_stage,
    )


def load_runs(connection: sa.Connection, rows: Sequence[Any]) -> list[Run]:
    """Hydrate full runs for the given ``runs`` rows."""
    if not rows:
        return []
    children = _Children(connection, [row.id for row in rows])
    return [children.run(row.id, run_info_from_row(row)) for row in rows]


class _Children:
    """Child rows of a set of runs, grouped by run key."""

    def __init__(self, conn: sa.Connection, pks: list[int]) -> None:
        self.metrics = _group(
            conn, sa.select(latest_metrics).where(latest_metrics.c.run_id.in_(pks))
        )
        self.params = _group(conn, sa.select(params).where(params.c.run_id.in_(pks)))
        self.tags = _group(conn, sa.select(tags).where(tags.c.run_id.in_(pks)))
        self.models = _group(conn, sa.select(run_model_io).where(run_model_io.c.run_id.in_(pks)))
        self.inputs = _group(
            conn,
            sa.select(run_dataset_inputs.c.run_id, run_dataset_inputs.c.tags_json, datasets)
            .join(datasets, datasets.c.id == run_dataset_inputs.c.dataset_id)
            .where(run_dataset_inputs.c.run_id.in_(pks)),
        )

    def run(self, pk: int, info: RunInfo) -> Run:
        models = self.models.get(pk, [])
        return Run(
            info=info,
            metrics=tuple(metric_from_row(r) for r in self.metrics.get(pk, [])),
            params=tuple(KeyValue(r.key, r.value) for r in self.params.get(pk, [])),
            tags=tuple(KeyValue(r.key, r.value) for r in self.tags.get(pk, [])),
            dataset_inputs=tuple(_dataset_input(r) for r in self.inputs.get(pk, [])),
            model_inputs=tuple(r.model_id for r in models if r.direction == "input"),
            model_outputs=tuple(
                ModelOutput(r.model_id, r.step) for r in models if r.direction == "output"
            ),
        )


def _group(conn: sa.Connection, statement: sa.Select[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in conn.execute(statement):
        grouped.setdefault(row.run_id, []).append(row)
    return grouped


def metric_from_row(row: Any) -> Metric:
    return Metric(
        key=row.key,
        value=float("nan") if row.is_nan else row.value,
        timestamp=row.timestamp,
        step=row.step,
        model_id=row.model_id,
    )


def _dataset_input(row: Any) -> DatasetInput:
    dataset = Dataset(row.name, row.digest, row.source_type, row.source, row.schema, row.profile)
    input_tags = tuple(KeyValue(k, v) for k, v in orjson.loads(row.tags_json))
    return DatasetInput(dataset, input_tags)
