"""SQL repository for model versions, their tags, and version search."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import KeyValue, ModelVersion, Page
from atrium.domain.search import Comparison, OrderKey
from atrium.stores.sql import paging, upsert
from atrium.stores.sql.model_versions_search import (
    COLUMNS,
    JOINED,
    fetch_page,
    latest_version_id,
)
from atrium.stores.sql.raw import fetch_first, fetch_for_keys, in_list
from atrium.stores.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
)

# Built once: looked up or written on every registry call.
_INSERTED_COLUMNS = (
    "model_pk",
    "version",
    "creation_timestamp",
    "last_updated_timestamp",
    "user_id",
    "current_stage",
    "description",
    "source",
    "storage_location",
    "run_id",
    "run_link",
    "model_id",
    "status",
    "status_message",
)
_INSERT_VERSION = (
    model_versions.insert()
    .values({name: sa.bindparam(name) for name in _INSERTED_COLUMNS})
    .returning(model_versions.c.id)
)
_FIND_PK = sa.select(model_versions.c.id).where(
    model_versions.c.model_pk == sa.bindparam("model_pk"),
    model_versions.c.version == sa.bindparam("version"),
)
_UPDATE_BY_PK = model_versions.update().where(model_versions.c.id == sa.bindparam("pk"))


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
        inserted = fetch_first(self._conn, _INSERT_VERSION, row)
        if inserted is None:
            raise RuntimeError("the INSERT of a model version returned no key")
        pk = int(inserted[0])
        if version.tags:
            self.set_tags(pk, version.tags)
        return pk

    def find_pk(self, model_pk: int, version: int) -> int | None:
        found = fetch_first(self._conn, _FIND_PK, {"model_pk": model_pk, "version": version})
        return None if found is None else int(found[0])

    def get(self, pk: int) -> ModelVersion:
        rows = self._conn.execute(
            sa.select(*COLUMNS).select_from(JOINED).where(model_versions.c.id == pk)
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
            sa.select(*COLUMNS)
            .select_from(
                JOINED.join(
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
            snapshot = latest_version_id(self._conn, workspace)
        bounds = {"snapshot": snapshot, "offset": token.offset, "limit": max_results + 1}
        rows = fetch_page(self._conn, workspace, filters, order_by, bounds)
        return Page(
            self.hydrate(rows[:max_results]),
            paging.next_token(len(rows), max_results, token, snapshot),
        )

    def hydrate(self, rows: Sequence[Sequence[Any]]) -> list[ModelVersion]:
        """Versions from rows of ``COLUMNS``, with their tags and aliases."""
        if not rows:
            return []
        tags: dict[int, list[KeyValue]] = {}
        for version_pk, key, value in fetch_for_keys(self._conn, _tags_of, [r[0] for r in rows]):
            tags.setdefault(version_pk, []).append(KeyValue(key, value))
        aliases: dict[tuple[int, int], list[str]] = {}
        model_pks = list({row[1] for row in rows})
        for model_pk, alias, number in fetch_for_keys(self._conn, _aliases_of, model_pks):
            aliases.setdefault((model_pk, number), []).append(alias)
        return [_version(row, tags, aliases) for row in rows]


def _version(
    row: Sequence[Any],
    tags: dict[int, list[KeyValue]],
    aliases: dict[tuple[int, int], list[str]],
) -> ModelVersion:
    # Positional: a page builds hundreds of these, and keywords cost three times as much.
    (pk, model_pk, name, number, created, updated, stage, source, status) = row[:9]
    user_id, description, run_id, run_link, model_id, message, location = row[9:]
    return ModelVersion(
        name,
        number,
        created,
        updated,
        stage,
        source,
        status,
        user_id,
        description,
        run_id,
        run_link,
        model_id,
        message,
        location,
        tuple(tags.get(pk, ())),
        tuple(sorted(aliases.get((model_pk, number), ()))),
    )


@cache
def _tags_of(count: int) -> sa.Select[Any]:
    table = model_version_tags
    return sa.select(table.c.version_pk, table.c.key, table.c.value).where(
        table.c.version_pk.in_(in_list(count))
    )


@cache
def _aliases_of(count: int) -> sa.Select[Any]:
    table = registered_model_aliases
    return sa.select(table.c.model_pk, table.c.alias, table.c.version).where(
        table.c.model_pk.in_(in_list(count))
    )
