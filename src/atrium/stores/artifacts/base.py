"""The ``ArtifactStore`` Protocol every artifact backend implements, and its listing entry.

Keys are the output of :func:`atrium.stores.artifacts.paths.safe_artifact_path` or
:func:`~atrium.stores.artifacts.paths.join_key`: ``""`` is the root, ``"a/b/c.txt"`` a file,
``"a/b"`` a "directory". Directories are implicit: writing ``a/b/c.txt`` makes ``a`` and ``a/b``
exist, and they exist exactly as long as something lives below them (a local store may keep an
empty folder around after a failed or deleted upload; callers must not rely on empty dirs).

How an S3 backend (boto3) fits without changing this Protocol:

* ``write`` — ``create_multipart_upload``, buffer the chunks into parts of >= 8 MiB and
  ``upload_part`` each (via ``asyncio.to_thread``; boto3 is blocking), ``complete_multipart_upload``
  at the end, ``abort_multipart_upload`` on any error (so a failed upload leaves nothing, the
  counterpart of the local temp-file + ``os.replace``). Small bodies may use one ``put_object``.
* ``read`` — ``get_object`` is called eagerly (``NoSuchKey`` → ``ResourceDoesNotExist``, or a
  ``head_object`` miss plus a non-empty ``<key>/`` prefix → ``InvalidParameterValue``), then a
  generator yields ``Body.iter_chunks(chunk_size)`` and closes the body when done.
* "directories" are prefixes: ``list`` = ``list_objects_v2(Prefix=key + "/", Delimiter="/")``
  (``CommonPrefixes`` → dirs, ``Contents`` → files with ``Size``); ``is_dir`` = that prefix has
  any object; ``exists`` = ``head_object`` hit or ``is_dir``; ``delete`` = ``delete_objects`` in
  batches of 1000 over the prefix (or the single key); ``copy_tree`` = server-side ``copy_object``
  per key under the prefix; ``copy_small_tree`` = the same after one ``list_objects_v2`` page of
  ``max_files + 1`` keys whose ``Size`` sums to at most ``max_bytes``; ``size`` = ``head_object``
  ``ContentLength``.
* The whole store lives under one bucket + key prefix; ``describe`` returns ``s3://bucket/prefix``.
* botocore errors are translated to ``atrium.errors`` inside the backend; none escapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

DEFAULT_CHUNK_SIZE = 1 << 20
"""Read chunk size for downloads (1 MiB, what the MLflow client uses too)."""


@dataclass(frozen=True, slots=True)
class ArtifactEntry:
    """One child of a listed directory, as the wire reports it."""

    path: str  # the entry's basename only; the wire returns basenames
    is_dir: bool
    file_size: int | None  # None for directories


@runtime_checkable
class ArtifactStore(Protocol):
    """Byte storage addressed by safe relative keys; files and implicit directories.

    Errors: a missing file or tree → ``ResourceDoesNotExist``; a key of the wrong kind (a
    directory where a file is needed, a file in the middle of a path) or an unsafe key →
    ``InvalidParameterValue``.
    """

    async def write(self, path: str, chunks: AsyncIterator[bytes]) -> int:
        """Stream ``chunks`` to ``path`` atomically, replacing any file there; return bytes written.

        Parent directories are implied. If the iterator (or storage) fails, nothing is left
        behind and any previous file at ``path`` is untouched.
        """
        ...

    def read(self, path: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """Return an iterator over the file's bytes.

        Raises before returning (never on the first ``next``) when ``path`` is missing
        (``ResourceDoesNotExist``) or is a directory (``InvalidParameterValue``), so an HTTP layer
        can still answer 404/400 instead of a broken 200.
        """
        ...

    def size(self, path: str) -> int:
        """Size in bytes of the file at ``path`` (same errors as ``read``)."""
        ...

    def list(self, path: str) -> list[ArtifactEntry]:
        """Children of directory ``path`` sorted by name; ``[]`` if missing or a file."""
        ...

    def delete(self, path: str) -> None:
        """Delete the file or the whole tree at ``path``; missing → ``ResourceDoesNotExist``."""
        ...

    def exists(self, path: str) -> bool:
        """True if ``path`` is a file or a non-empty directory (the root always exists)."""
        ...

    def is_dir(self, path: str) -> bool:
        """True if ``path`` is a directory (the root is one)."""
        ...

    def copy_tree(self, src: str, dst: str) -> int:
        """Copy the file or tree at ``src`` to ``dst``; return the number of files copied.

        ``src`` missing → ``ResourceDoesNotExist``; ``dst`` already existing, or ``dst`` equal to
        or inside ``src`` → ``InvalidParameterValue``.
        """
        ...

    def copy_small_tree(self, src: str, dst: str, max_files: int, max_bytes: int) -> int | None:
        """``copy_tree`` when ``src`` holds at most ``max_files`` files and copying them moves
        at most ``max_bytes`` (a store that can share a file without copying it, by a hard
        link or a server-side copy, need not count it).

        Returns None, leaving nothing behind, for a larger tree, so a caller can tell a copy
        that is over at once from one worth reporting progress on.
        """
        ...

    def describe(self) -> str:
        """Human-readable location for startup logs (no credentials)."""
        ...
