"""SQL repository for experiments and their tags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import ACTIVE, Experiment, KeyValue, Page
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql import paging, upsert
from atrium.stores.sql.database import inserted_id
from atrium.stores.sql.errors import unique_violation_as
from atrium.stores.sql.filters import Condition, compare, key_value_match
from atrium.stores.sql.schema import experiment_tags, experiments
from atrium.stores.sql.scoping import in_workspace

_ATTRIBUTES = {
    "name": experiments.c.name,
    "experiment_id": experiments.c.experiment_id,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
}


_GET_BY_ID = in_workspace(sa.select(experiments), experiments, sa.bindparam("workspace")).where(
    experiments.c.experiment_id == sa.bindparam("experiment_id")
)
_TAGS_OF = sa.select(experiment_tags).where(
    experiment_tags.c.experiment_id.in_(sa.bindparam("ids", expanding=True))
)


def lifecycle_condition(column: sa.ColumnElement[str], view_type: str) -> Condition:
    if view_type == "DELETED_ONLY":
        return column == "deleted"
    if view_type == "ALL":
        return sa.true()
    return column == ACTIVE


class SqlExperimentRepository:
    """Experiments of one transaction; every query is confined to a workspace."""

    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def create(
        self,
        workspace: str,
        name: str,
        location_for: Callable[[str], str],
        tags: Sequence[KeyValue],
        now: int,
        experiment_id: int | None = None,
    ) -> str:
        values: dict[str, Any] = {
            "workspace": workspace,
            "name": name,
            "artifact_location": "",
            "creation_time": now,
            "last_update_time": now,
        }
        if experiment_id is not None:
            values["experiment_id"] = experiment_id
        with unique_violation_as(f"Experiment '{name}' already exists."):
            result = self._conn.execute(experiments.insert().values(**values))
        new_id = str(inserted_id(result))
        self._conn.execute(
            experiments.update()
            .where(experiments.c.experiment_id == int(new_id))
            .values(artifact_location=location_for(new_id))
        )
        self.set_tags(new_id, tags)
        return new_id

    def get(self, workspace: str, experiment_id: str, with_tags: bool = True) -> Experiment | None:
        key = _parse_id(experiment_id)
        if key is None:
            return None
        params = {"workspace": workspace, "experiment_id": key}
        found = self._hydrate(self._conn.execute(_GET_BY_ID, params).all(), with_tags)
        return found[0] if found else None

    def get_by_name(self, workspace: str, name: str) -> Experiment | None:
        found = self._select_many(workspace, experiments.c.name == name)
        return found[0] if found else None

    def exists_any(self, experiment_id: int) -> bool:
        statement = sa.select(experiments.c.experiment_id).where(
            experiments.c.experiment_id == experiment_id
        )
        return self._conn.execute(statement).first() is not None

    def rename(self, experiment_id: str, new_name: str, now: int) -> None:
        with unique_violation_as(f"Experiment '{new_name}' already exists."):
            self._update(experiment_id, name=new_name, last_update_time=now)

    def set_lifecycle(self, experiment_id: str, stage: str, now: int) -> None:
        self._update(experiment_id, lifecycle_stage=stage, last_update_time=now)

    def set_tags(self, experiment_id: str, tags: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, experiment_tags, int(experiment_id), tags)

    def delete_tag(self, experiment_id: str, key: str) -> bool:
        return upsert.delete_key(self._conn, experiment_tags, int(experiment_id), key)

    def search(
        self,
        workspace: str,
        view_type: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[Experiment]:
        token = paging.decode_token(page_token)
        conditions = [lifecycle_condition(experiments.c.lifecycle_stage, view_type)]
        conditions += [self._condition(c) for c in filters]
        snapshot = token.snapshot
        if snapshot is None:
            snapshot = self._max_id(workspace)
        conditions.append(experiments.c.experiment_id <= snapshot)
        ordering = [_order_clause(key) for key in order_by]
        if not any(key.key == "creation_time" for key in order_by):
            ordering.append(experiments.c.creation_time.desc())
        ordering.append(experiments.c.experiment_id.asc())
        statement = (
            in_workspace(sa.select(experiments), experiments, workspace)
            .where(*conditions)
            .order_by(*ordering)
            .offset(token.offset)
            .limit(max_results + 1)
        )
        rows = self._conn.execute(statement).all()
        items = self._hydrate(rows[:max_results])
        return Page(items, paging.next_token(len(rows), max_results, token, snapshot))

    def _max_id(self, workspace: str) -> int:
        statement = in_workspace(
            sa.select(sa.func.max(experiments.c.experiment_id)), experiments, workspace
        )
        return int(self._conn.execute(statement).scalar() or 0)

    def _condition(self, comparison: Comparison) -> Condition:
        if comparison.entity == "tag":
            return key_value_match(
                experiment_tags,
                experiments.c.experiment_id,
                comparison.key,
                comparison.op,
                comparison.value,
            )
        column = _ATTRIBUTES.get(comparison.key)
        if column is None:
            raise InvalidParameterValue(f"Invalid attribute key '{comparison.key}' specified.")
        value = comparison.value
        if comparison.key == "experiment_id":
            value = _coerce_ids(value)
        return compare(column, comparison.op, value)

    def _update(self, experiment_id: str, **values: Any) -> None:
        self._conn.execute(
            experiments.update()
            .where(experiments.c.experiment_id == int(experiment_id))
            .values(**values)
        )

    def _select_many(self, workspace: str, condition: Condition) -> list[Experiment]:
        statement = in_workspace(sa.select(experiments), experiments, workspace).where(condition)
        return self._hydrate(self._conn.execute(statement).all())

    def _hydrate(self, rows: Sequence[sa.Row[Any]], with_tags: bool = True) -> list[Experiment]:
        if not rows:
            return []
        ids = [row.experiment_id for row in rows]
        tag_rows = self._conn.execute(_TAGS_OF, {"ids": ids}).all() if with_tags else []
        by_id: dict[int, list[KeyValue]] = {}
        for tag in tag_rows:
            by_id.setdefault(tag.experiment_id, []).append(KeyValue(tag.key, tag.value))
        return [
            Experiment(
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_location=row.artifact_location,
                lifecycle_stage=row.lifecycle_stage,
                creation_time=row.creation_time,
                last_update_time=row.last_update_time,
                workspace=row.workspace,
                tags=tuple(by_id.get(row.experiment_id, ())),
            )
            for row in rows
        ]


def _parse_id(experiment_id: str) -> int | None:
    try:
        value = int(experiment_id)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value < 2**31 else None


def _coerce_ids(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(i for i in (_parse_id(v) for v in value) if i is not None)
    parsed = _parse_id(str(value))
    return parsed if parsed is not None else -1


def _order_clause(key: OrderKey) -> sa.UnaryExpression[Any]:
    column = _ATTRIBUTES[key.key]
    return column.asc() if key.ascending else column.desc()
