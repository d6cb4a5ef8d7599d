"""Artifact store on a local folder: atomic temp-file writes, streaming reads, containment."""

from __future__ import annotations

import builtins
import errno
import os
import shutil
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from atrium.errors import AtriumError, InvalidParameterValue, ResourceDoesNotExist
from atrium.stores.artifacts.base import DEFAULT_CHUNK_SIZE, ArtifactEntry
from atrium.stores.artifacts.paths import safe_artifact_path

if TYPE_CHECKING:
    from atrium.stores.artifacts.base import ArtifactStore

# In-flight uploads and copies are staged next to their target under this prefix, hidden from
# listings and copies, then renamed into place.
TEMP_PREFIX = ".atrium-tmp-"


def _temp_name() -> str:
    return f"{TEMP_PREFIX}{uuid.uuid4().hex}"


def _invalid_path() -> InvalidParameterValue:
    return InvalidParameterValue("Invalid path")


def _storage_error(exc: OSError, key: str) -> AtriumError:
    """The Atrium error for a filesystem error met while handling ``key``."""
    if isinstance(exc, FileNotFoundError):
        return ResourceDoesNotExist(f"No artifact at path '{key}'")
    if isinstance(exc, NotADirectoryError | IsADirectoryError | FileExistsError):
        return InvalidParameterValue(
            f"Artifact path '{key}' conflicts with an existing file or directory"
        )
    if exc.errno == errno.ENAMETOOLONG:
        return _invalid_path()
    return AtriumError(f"Artifact storage error: {exc.strerror}")


@contextmanager
def _os_errors(key: str) -> Iterator[None]:
    """Translate filesystem errors into Atrium errors so none escapes the store."""
    try:
        yield
    except OSError as exc:
        raise _storage_error(exc, key) from exc


async def _drain(chunks: AsyncIterator[bytes], out: BinaryIO, key: str) -> int:
    """Write every chunk to ``out``; errors of the chunk source itself pass through untouched."""
    written = 0
    async for chunk in chunks:
        try:
            out.write(chunk)
        except OSError as exc:  # e.g. disk full; zero-cost when nothing is raised
            raise _storage_error(exc, key) from exc
        written += len(chunk)
    with _os_errors(key):
        out.flush()
    return written


def _iter_file(path: Path, key: str, chunk_size: int) -> Iterator[bytes]:
    # Opened lazily, so an iterator that is dropped unstarted leaks no file handle.
    with _os_errors(key), open(path, "rb", buffering=0) as f:
        while chunk := f.read(chunk_size):
            yield chunk


