"""Contract for ``ArtifactStore.copy_small_tree``: ``copy_tree`` within limits, else nothing.

Registration copies a small source at once and records the version READY; a larger one is
recorded PENDING_REGISTRATION first. A store must tell the two apart without leaving a partial
copy behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.stores.artifacts import ArtifactStore, LocalArtifactStore
from atrium.stores.artifacts.local import TEMP_PREFIX
from tests.contract.test_artifact_store import _FACTORIES, get, names, put

MODEL = {"MLmodel": b"m", "data/weights.bin": b"w" * 1000, "data/empty": b""}


@pytest.fixture(params=sorted(_FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    return _FACTORIES[request.param](tmp_path)


def _put_model(store: ArtifactStore, root: str = "run/model") -> None:
    for rel, data in MODEL.items():
        put(store, f"{root}/{rel}", data)


def test_within_the_limits_it_copies_like_copy_tree(store: ArtifactStore) -> None:
    _put_model(store)
    assert store.copy_small_tree("run/model", "reg/1/a", 3, 10_000) == 3
    assert {rel: get(store, f"reg/1/a/{rel}") for rel in MODEL} == MODEL
    put(store, "run/model/MLmodel", b"changed")  # the copy is independent of its source
    assert get(store, "reg/1/a/MLmodel") == b"m"
    assert names(store, "reg/1") == ["a"]


def test_a_single_file(store: ArtifactStore) -> None:
    put(store, "a/f.txt", b"f")
    assert store.copy_small_tree("a/f.txt", "b/g.txt", 1, 10) == 1
    assert get(store, "b/g.txt") == b"f"


def test_too_many_files_copies_nothing(store: ArtifactStore) -> None:
    _put_model(store)
    assert store.copy_small_tree("run/model", "reg/1/a", 2, 10_000) is None
    assert not store.exists("reg/1/a")
    assert names(store, "reg/1") == []


def test_errors_are_those_of_copy_tree(store: ArtifactStore) -> None:
    _put_model(store)
    put(store, "taken/f.txt", b"f")
    with pytest.raises(ResourceDoesNotExist):
        store.copy_small_tree("missing", "c", 10, 10)
    with pytest.raises(InvalidParameterValue):
        store.copy_small_tree("run/model", "taken", 10, 10_000)
    with pytest.raises(InvalidParameterValue):
        store.copy_small_tree("run", "run/model/inner", 10, 10_000)
    with pytest.raises(InvalidParameterValue, match=r"^Invalid path$"):
        store.copy_small_tree("../x", "c", 10, 10)


# --- local folder specifics ------------------------------------------------------------------


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_local_linked_files_cost_no_bytes(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    _put_model(store)
    assert store.copy_small_tree("run/model", "reg/a", 3, 0) == 3
    weights = store.root / "reg/a/data/weights.bin"
    assert weights.stat().st_ino == (store.root / "run/model/data/weights.bin").stat().st_ino


def test_local_copied_bytes_count_against_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    _put_model(store)

    def no_links(_src: str, _dst: str) -> None:
        raise OSError("links not supported here")

    monkeypatch.setattr(os, "link", no_links)
    assert store.copy_small_tree("run/model", "reg/a", 3, 999) is None
    assert not store.exists("reg/a")
    assert _leftovers(store.root) == []
    assert store.copy_small_tree("run/model", "reg/b", 3, 1001) == 3
    assert get(store, "reg/b/data/weights.bin") == b"w" * 1000
    weights = store.root / "reg/b/data/weights.bin"
    assert weights.stat().st_ino != (store.root / "run/model/data/weights.bin").stat().st_ino


def test_local_escaping_link_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    _put_model(store)
    (store.root / "run/model/leak").symlink_to(outside / "secret.txt")
    with pytest.raises(InvalidParameterValue):
        store.copy_small_tree("run/model", "reg/a", 10, 10_000)
    assert not (store.root / "reg").exists()
