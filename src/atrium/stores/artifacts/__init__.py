"""Artifact storage: the store Protocol, the local-folder backend and the path-safety rules."""

from atrium.stores.artifacts.base import DEFAULT_CHUNK_SIZE, ArtifactEntry, ArtifactStore
from atrium.stores.artifacts.local import LocalArtifactStore
from atrium.stores.artifacts.paths import MAX_PATH_LENGTH, join_key, safe_artifact_path

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_PATH_LENGTH",
    "ArtifactEntry",
    "ArtifactStore",
    "LocalArtifactStore",
    "join_key",
    "safe_artifact_path",
]
