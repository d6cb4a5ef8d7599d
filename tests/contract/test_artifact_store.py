"""Contract suite for ``ArtifactStore``: every backend must pass the shared tests unchanged.

Add a backend by adding a factory to ``_FACTORIES`` (an S3 one would start moto's server and
return an ``S3ArtifactStore`` on a fresh bucket). Tests at the bottom are local-folder specific.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.stores.artifacts import (
    ArtifactEntry,
    ArtifactStore,
    LocalArtifactStore,
    safe_artifact_path,
)
from atrium.stores.artifacts.local import TEMP_PREFIX

MiB = 1 << 20

_FACTORIES: dict[str, Callable[[Path], ArtifactStore]] = {
    "local": lambda tmp: LocalArtifactStore(tmp / "artifacts"),
}


@pytest.fixture(params=sorted(_FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    return _FACTORIES[request.param](tmp_path)


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _failing(prefix: bytes) -> AsyncIterator[bytes]:
    yield prefix
    raise ConnectionError("client went away")


def put(store: ArtifactStore, key: str, data: bytes) -> int:
    return asyncio.run(store.write(key, _chunks(data)))


def get(store: ArtifactStore, key: str) -> bytes:
    return b"".join(store.read(key))


def names(store: ArtifactStore, key: str) -> list[str]:
    return [entry.path for entry in store.list(key)]


# --- shared contract -------------------------------------------------------------------------


def test_conforms_to_protocol(store: ArtifactStore) -> None:
    assert isinstance(store, ArtifactStore)
    assert store.describe()


def test_round_trip_of_a_multi_megabyte_file(store: ArtifactStore) -> None:
    data = os.urandom(5 * MiB + 12345)
    assert asyncio.run(store.write("1/run/artifacts/big.bin", _chunks(data, 100_003))) == len(data)
    chunks = list(store.read("1/run/artifacts/big.bin"))
    assert b"".join(chunks) == data
    assert all(len(chunk) <= MiB for chunk in chunks)
    assert len(chunks) == 6
    assert store.size("1/run/artifacts/big.bin") == len(data)


def test_read_honours_chunk_size(store: ArtifactStore) -> None:
    put(store, "f.bin", b"x" * 10)
    assert list(store.read("f.bin", chunk_size=4)) == [b"xxxx", b"xxxx", b"xx"]


def test_empty_file(store: ArtifactStore) -> None:
    assert put(store, "d/empty", b"") == 0
    assert get(store, "d/empty") == b""
    assert store.size("d/empty") == 0
    assert store.list("d") == [ArtifactEntry(path="empty", is_dir=False, file_size=0)]


def test_write_overwrites(store: ArtifactStore) -> None:
    put(store, "a.txt", b"a much longer first version")
    put(store, "a.txt", b"short")
    assert get(store, "a.txt") == b"short"


def test_write_creates_parents_and_list_returns_sorted_basenames(store: ArtifactStore) -> None:
    put(store, "r/artifacts/model/MLmodel", b"flavors: {}\n")
    put(store, "r/artifacts/b.txt", b"bb")
    put(store, "r/artifacts/a.txt", b"a")
    assert store.list("r/artifacts") == [
        ArtifactEntry(path="a.txt", is_dir=False, file_size=1),
        ArtifactEntry(path="b.txt", is_dir=False, file_size=2),
        ArtifactEntry(path="model", is_dir=True, file_size=None),
    ]
    assert names(store, "") == ["r"]
    assert names(store, "r/artifacts/model") == ["MLmodel"]


def test_list_of_missing_path_or_file_is_empty(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"x")
    assert store.list("nope") == []
    assert store.list("d/nope/deeper") == []
    assert store.list("d/f.txt") == []
    assert store.list("d/f.txt/below") == []


def test_read_errors_are_raised_before_iteration(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"x")
    with pytest.raises(ResourceDoesNotExist):
        store.read("d/missing.txt")  # no next(): the call itself must raise
    with pytest.raises(ResourceDoesNotExist):
        store.read("d/f.txt/below")
    with pytest.raises(InvalidParameterValue):
        store.read("d")
    with pytest.raises(InvalidParameterValue):
        store.read("")


def test_size_errors(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"x")
    with pytest.raises(ResourceDoesNotExist):
        store.size("d/missing.txt")
    with pytest.raises(InvalidParameterValue):
        store.size("d")


def test_failed_upload_leaves_nothing_behind(store: ArtifactStore) -> None:
    with pytest.raises(ConnectionError):
        asyncio.run(store.write("d/partial.bin", _failing(b"half")))
    assert not store.exists("d/partial.bin")
    assert store.list("d") == []


def test_failed_overwrite_keeps_the_previous_file(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"old")
    with pytest.raises(ConnectionError):
        asyncio.run(store.write("d/f.txt", _failing(b"new")))
    assert get(store, "d/f.txt") == b"old"
    assert names(store, "d") == ["f.txt"]


def test_write_conflicting_with_the_tree_is_refused(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"x")
    with pytest.raises(InvalidParameterValue):
        put(store, "d", b"a file where a directory is")
    with pytest.raises(InvalidParameterValue):
        put(store, "d/f.txt/below", b"a file below a file")
    with pytest.raises(InvalidParameterValue):
        put(store, "", b"the root itself")
    assert get(store, "d/f.txt") == b"x"


def test_exists_and_is_dir(store: ArtifactStore) -> None:
    put(store, "d/e/f.txt", b"x")
    assert store.exists("") and store.is_dir("")
    assert store.exists("d") and store.is_dir("d") and store.is_dir("d/e")
    assert store.exists("d/e/f.txt") and not store.is_dir("d/e/f.txt")
    assert not store.exists("d/missing") and not store.is_dir("d/missing")
    assert not store.exists("d/e/f.txt/below")


def test_delete_file_and_tree(store: ArtifactStore) -> None:
    put(store, "d/keep.txt", b"k")
    put(store, "d/gone.txt", b"g")
    put(store, "d/sub/a/b.txt", b"b")
    put(store, "d/sub/c.txt", b"c")
    store.delete("d/gone.txt")
    assert names(store, "d") == ["keep.txt", "sub"]
    store.delete("d/sub")
    assert names(store, "d") == ["keep.txt"]
    assert not store.exists("d/sub/a/b.txt")


def test_delete_missing_and_root(store: ArtifactStore) -> None:
    put(store, "d/f.txt", b"x")
    with pytest.raises(ResourceDoesNotExist):
        store.delete("d/missing")
    with pytest.raises(InvalidParameterValue):
        store.delete("")
    assert store.exists("d/f.txt")


def test_copy_tree_of_a_directory(store: ArtifactStore) -> None:
    put(store, "run/artifacts/model/MLmodel", b"m")
    put(store, "run/artifacts/model/data/weights.bin", b"w" * 1000)
    put(store, "run/artifacts/model/data/empty", b"")
    assert store.copy_tree("run/artifacts/model", "registry/M/1") == 3
    assert names(store, "registry/M/1") == ["MLmodel", "data"]
    assert get(store, "registry/M/1/data/weights.bin") == b"w" * 1000
    assert get(store, "registry/M/1/data/empty") == b""
    put(store, "run/artifacts/model/MLmodel", b"changed")  # the copy is independent
    assert get(store, "registry/M/1/MLmodel") == b"m"


def test_copy_tree_of_a_single_file(store: ArtifactStore) -> None:
    put(store, "a/f.txt", b"f")
    assert store.copy_tree("a/f.txt", "b/c/g.txt") == 1
    assert get(store, "b/c/g.txt") == b"f"
    assert get(store, "a/f.txt") == b"f"


def test_copy_tree_errors(store: ArtifactStore) -> None:
    put(store, "a/f.txt", b"f")
    put(store, "b/g.txt", b"g")
    with pytest.raises(ResourceDoesNotExist):
        store.copy_tree("missing", "c")
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("a", "b")  # destination exists
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("a/f.txt", "b/g.txt")
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("a", "a/inner")  # into itself
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("", "c")
    assert names(store, "") == ["a", "b"]
    assert names(store, "a") == ["f.txt"]


@pytest.mark.parametrize("key", ["../x", "a/../../x", "a\\b", "%2e%2e/x", "C:/x", "a#b"])
def test_every_method_rejects_unsafe_keys(store: ArtifactStore, key: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: put(store, key, b"x"),
        lambda: store.read(key),
        lambda: store.size(key),
        lambda: store.list(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
        lambda: store.is_dir(key),
        lambda: store.copy_tree(key, "dst"),
        lambda: store.copy_tree("src", key),
    ]
    put(store, "src/f.txt", b"x")
    for call in calls:
        with pytest.raises(InvalidParameterValue, match=r"^Invalid path$"):
            call()


# --- local folder specifics ------------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[LocalArtifactStore, Path]:
    """A store under ``tmp_path/root`` plus a secret outside it at ``tmp_path/outside``."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"top secret")
    return LocalArtifactStore(tmp_path / "root"), outside


