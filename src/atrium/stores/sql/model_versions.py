"""SQL repository for model versions, their tags, and version search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import KeyValue, ModelVersion, Page
from atrium.domain.registry_rules import PROMPT_TAG
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql import paging, upsert
from atrium.stores.sql.database import inserted_id
from atrium.stores.sql.filters import Condition, compare, key_value_match, nulls_last
from atrium.stores.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from atrium.stores.sql.scoping import in_workspace

_ATTRIBUTES: dict[str, sa.ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "run_id": model_versions.c.run_id,
    "source_path": model_versions.c.source,
    "version_number": model_versions.c.version,
    "creation_timestamp": model_versions.c.creation_timestamp,
    "last_updated_timestamp": model_versions.c.last_updated_timestamp,
}
_JOINED = model_versions.join(
    registered_models, registered_models.c.id == model_versions.c.model_pk
)
_COLUMNS = (model_versions, registered_models.c.name)


# Built once: looked up or written on every registry call.
_INSERT_VERSION = model_versions.insert()
_FIND_PK = sa.select(model_versions.c.id).where(
    model_versions.c.model_pk == sa.bindparam("model_pk"),
    model_versions.c.version == sa.bindparam("version"),
)
_UPDATE_BY_PK = model_versions.update().where(model_versions.c.id == sa.bindparam("pk"))


def _condition(comparison: Comparison) -> Condition:
    if comparison.entity == "tag":
        return key_value_match(
            model_version_tags, model_versions.c.id, comparison.key, comparison.op, comparison.value
        )
    column = _ATTRIBUTES.get(comparison.key)
    if column is None:
        raise InvalidParameterValue(f"Invalid attribute key '{comparison.key}' specified.")
    return compare(column, comparison.op, comparison.value)


def _hides_prompts(filters: Sequence[Comparison]) -> bool:
    """Prompt versions stay hidden unless the filter itself asks about the prompt tag."""
    return not any(c.entity == "tag" and c.key == PROMPT_TAG for c in filters)


class SqlModelVersionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def create(self, model_pk: int, version: ModelVersion) -> int:
        row = {
            "model_pk": model_pk,
            "version": version.version,
            "creation_timestamp": version.creation_timestamp,
            "last_updated_timestamp": version.last_updated_timestamp,
            "user_id": version.user_id,
            "current_stage": version.current_stage,
            "description": version.description,
            "source": version.source,
            "storage_location": version.storage_location,
            "run_id": version.run_id,
            "run_link": version.run_link,
            "model_id": version.model_id,
            "status": version.status,
            "status_message": version.status_message,
        }
        result = self._conn.execute(_INSERT_VERSION, row)
        pk = inserted_id(result)
        self.set_tags(pk, version.tags)
        return pk

    def find_pk(self, model_pk: int, version: int) -> int | None:
        found = self._conn.execute(_FIND_PK, {"model_pk": model_pk, "version": version}).scalar()
        return None if found is None else int(found)

    def get(self, pk: int) -> ModelVersion:
        rows = self._conn.execute(
            sa.select(*_COLUMNS).select_from(_JOINED).where(model_versions.c.id == pk)
        ).all()
        return self.hydrate(rows)[0]

    def update(self, pk: int, **values: Any) -> None:
        self._conn.execute(
            model_versions.update().where(model_versions.c.id == pk).values(**values)
        )

    def delete(self, pk: int) -> None:
        row = self._conn.execute(
            sa.select(model_versions.c.model_pk, model_versions.c.version).where(
                model_versions.c.id == pk
            )
        ).one()
        self._conn.execute(
            registered_model_aliases.delete().where(
                registered_model_aliases.c.model_pk == row.model_pk,
                registered_model_aliases.c.version == row.version,
            )
        )
        self._conn.execute(model_versions.delete().where(model_versions.c.id == pk))

    def set_tags(self, pk: int, tags: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, model_version_tags, pk, tags)

    def delete_tag(self, pk: int, key: str) -> bool:
        return upsert.delete_key(self._conn, model_version_tags, pk, key)

    def archive_stage(self, model_pk: int, stage: str, keep_pk: int, now: int) -> None:
        """Move every other version of the model in ``stage`` to Archived."""
        self._conn.execute(
            model_versions.update()
            .where(
                model_versions.c.model_pk == model_pk,
                model_versions.c.current_stage == stage,
                model_versions.c.id != keep_pk,
            )
            .values(current_stage="Archived", last_updated_timestamp=now)
        )

    def latest_per_stage(self, model_pk: int, stages: Sequence[str]) -> list[ModelVersion]:
        """The highest version in each of ``stages`` (in stage order)."""
        newest = (
            sa.select(
                model_versions.c.current_stage, sa.func.max(model_versions.c.version).label("v")
            )
            .where(
                model_versions.c.model_pk == model_pk,
                model_versions.c.current_stage.in_(list(stages)),
            )
            .group_by(model_versions.c.current_stage)
            .subquery()
        )
        statement = (
            sa.select(*_COLUMNS)
            .select_from(
                _JOINED.join(
                    newest,
                    sa.and_(
                        newest.c.current_stage == model_versions.c.current_stage,
                        newest.c.v == model_versions.c.version,
                    ),
                )
            )
            .where(model_versions.c.model_pk == model_pk)
        )
        found = self.hydrate(self._conn.execute(statement).all())
        return sorted(found, key=lambda v: list(stages).index(v.current_stage))

    def search(
        self,
        workspace: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[ModelVersion]:
        token = paging.decode_token(page_token)
        snapshot = token.snapshot
        if snapshot is None:
            latest = in_workspace(
                sa.select(sa.func.max(model_versions.c.id)).select_from(_JOINED),
                registered_models,
                workspace,
            )
            snapshot = int(self._conn.execute(latest).scalar() or 0)
        conditions = [model_versions.c.id <= snapshot, *[_condition(c) for c in filters]]
        if _hides_prompts(filters):
            conditions.append(not_prompt(registered_models.c.id))
        ordering: list[Any] = []
        for key in order_by:
            ordering += nulls_last(_ATTRIBUTES[key.key], key.ascending)
        if not order_by:
            ordering.append(model_versions.c.last_updated_timestamp.desc())
        ordering += [registered_models.c.name.asc(), model_versions.c.version.desc()]
        statement = (
            in_workspace(sa.select(*_COLUMNS).select_from(_JOINED), registered_models, workspace)
            .where(*conditions)
            .order_by(*ordering)
            .offset(token.offset)
            .limit(max_results + 1)
        )
        rows = self._conn.execute(statement).all()
        return Page(
            self.hydrate(rows[:max_results]),
            paging.next_token(len(rows), max_results, token, snapshot),
        )

    def hydrate(self, rows: Sequence[Any]) -> list[ModelVersion]:
        if not rows:
            return []
        pks = [row.id for row in rows]
        tags: dict[int, list[KeyValue]] = {}
        for tag in self._conn.execute(
            sa.select(model_version_tags).where(model_version_tags.c.version_pk.in_(pks))
        ):
            tags.setdefault(tag.version_pk, []).append(KeyValue(tag.key, tag.value))
        aliases: dict[tuple[int, int], list[str]] = {}
        model_pks = list({row.model_pk for row in rows})
        for alias in self._conn.execute(
            sa.select(registered_model_aliases).where(
                registered_model_aliases.c.model_pk.in_(model_pks)
            )
        ):
            aliases.setdefault((alias.model_pk, alias.version), []).append(alias.alias)
        return [
            ModelVersion(
                name=row.name,
                version=row.version,
                creation_timestamp=row.creation_timestamp,
                last_updated_timestamp=row.last_updated_timestamp,
                current_stage=row.current_stage,
                source=row.source,
                status=row.status,
                user_id=row.user_id,
                description=row.description,
                run_id=row.run_id,
                run_link=row.run_link,
                model_id=row.model_id,
                status_message=row.status_message,
                storage_location=row.storage_location,
                tags=tuple(tags.get(row.id, ())),
                aliases=tuple(sorted(aliases.get((row.model_pk, row.version), ()))),
            )
            for row in rows
        ]


def not_prompt(model_pk_column: sa.ColumnElement[Any]) -> Condition:
    return ~sa.exists().where(
        registered_model_tags.c.model_pk == model_pk_column,
        registered_model_tags.c.key == PROMPT_TAG,
        sa.func.lower(registered_model_tags.c.value) == "true",
    )