def _remove(path: Path) -> None:
    """Best-effort removal of a staged file or directory."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class LocalArtifactStore:
    """Artifacts as files under ``root``; keys map to ``root/<key>``."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        return self._root

    def describe(self) -> str:
        return f"local folder {self._root}"

    def _resolve_inside(self, path: Path) -> Path:
        """Resolve ``path`` (following symlinks, even dangling ones); refuse it outside root."""
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python 3.11
            raise _invalid_path() from exc
        if not resolved.is_relative_to(self._root):
            raise _invalid_path()
        return resolved

    def _path(self, key: str) -> Path:
        """Filesystem path of ``key``, re-validated (defence in depth) and kept inside root."""
        key = safe_artifact_path(key)
        path = self._root / key if key else self._root
        self._resolve_inside(path)
        return path

    def _file(self, key: str) -> tuple[Path, int]:
        """Path and size of the file at ``key``; 404 if missing, 400 if it is a directory."""
        path = self._path(key)
        with _os_errors(key):
            try:
                st = os.stat(path)
            except NotADirectoryError as exc:  # a file in the middle of the path
                raise ResourceDoesNotExist(f"No artifact at path '{key}'") from exc
        if stat.S_ISDIR(st.st_mode):
            raise InvalidParameterValue(f"Artifact path '{key}' is a directory")
        return path, st.st_size

    async def write(self, path: str, chunks: AsyncIterator[bytes]) -> int:
        target = self._path(path)
        with _os_errors(path):
            if target.is_dir():
                raise InvalidParameterValue(f"Artifact path '{path}' is a directory")
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.parent / _temp_name()
            out = open(staging, "xb")  # noqa: SIM115 - closed below, before the rename
        try:
            with out:
                written = await _drain(chunks, out, path)
            with _os_errors(path):
                os.replace(staging, target)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        return written

    def read(self, path: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        file_path, _ = self._file(path)
        return _iter_file(file_path, path, chunk_size)

    def size(self, path: str) -> int:
        return self._file(path)[1]

    def list(self, path: str) -> builtins.list[ArtifactEntry]:
        directory = self._path(path)
        try:
            with os.scandir(directory) as it:
                found = [self._entry(e) for e in it if not e.name.startswith(TEMP_PREFIX)]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise _storage_error(exc, path) from exc
        return sorted((e for e in found if e is not None), key=lambda e: e.path)

    def _entry(self, entry: os.DirEntry[str]) -> ArtifactEntry | None:
        """Listing entry, or None for a symlink that escapes root or dangles."""
        try:
            if entry.is_symlink():
                self._resolve_inside(Path(entry.path))
            if entry.is_dir():
                return ArtifactEntry(path=entry.name, is_dir=True, file_size=None)
            return ArtifactEntry(path=entry.name, is_dir=False, file_size=entry.stat().st_size)
        except (InvalidParameterValue, OSError):
            return None

    def delete(self, path: str) -> None:
        if not safe_artifact_path(path):
            raise InvalidParameterValue("Refusing to delete the artifact root")
        target = self._path(path)
        with _os_errors(path):
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()

    def exists(self, path: str) -> bool:
        target = self._path(path)
        with _os_errors(path):
            return target.exists()

    def is_dir(self, path: str) -> bool:
        target = self._path(path)
        with _os_errors(path):
            return target.is_dir()

    def copy_tree(self, src: str, dst: str) -> int:
        source, target = self._path(src), self._path(dst)
        with _os_errors(src):
            if not source.exists():
                raise ResourceDoesNotExist(f"No artifact at path '{src}'")
            if target.exists() or target.is_symlink():
                raise InvalidParameterValue(f"Artifact path '{dst}' already exists")
            if self._resolve_inside(target).is_relative_to(self._resolve_inside(source)):
                raise InvalidParameterValue(f"Cannot copy '{src}' into itself ('{dst}')")
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.parent / _temp_name()
            try:
                count = self._copy(source, staging, frozenset(), None)
                os.rename(staging, target)
            except BaseException:
                _remove(staging)
                raise
        return count

    def _copy(
        self, source: Path, target: Path, ancestors: frozenset[Path], real: Path | None
    ) -> int:
        """Copy one file or tree, materialising symlinks that stay inside root.

        ``real`` is the entry's real path when it is known without asking the filesystem: a
        plain entry of a directory whose real path is known. Only the top and symlinks are
        resolved, so trees without links cost no extra path walks, and loops through links are
        still caught against real paths.
        """
        if real is None:
            real = self._resolve_inside(source)  # refuses a symlink escaping root
        if real in ancestors:
            raise _invalid_path()  # a symlink loop back to a directory being copied
        if not source.is_dir():
            _link_or_copy(source, target)
            return 1
        target.mkdir()
        with os.scandir(source) as it:
            entries = [(e.name, e.is_symlink()) for e in it if not e.name.startswith(TEMP_PREFIX)]
        inner = ancestors | {real}
        return sum(
            self._copy(source / name, target / name, inner, None if link else real / name)
            for name, link in entries
        )


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the filesystem allows one, else a copy.

    A link is as immutable as a copy here: this store never changes a file in place (writes
    go to a temporary file renamed over the old one), so overwriting or deleting the source
    leaves the linked inode, and the copy's contents, untouched.
    """
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


if TYPE_CHECKING:
    _conforms: type[ArtifactStore] = LocalArtifactStore