def test_local_creates_root_and_describes_it(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    assert str(tmp_path / "a" / "b") in store.describe()


def test_local_symlinked_dir_escaping_root_is_refused(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, outside = sandbox
    (store.root / "evil").symlink_to(outside, target_is_directory=True)
    attempts: list[Callable[[], object]] = [
        lambda: store.read("evil/secret.txt"),
        lambda: store.size("evil/secret.txt"),
        lambda: put(store, "evil/planted.txt", b"x"),
        lambda: store.list("evil"),
        lambda: store.exists("evil/secret.txt"),
        lambda: store.is_dir("evil"),
        lambda: store.delete("evil/secret.txt"),
        lambda: store.delete("evil"),
        lambda: store.copy_tree("evil", "loot"),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidParameterValue, match=r"^Invalid path$"):
            attempt()
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert store.list("") == []  # the escaping link is not even listed
    assert (store.root / "evil").is_symlink()


def test_local_symlinked_file_escaping_root_is_refused(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, outside = sandbox
    put(store, "d/ok.txt", b"ok")
    (store.root / "d" / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(InvalidParameterValue):
        store.read("d/link.txt")
    with pytest.raises(InvalidParameterValue):
        put(store, "d/link.txt", b"overwrite through the link")
    assert names(store, "d") == ["ok.txt"]
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("d", "copy")  # a tree holding an escaping link is not copied
    assert not store.exists("copy")
    assert store.list("") == [ArtifactEntry(path="d", is_dir=True, file_size=None)]
    assert (outside / "secret.txt").read_bytes() == b"top secret"


def test_local_dangling_symlink_pointing_outside_is_refused(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, outside = sandbox
    (store.root / "dangling").symlink_to(outside / "not-yet")
    with pytest.raises(InvalidParameterValue):
        put(store, "dangling", b"x")
    with pytest.raises(InvalidParameterValue):
        put(store, "dangling/x", b"x")
    assert not (outside / "not-yet").exists()


def test_local_symlinks_inside_root_are_followed_and_copied(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, _ = sandbox
    put(store, "real/f.txt", b"f")
    (store.root / "alias").symlink_to(store.root / "real", target_is_directory=True)
    assert get(store, "alias/f.txt") == b"f"
    assert store.copy_tree("alias", "copy") == 1
    assert not (store.root / "copy").is_symlink()
    store.delete("alias")  # removes the link, not its target
    assert get(store, "real/f.txt") == b"f"


def test_local_symlink_loop_is_refused_by_copy_tree(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, _ = sandbox
    put(store, "d/f.txt", b"f")
    (store.root / "d" / "loop").symlink_to(store.root / "d", target_is_directory=True)
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("d", "copy")
    assert not store.exists("copy")
    assert names(store, "") == ["d"]


def test_local_upload_in_flight_is_invisible(sandbox: tuple[LocalArtifactStore, Path]) -> None:
    store, _ = sandbox
    put(store, "d/other.txt", b"o")
    seen: list[list[str]] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b"part one"
        seen.append(names(store, "d"))
        yield b"part two"

    asyncio.run(store.write("d/new.txt", chunks()))
    assert seen == [["other.txt"]]
    assert any(p.name.startswith(TEMP_PREFIX) for p in (store.root / "d").iterdir()) is False
    assert get(store, "d/new.txt") == b"part onepart two"


def test_local_unstarted_read_leaks_no_file_handle(
    sandbox: tuple[LocalArtifactStore, Path],
) -> None:
    store, _ = sandbox
    put(store, "f.txt", b"x")
    iterator: Iterator[bytes] = store.read("f.txt")
    del iterator  # with warnings as errors, an unclosed file would fail the test


def test_local_overlong_name_is_a_client_error(sandbox: tuple[LocalArtifactStore, Path]) -> None:
    store, _ = sandbox
    with pytest.raises(InvalidParameterValue):
        put(store, "d/" + "n" * 300, b"x")
    assert not store.exists("d/" + "n" * 10)


def _walk_files(top: Path) -> set[Path]:
    return {Path(d) / f for d, _, files in os.walk(top) for f in files}


_TRICKY = st.sampled_from(["..", ".", "/", "\\", "%2e", "%2f", "%252e", "C:", "#", "a", "b"])


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(_TRICKY, max_size=10).map("".join)))
def test_local_random_paths_never_escape_root(raw: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalArtifactStore(Path(tmp) / "root")
        try:
            key = safe_artifact_path(raw)
            put(store, key, b"payload")
        except InvalidParameterValue:
            pass
        written = _walk_files(Path(tmp))
        assert all(p.resolve().is_relative_to(store.root) for p in written)


def test_copy_tree_refuses_a_loop_below_a_linked_directory(tmp_path: Path) -> None:
    """A link loop reached through another link (its real path differs) is still refused."""
    store = LocalArtifactStore(tmp_path / "root")
    target = store.root / "real" / "inner"
    target.mkdir(parents=True)
    (store.root / "top").mkdir()
    (store.root / "top" / "via").symlink_to(store.root / "real")
    (target / "back").symlink_to(target)
    with pytest.raises(InvalidParameterValue):
        store.copy_tree("top", "copy")
    assert not store.exists("copy")
