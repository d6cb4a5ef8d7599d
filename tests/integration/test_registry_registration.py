"""How a version's files are registered: a small source in one step, a large one in three.

A small source is copied first and its version recorded READY in one write; a larger one is
recorded PENDING_REGISTRATION, copied, then marked READY or FAILED_REGISTRATION. Both leave an
immutable copy, and neither leaves files behind when it does not record a version. The tests
that need to look inside a registration run the service against the server's own database and
artifact folder, with a store or unit of work that reports or fails at the right moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from atrium.errors import AtriumError, ResourceDoesNotExist
from atrium.services import model_versions as svc
from atrium.services.context import RequestContext
from atrium.services.model_sources import RegistryStorage
from atrium.stores.artifacts import LocalArtifactStore
from atrium.stores.artifacts.local import TEMP_PREFIX
from atrium.stores.base import Repositories, UnitOfWork
from atrium.stores.sql.database import Database
from atrium.stores.sql.unit_of_work import SqlUnitOfWork
from tests.integration.conftest import Api
from tests.integration.test_registry_models import (
    FAILED,
    MV,
    PENDING,
    READY,
    RM,
    create_model,
    create_version,
    download_path,
    put_tree,
    read_tree,
    run_root,
    run_source,
)

CTX = RequestContext()
# One file more than a source may hold to be registered in one step.
LARGE_FILES = {f"part-{i:03}.bin": f"part {i}".encode() for i in range(svc.SMALL_SOURCE_FILES + 1)}


@pytest.fixture(scope="module")
def database(backend_uri: str, server_url: str) -> Iterator[Database]:
    """The live server's database (``server_url`` makes sure the server has set it up)."""
    database = Database.from_uri(backend_uri)
    yield database
    database.dispose()


@pytest.fixture()
def uow(database: Database) -> SqlUnitOfWork:
    return SqlUnitOfWork(database)


def _storage(artifacts_root: Path, store: Any = None) -> RegistryStorage:
    local = LocalArtifactStore(artifacts_root)
    return RegistryStorage(store=store or local, local_root=str(local.root), proxied=True)


def _model_pk(uow: UnitOfWork, name: str) -> int:
    with uow.read() as repos:
        pk = repos.registered_models.find_pk(CTX.workspace, name)
    assert pk is not None
    return pk


def _registry_dir(artifacts_root: Path, model_pk: int) -> list[Path]:
    """Every entry under the model's registry folder (temporary ones included)."""
    folder = artifacts_root / "_registry" / str(model_pk)
    return sorted(folder.rglob("*")) if folder.exists() else []


def _create(uow: UnitOfWork, storage: RegistryStorage, name: str, source: str) -> Any:
    return svc.create_model_version(CTX, uow, storage, name, source, None, [], None, None, None)


class _Store:
    """The real local store, with a hook run after each of its copies."""

    def __init__(self, root: Path, after_copy: Callable[[str], None]) -> None:
        self.inner = LocalArtifactStore(root)
        self.after_copy = after_copy

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def copy_small_tree(self, src: str, dst: str, max_files: int, max_bytes: int) -> int | None:
        copied = self.inner.copy_small_tree(src, dst, max_files, max_bytes)
        self.after_copy("small" if copied is not None else "too large")
        return copied

    def copy_tree(self, src: str, dst: str) -> int:
        copied = self.inner.copy_tree(src, dst)
        self.after_copy("stepwise")
        return copied


# --------------------------------------------------------------------------------------------
# Over HTTP


def test_small_source_is_registered_ready_as_an_immutable_copy(
    api: Api, run_id: str, artifacts_root: Path
) -> None:
    name = str(create_model(api)["name"])
    files = {"MLmodel": b"m", "data/model.pkl": b"p" * 4096}
    created = api.ok(
        "POST", f"{MV}/create", {"name": name, "source": run_source(api, run_id, files)}
    )["model_version"]
    assert (created["version"], created["status"]) == ("1", READY)
    assert "status_message" not in created
    stored = download_path(api, name, 1)
    assert read_tree(api, stored) == files
    put_tree(api, f"{run_root(api, run_id)}/model", {"MLmodel": b"changed", "new.txt": b"n"})
    assert read_tree(api, stored) == files
    entries = _registry_dir(artifacts_root, int(stored.split("/")[1]))
    assert not [p for p in entries if p.name.startswith(TEMP_PREFIX)], entries


def test_large_source_is_registered_in_steps(api: Api, run_id: str) -> None:
    name = str(create_model(api)["name"])
    source = run_source(api, run_id, LARGE_FILES)
    created = api.ok("POST", f"{MV}/create", {"name": name, "source": source})["model_version"]
    assert (created["version"], created["status"]) == ("1", READY)
    assert read_tree(api, download_path(api, name, 1)) == LARGE_FILES
    # The next number follows, whichever path registered the previous version.
    assert create_version(api, name, run_source(api, run_id))["version"] == "2"


