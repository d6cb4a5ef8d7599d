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
        self._root_text = str(self._root)

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
        self._real(key)
        return self._root / key if key else self._root

    def _located(self, key: str) -> tuple[str, str]:
        """Filesystem path of ``key`` (as ``_path``) and its real path, which lies inside root."""
        key = safe_artifact_path(key)
        return os.path.join(self._root_text, key) if key else self._root_text, self._real(key)

    def _real(self, key: str) -> str:
        """The real path of a safe ``key``, inside root (or ``InvalidParameterValue``).

        The root is real and a safe key has no ``.``/``..``: unless a component below the root
        is a symlink, the key's path is its real path. So only a path through a link pays for a
        full resolution; the others cost one ``lstat`` per existing component.
        """
        current = self._root_text
        for segment in key.split("/") if key else ():
            current = os.path.join(current, segment)
            try:
                mode = os.lstat(current).st_mode
            except OSError:  # missing (or not a directory): nothing below can be a link
                break
            if stat.S_ISLNK(mode):
                return str(self._resolve_inside(self._root / key))
        return os.path.join(self._root_text, key) if key else self._root_text

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
        plan = _CopyPlan()
        self._copy_tree(src, dst, plan)
        return len(plan.files)

    def copy_small_tree(self, src: str, dst: str, max_files: int, max_bytes: int) -> int | None:
        plan = _CopyPlan(max_files, max_bytes)
        return len(plan.files) if self._copy_tree(src, dst, plan) else None

    def _copy_tree(self, src: str, dst: str, plan: _CopyPlan) -> bool:
        """Walk ``src`` into a plan (all checks, no writes), then build it next to ``dst``."""
        (source, real_source), (target, real_target) = self._located(src), self._located(dst)
        try:
            is_dir = stat.S_ISDIR(os.stat(source).st_mode)
        except OSError:
            raise ResourceDoesNotExist(f"No artifact at path '{src}'") from None
        with _os_errors(src):
            if os.path.lexists(target):
                raise InvalidParameterValue(f"Artifact path '{dst}' already exists")
            if _within(real_target, real_source):
                raise InvalidParameterValue(f"Cannot copy '{src}' into itself ('{dst}')")
            if not self._plan(source, "", frozenset(), real_source, is_dir, plan):
                return False  # over the plan's limits: nothing was written
            parent = os.path.dirname(target)
            if not os.path.isdir(parent):
                os.makedirs(parent, exist_ok=True)
            staging = os.path.join(parent, _temp_name())
            try:
                built = plan.build(staging)
                if built:
                    os.rename(staging, target)
            except BaseException:
                built = False
                raise
            finally:
                if not built:
                    _remove(Path(staging))
        return built

    def _plan(
        self,
        source: str,
        relative: str,
        ancestors: frozenset[str],
        real: str | None,
        is_dir: bool | None,
        plan: _CopyPlan,
    ) -> bool:
        """Add one file or tree to ``plan``, materialising symlinks that stay inside root.

        ``real`` is the entry's real path when it is known without asking the filesystem: a
        plain entry of a directory whose real path is known. Only the top and symlinks are
        resolved, so trees without links cost no extra path walks, and loops through links are
        still caught against real paths. False when the plan outgrows its limits.
        """
        if real is None:
            real = str(self._resolve_inside(Path(source)))  # refuses a symlink escaping root
        if real in ancestors:
            raise _invalid_path()  # a symlink loop back to a directory being copied
        if not (os.path.isdir(source) if is_dir is None else is_dir):
            return plan.add_file(source, relative)
        plan.dirs.append(relative)
        with os.scandir(source) as it:
            entries = [
                (e.name, e.is_symlink(), e.is_dir(follow_symlinks=False))
                for e in it
                if not e.name.startswith(TEMP_PREFIX)
            ]
        inner = ancestors | {real}
        return all(
            self._plan(
                os.path.join(source, name),
                f"{relative}/{name}" if relative else name,
                inner,
                None if link else os.path.join(real, name),
                None if link else directory,
                plan,
            )
            for name, link, directory in entries
        )


class _CopyPlan:
    """What a copy creates (directories parents first, then files), within optional limits.

    Files are hard-linked where the filesystem allows, else copied. A link is as immutable as
    a copy here: this store never changes a file in place (writes go to a temporary file
    renamed over the old one), so overwriting or deleting the source leaves the linked inode,
    and the copy's contents, untouched. Only copied bytes count against ``max_bytes``.
    """

    def __init__(self, max_files: int | None = None, max_bytes: int | None = None) -> None:
        self.dirs: list[str] = []
        self.files: list[tuple[str, str]] = []
        self._max_files = max_files
        self._bytes_left = max_bytes

    def add_file(self, source: str, relative: str) -> bool:
        self.files.append((source, relative))
        return self._max_files is None or len(self.files) <= self._max_files

    def build(self, root: str) -> bool:
        """Create the tree at ``root``; False, half-built, when it copies too many bytes."""
        for relative in self.dirs:
            os.mkdir(os.path.join(root, relative) if relative else root)
        for source, relative in self.files:
            target = os.path.join(root, relative) if relative else root
            try:
                os.link(source, target)
                continue
            except OSError:
                pass
            if self._bytes_left is not None:
                self._bytes_left -= os.stat(source).st_size
                if self._bytes_left < 0:
                    return False
            shutil.copyfile(source, target)
        return True


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


if TYPE_CHECKING:
    _conforms: type[ArtifactStore] = LocalArtifactStore
