"""The SQL model-version repository on both backends: pages larger than one IN list.

A page's tags and aliases are read with IN lists of at most ``IN_LIST_CHUNK`` keys, padded to a
power of two; a page of more versions than that spans several lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from atrium.domain.entities import KeyValue, ModelVersion, RegisteredModel
from atrium.domain.search import MODEL_VERSIONS, parse_filter, parse_order_by
from atrium.stores.sql import migrate
from atrium.stores.sql.database import Database
from atrium.stores.sql.raw import IN_LIST_CHUNK
from atrium.stores.sql.unit_of_work import SqlUnitOfWork

COUNT = IN_LIST_CHUNK + 3


@pytest.fixture(scope="module")
def uow(backend_uri: str) -> Iterator[SqlUnitOfWork]:
    database = Database.from_uri(backend_uri)
    migrate.upgrade(database.engine)
    yield SqlUnitOfWork(database)
    database.dispose()


def _version(name: str, number: int) -> ModelVersion:
    tags = (KeyValue("n", str(number)),) if number in (1, COUNT // 2, COUNT) else ()
    return ModelVersion(
        name=name,
        version=number,
        creation_timestamp=number,
        last_updated_timestamp=number,
        current_stage="None",
        source=f"runs:/r/{number}",
        status="READY",
        tags=tags,
    )


def test_a_page_larger_than_one_in_list(uow: SqlUnitOfWork) -> None:
    name = f"big-{uuid.uuid4().hex[:12]}"
    with uow.write() as repos:
        model_pk = repos.registered_models.create(
            "default", RegisteredModel(name=name, creation_timestamp=0, last_updated_timestamp=0)
        )
        for number in range(1, COUNT + 1):
            assert repos.registered_models.next_version(model_pk, number) == number
            repos.model_versions.create(model_pk, _version(name, number))
        repos.registered_models.set_alias(model_pk, "last", COUNT)
    filters = parse_filter(f"name = '{name}'", MODEL_VERSIONS)
    order = parse_order_by(["version_number ASC"], MODEL_VERSIONS)
    with uow.read() as repos:
        page = repos.model_versions.search("default", filters, order, COUNT, None)
    assert page.next_page_token is None
    assert [v.version for v in page.items] == list(range(1, COUNT + 1))
    tagged = {v.version: v.tags for v in page.items if v.tags}
    assert tagged == {n: (KeyValue("n", str(n)),) for n in (1, COUNT // 2, COUNT)}
    assert [v.version for v in page.items if v.aliases] == [COUNT]
    assert page.items[-1].aliases == ("last",)