@pytest.mark.parametrize("files", [{"MLmodel": b"m"}, LARGE_FILES], ids=["small", "large"])
def test_a_copy_that_fails_is_failed_registration(
    api: Api, run_id: str, artifacts_root: Path, tmp_path: Path, files: dict[str, bytes]
) -> None:
    name = str(create_model(api)["name"])
    source = run_source(api, run_id, files)
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    (artifacts_root / run_root(api, run_id) / "model" / "leak").symlink_to(outside)
    version = api.ok("POST", f"{MV}/create", {"name": name, "source": source})["model_version"]
    assert version["status"] == FAILED, version
    assert version["status_message"].startswith("Copying the model files failed")
    assert _registry_dir(artifacts_root, int(download_path(api, name, 1).split("/")[1])) == []


# --------------------------------------------------------------------------------------------
# Inside a registration


def test_pending_is_visible_only_while_a_large_source_is_copied(
    api: Api, experiment_id: str, run_id: str, artifacts_root: Path, uow: SqlUnitOfWork
) -> None:
    name = str(create_model(api)["name"])
    seen: list[tuple[str, str | None]] = []
    number = "1"

    def look(step: str) -> None:
        """What a client sees of the version being created, right after a copy."""
        found = api.call("GET", f"{MV}/get", name=name, version=number)
        seen.append((step, found.json()["model_version"]["status"] if found.is_success else None))

    storage = _storage(artifacts_root, _Store(artifacts_root, look))
    assert _create(uow, storage, name, run_source(api, run_id, LARGE_FILES)).status == READY
    assert seen == [("too large", None), ("stepwise", PENDING)]
    seen.clear()
    number = "2"
    small_run = str(api.create_run(experiment_id)["info"]["run_id"])
    assert _create(uow, storage, name, run_source(api, small_run)).status == READY
    assert seen == [("small", None)]  # copied before it was recorded, READY at once


def test_model_deleted_during_a_small_copy_leaves_nothing(
    api: Api, run_id: str, artifacts_root: Path, uow: SqlUnitOfWork
) -> None:
    name = str(create_model(api)["name"])
    source = run_source(api, run_id)
    model_pk = _model_pk(uow, name)

    def delete_model(_step: str) -> None:
        api.ok("DELETE", f"{RM}/delete", {"name": name})

    storage = _storage(artifacts_root, _Store(artifacts_root, delete_model))
    with pytest.raises(ResourceDoesNotExist):
        _create(uow, storage, name, source)
    assert _registry_dir(artifacts_root, model_pk) == []


class _FailingWrites:
    """A unit of work whose write transactions fail after their work, before committing."""

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner

    def read(self) -> AbstractContextManager[Repositories]:
        return self.inner.read()

    @contextmanager
    def write(self) -> Iterator[Repositories]:
        with self.inner.write() as repos:
            yield repos
            raise AtriumError("the database went away")


def test_a_failed_write_records_nothing_and_removes_the_copy(
    api: Api, run_id: str, artifacts_root: Path, uow: SqlUnitOfWork
) -> None:
    name = str(create_model(api)["name"])
    model_pk = _model_pk(uow, name)
    with pytest.raises(AtriumError, match="went away"):
        _create(_FailingWrites(uow), _storage(artifacts_root), name, run_source(api, run_id))
    assert _registry_dir(artifacts_root, model_pk) == []
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=name, version="1")
    # The failed attempt issued no number either.
    assert create_version(api, name, run_source(api, run_id))["version"] == "1"


class _BrokenStore(_Store):
    """The real local store, except that every copy fails."""

    def copy_small_tree(self, src: str, dst: str, max_files: int, max_bytes: int) -> int | None:
        raise AtriumError("disk on fire")

    def copy_tree(self, src: str, dst: str) -> int:
        raise AtriumError("disk on fire")


def test_copy_errors_fall_back_to_steps_and_are_recorded(
    api: Api, run_id: str, artifacts_root: Path, uow: SqlUnitOfWork
) -> None:
    name = str(create_model(api)["name"])
    storage = _storage(artifacts_root, _BrokenStore(artifacts_root, lambda _: None))
    version = _create(uow, storage, name, run_source(api, run_id))
    assert (version.version, version.status) == (1, FAILED)
    assert version.status_message == "Copying the model files failed: disk on fire"
    assert api.ok("GET", f"{MV}/get", name=name, version="1")["model_version"]["status"] == FAILED
