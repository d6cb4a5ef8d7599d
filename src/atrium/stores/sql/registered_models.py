"""SQL repository for registered models, their tags and aliases, and model search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import STAGES, KeyValue, Page, RegisteredModel
from atrium.domain.registry_rules import PROMPT_TAG
from atrium.domain.search import Comparison, OrderKey
from atrium.errors import InvalidParameterValue
from atrium.stores.sql import paging, upsert
from atrium.stores.sql.database import inserted_id
from atrium.stores.sql.errors import unique_violation_as
from atrium.stores.sql.filters import Condition, compare, key_value_match
from atrium.stores.sql.model_versions import SqlModelVersionRepository
from atrium.stores.sql.raw import fetch_first
from atrium.stores.sql.schema import (
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from atrium.stores.sql.scoping import in_workspace

_ORDERABLE: dict[str, sa.ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "last_updated_timestamp": registered_models.c.last_updated_timestamp,
    "timestamp": registered_models.c.last_updated_timestamp,
    "creation_timestamp": registered_models.c.creation_timestamp,
}


# Built once: every registry call looks its model up.
_FIND_PK = in_workspace(
    sa.select(registered_models.c.id), registered_models, sa.bindparam("workspace")
).where(registered_models.c.name == sa.bindparam("name"))
_UPDATE_BY_PK = registered_models.update().where(registered_models.c.id == sa.bindparam("pk"))
_NEXT_VERSION = (
    registered_models.update()
    .where(registered_models.c.id == sa.bindparam("pk"))
    .values(
        last_version=registered_models.c.last_version + sa.literal_column("1"),
        last_updated_timestamp=sa.bindparam("now"),
    )
    .returning(registered_models.c.last_version)
)


def _condition(comparison: Comparison) -> Condition:
    entity, key, op, value = comparison.entity, comparison.key, comparison.op, comparison.value
    if entity == "tag":
        match = key_value_match(registered_model_tags, registered_models.c.id, key, op, value)
        if key == PROMPT_TAG and op == "!=":
            # The client adds this clause to every search: a model without the tag matches.
            return sa.or_(
                match,
                key_value_match(
                    registered_model_tags, registered_models.c.id, key, "IS NULL", None
                ),
            )
        return match
    if key != "name":
        raise InvalidParameterValue(f"Invalid attribute key '{key}' specified.")
    return compare(registered_models.c.name, op, value)


class SqlRegisteredModelRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._conn = connection

    def create(self, workspace: str, model: RegisteredModel) -> int:
        with unique_violation_as(f"Registered Model (name={model.name}) already exists."):
            result = self._conn.execute(
                registered_models.insert().values(
                    workspace=workspace,
                    name=model.name,
                    creation_timestamp=model.creation_timestamp,
                    last_updated_timestamp=model.last_updated_timestamp,
                    description=model.description,
                    user_id=model.user_id,
                    deployment_job_id=model.deployment_job_id,
                )
            )
        pk = inserted_id(result)
        self.set_tags(pk, model.tags)
        return pk

    def find_pk(self, workspace: str, name: str) -> int | None:
        # On the path of every registry call: straight from the cursor.
        found = fetch_first(self._conn, _FIND_PK, {"workspace": workspace, "name": name})
        return None if found is None else int(found[0])

    def name_of(self, workspace: str, pk: int) -> str | None:
        """The name of model ``pk`` when it belongs to ``workspace``."""
        statement = in_workspace(
            sa.select(registered_models.c.name), registered_models, workspace
        ).where(registered_models.c.id == pk)
        found = self._conn.execute(statement).scalar()
        return None if found is None else str(found)

    def get(self, pk: int) -> RegisteredModel:
        row = self._conn.execute(
            sa.select(registered_models).where(registered_models.c.id == pk)
        ).one()
        return self._hydrate([row])[0]

    def rename(self, pk: int, new_name: str, now: int) -> None:
        with unique_violation_as(f"Registered Model (name={new_name}) already exists."):
            self.update(pk, name=new_name, last_updated_timestamp=now)

    def update(self, pk: int, **values: Any) -> None:
        self._conn.execute(
            registered_models.update().where(registered_models.c.id == pk).values(**values)
        )

    def delete(self, pk: int) -> None:
        self._conn.execute(registered_models.delete().where(registered_models.c.id == pk))

    def next_version(self, pk: int, now: int) -> int:
        """Issue the model's next version number (atomic inside the write transaction) and
        make ``now`` its last-updated time."""
        issued = fetch_first(self._conn, _NEXT_VERSION, {"pk": pk, "now": now})
        if issued is None:
            raise RuntimeError(f"registered model {pk} vanished inside its write transaction")
        return int(issued[0])

    def set_tags(self, pk: int, tags: Sequence[KeyValue]) -> None:
        upsert.replace_key_values(self._conn, registered_model_tags, pk, tags)

    def delete_tag(self, pk: int, key: str) -> bool:
        return upsert.delete_key(self._conn, registered_model_tags, pk, key)

    def set_alias(self, pk: int, alias: str, version: int) -> None:
        row = {"model_pk": pk, "alias": alias, "version": version}
        upsert.replace_rows(
            self._conn, registered_model_aliases, [row], ("model_pk", "alias"), ("version",)
        )

    def delete_alias(self, pk: int, alias: str) -> None:
        self._conn.execute(
            registered_model_aliases.delete().where(
                registered_model_aliases.c.model_pk == pk, registered_model_aliases.c.alias == alias
            )
        )

    def alias_version(self, pk: int, alias: str) -> int | None:
        statement = sa.select(registered_model_aliases.c.version).where(
            registered_model_aliases.c.model_pk == pk, registered_model_aliases.c.alias == alias
        )
        found = self._conn.execute(statement).scalar()
        return None if found is None else int(found)

    def search(
        self,
        workspace: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[RegisteredModel]:
        token = paging.decode_token(page_token)
        snapshot = token.snapshot
        if snapshot is None:
            latest = in_workspace(
                sa.select(sa.func.max(registered_models.c.id)), registered_models, workspace
            )
            snapshot = int(self._conn.execute(latest).scalar() or 0)
        ordering = [
            _ORDERABLE[k.key].asc() if k.ascending else _ORDERABLE[k.key].desc() for k in order_by
        ]
        ordering.append(registered_models.c.name.asc())
        statement = (
            in_workspace(sa.select(registered_models), registered_models, workspace)
            .where(registered_models.c.id <= snapshot, *[_condition(c) for c in filters])
            .order_by(*ordering)
            .offset(token.offset)
            .limit(max_results + 1)
        )
        rows = self._conn.execute(statement).all()
        items = self._hydrate(rows[:max_results])
        return Page(items, paging.next_token(len(rows), max_results, token, snapshot))

    def _hydrate(self, rows: Sequence[Any]) -> list[RegisteredModel]:
        pks = [row.id for row in rows]
        tags: dict[int, list[KeyValue]] = {}
        for tag in self._conn.execute(
            sa.select(registered_model_tags).where(registered_model_tags.c.model_pk.in_(pks))
        ):
            tags.setdefault(tag.model_pk, []).append(KeyValue(tag.key, tag.value))
        aliases: dict[int, list[tuple[str, int]]] = {}
        for alias in self._conn.execute(
            sa.select(registered_model_aliases).where(registered_model_aliases.c.model_pk.in_(pks))
        ):
            aliases.setdefault(alias.model_pk, []).append((alias.alias, alias.version))
        versions = SqlModelVersionRepository(self._conn)
        return [
            RegisteredModel(
                name=row.name,
                creation_timestamp=row.creation_timestamp,
                last_updated_timestamp=row.last_updated_timestamp,
                description=row.description,
                user_id=row.user_id,
                deployment_job_id=row.deployment_job_id,
                tags=tuple(tags.get(row.id, ())),
                aliases=tuple(sorted(aliases.get(row.id, ()))),
                latest_versions=tuple(versions.latest_per_stage(row.id, STAGES)),
            )
            for row in rows
        ]
