"""SQL repository for runs: their info, params, tags, dataset inputs and model inputs/outputs."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from atrium.domain.entities import (
    Dataset,
    DatasetInput,
    KeyValue,
    ModelOutput,
    Page,
    Run,
    RunInfo,
)
from atrium.domain.search import Comparison, OrderKey
from atrium.stores.base import RunRecord
from atrium.stores.sql import upsert
from atrium.stores.sql.database import inserted_id
from atrium.stores.sql.raw import fetch_first, insert_many
from atrium.stores.sql.run_hydration import load_runs, run_info_from_row
from atrium.stores.sql.runs_search import search_runs
from atrium.stores.sql.schema import (
    datasets,
    params,
    run_dataset_inputs,
    run_model_io,
    runs,
    tags,
)
from atrium.stores.sql.scoping import in_workspace

CONTEXT_TAG = "mlflow.data.context"

_INSERT_RUN = runs.insert()
# Names for a ``runs`` row read as a plain tuple.
_RunColumns = namedtuple("_RunColumns", [c.name for c in runs.columns])  # type: ignore[misc]
_INSERT_TAGS = (
    tags.insert().inline().values({name: sa.bindparam(name) for name in ("run_id", "key", "value")})
)
# Built once: run lookups are on the path of every logging call.
_FIND_RUN = in_workspace(sa.select(runs), runs, sa.bindparam("workspace")).where(
    runs.c.run_uuid == sa.bindparam("run_uuid")
)


class SqlRunRepository:
    """Runs of one transaction; lookups by run id are confined to a workspace."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def create(self, workspace: str, info: RunInfo, run_tags: Sequence[KeyValue]) -> int:
        row = {
            "run_uuid": info.run_id,
            "workspace": workspace,
            "experiment_id": int(info.experiment_id),
            "name": info.run_name,
            "user_id": info.user_id,
            "status": info.status,
            "start_time": info.start_time,
            "end_time": info.end_time,
            "artifact_uri": info.artifact_uri,
            "lifecycle_stage": info.lifecycle_stage,
        }
        result = self._conn.execute(_INSERT_RUN, row)
        pk = inserted_id(result)
        unique = {t.key: t.value for t in run_tags}
        rows = [{"run_id": pk, "key": k, "value": v} for k, v in unique.items()]
        if rows:  # a new run has no tags yet: a plain insert, no upsert needed
            insert_many(self._conn, _INSERT_TAGS, rows)
        return pk

    def find(self, workspace: str, run_id: str) -> RunRecord | None:
        # On the path of every logging call: read as a plain tuple, columns in table order.
        row = fetch_first(self._conn, _FIND_RUN, {"workspace": workspace, "run_uuid": run_id})
        if row is None:
            return None
        return RunRecord(row[0], run_info_from_row(_RunColumns(*row)))

    def update(self, pk: int, **values: Any) -> None:
        self._conn.execute(runs.update().where(runs.c.id == pk).values(**values))

    def set_lifecycle_in_experiment(self, experiment_id: str, stage: str, now: int) -> None:
        """Move every run of an experiment along with it (delete or restore)."""
        deleted_time = now if stage == "deleted" else None
        self._conn.execute(
            runs.update()
            .where(runs.c.experiment_id == int(experiment_id), runs.c.lifecycle_stage != stage)
            .values(lifecycle_stage=stage, deleted_time=deleted_time)
        )

    def existing_params(self, pk: int, keys: Sequence[str]) -> dict[str, str]:
        statement = sa.select(params.c.key, params.c.value).where(
            params.c.run_id == pk, params.c.key.in_(list(keys))
        )
        return {row.key: row.value for row in self._conn.execute(statement)}

    def insert_params(self, pk: int, new_params: Sequence[KeyValue]) -> None:
        if new_params:
            self._conn.execute(
                params.insert(),
                [{"run_id": pk, "key": p.key, "value": p.value} for p in new_params],
            )

    def set_tags(self, pk: int, run_tags: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, tags, pk, run_tags)

    def delete_tag(self, pk: int, key: str) -> bool:
        return upsert.delete_key(self._conn, tags, pk, key)

    def add_dataset_inputs(
        self, pk: int, experiment_id: str, inputs: Sequence[DatasetInput]
    ) -> None:
        for item in inputs:
            dataset_pk = self._dataset_pk(int(experiment_id), item.dataset)
            context = next((t.value for t in item.tags if t.key == CONTEXT_TAG), None)
            tags_json = orjson.dumps([[t.key, t.value] for t in item.tags]).decode()
            row = {
                "run_id": pk,
                "dataset_id": dataset_pk,
                "tags_json": tags_json,
                "context": context,
            }
            upsert.replace_rows(
                self._conn,
                run_dataset_inputs,
                [row],
                ("run_id", "dataset_id"),
                ("tags_json", "context"),
            )

    def add_model_io(self, pk: int, direction: str, models: Sequence[ModelOutput]) -> None:
        rows = [
            {"run_id": pk, "direction": direction, "model_id": m.model_id, "step": m.step}
            for m in models
        ]
        if rows:
            upsert.replace_rows(
                self._conn, run_model_io, rows, ("run_id", "direction", "model_id"), ("step",)
            )

    def _dataset_pk(self, experiment_id: int, dataset: Dataset) -> int:
        match = sa.and_(
            datasets.c.experiment_id == experiment_id,
            datasets.c.name == dataset.name,
            datasets.c.digest == dataset.digest,
        )
        existing = self._conn.execute(sa.select(datasets.c.id).where(match)).scalar()
        if existing is not None:
            return int(existing)
        result = self._conn.execute(
            datasets.insert().values(
                experiment_id=experiment_id,
                name=dataset.name,
                digest=dataset.digest,
                source_type=dataset.source_type,
                source=dataset.source,
                schema=dataset.schema,
                profile=dataset.profile,
            )
        )
        return inserted_id(result)

    def load_runs(self, rows: Sequence[Any]) -> list[Run]:
        return load_runs(self._conn, rows)

    def search(
        self,
        workspace: str,
        experiment_ids: Sequence[int],
        view_type: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[Run]:
        return search_runs(
            self._conn,
            workspace,
            experiment_ids,
            view_type,
            filters,
            order_by,
            max_results,
            page_token,
        )

    def get_run(self, workspace: str, run_id: str) -> Run | None:
        row = self._conn.execute(_FIND_RUN, {"workspace": workspace, "run_uuid": run_id}).first()
        return None if row is None else self.load_runs([row])[0]
