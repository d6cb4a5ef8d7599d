"""Workspace use cases, and the cached directory that resolves a request's workspace."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from atrium.domain.artifact_layout import WORKSPACES_DIR
from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.workspaces import Workspace, validate_delete_mode, validate_workspace_name
from atrium.errors import AtriumError, InvalidParameterValue, ResourceDoesNotExist
from atrium.stores.artifacts import ArtifactStore
from atrium.stores.base import WorkspaceProvider

T = TypeVar("T")
CACHE_TTL_SECONDS = 10.0


class FeatureDisabled(AtriumError):
    error_code = "FEATURE_DISABLED"


def _provider_call(operation: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except NotImplementedError:
        raise FeatureDisabled(f"Workspace {operation} is not supported by this provider") from None


class WorkspaceDirectory:
    """The provider plus a short-lived cache, so resolving a request's workspace is cheap.

    Entries expire after ``CACHE_TTL_SECONDS`` so other replicas' deletes are seen; this
    process's own changes drop the entry at once.
    """

    def __init__(
        self,
        provider: WorkspaceProvider,
        default_name: str = DEFAULT_WORKSPACE,
        ttl: float = CACHE_TTL_SECONDS,
    ) -> None:
        self.provider = provider
        self.default_name = default_name
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Workspace]] = {}
        self._lock = threading.Lock()

    def cached(self, name: str) -> Workspace | None:
        """The workspace if it was seen recently, without asking the provider."""
        with self._lock:
            hit = self._cache.get(name)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def find(self, name: str) -> Workspace | None:
        hit = self.cached(name)
        if hit is not None:
            return hit
        now = time.monotonic()
        found = self.provider.get_workspace(name)
        if found is not None:
            with self._lock:
                self._cache[name] = (now + self._ttl, found)
        return found

    def require(self, name: str) -> Workspace:
        found = self.find(name)
        if found is None:
            raise ResourceDoesNotExist(f"Workspace '{name}' not found")
        return found

    def artifact_root(self, name: str) -> str | None:
        found = self.find(name)
        return found.default_artifact_root if found is not None else None

    def forget(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)


_RETENTION = re.compile(r"^[1-9][0-9]*[mhd]$")


def _archival_changes(location: str | None, retention: str | None) -> dict[str, str | None]:
    """Trace-archival settings: ``None`` leaves a field alone, ``""`` clears it."""
    changes: dict[str, str | None] = {}
    if location is not None:
        location = location.strip()
        if location and len(urlsplit(location).scheme) < 2:
            raise InvalidParameterValue(
                "Invalid value for 'trace_archival_config.location'. Expected a URI string."
            )
        if location.startswith("mlflow-artifacts:"):
            raise InvalidParameterValue(
                "Invalid value for 'trace_archival_config.location'. Trace archival location "
                "cannot use the proxy-only `mlflow-artifacts:` scheme."
            )
        changes["trace_archival_location"] = location or None
    if retention is not None:
        retention = retention.strip()
        if retention and (len(retention) > 32 or not _RETENTION.match(retention)):
            raise InvalidParameterValue(
                "Invalid value for 'trace_archival_config.retention'. Expected a duration in "
                "the form `<int><unit>`, where unit is one of 'm', 'h', or 'd' (for example "
                "'30d' or '12h')."
            )
        changes["trace_archival_retention"] = retention or None
    return changes


def _clean_root(value: str | None) -> str | None:
    """``None``: not given; ``""``: clear; otherwise a URI or an absolute path."""
    if value is None:
        return None
    root = value.strip()
    if not root:
        return ""
    parts = urlsplit(root)
    if parts.fragment or ";" in parts.path:
        raise InvalidParameterValue(
            "'default_artifact_root' URL can't include fragments or params."
        )
    has_scheme = len(parts.scheme) > 1
    if not has_scheme and not root.startswith("/"):
        raise InvalidParameterValue(
            "Invalid value for 'default_artifact_root'. Expected a URI (for example "
            "'s3://bucket/prefix' or 'mlflow-artifacts:/prefix') or an absolute path, "
            f"got '{root}'."
        )
    return root


def list_workspaces(directory: WorkspaceDirectory) -> list[Workspace]:
    return directory.provider.list_workspaces()


def get_workspace(directory: WorkspaceDirectory, name: str) -> Workspace:
    return directory.require(validate_workspace_name(name))


def create_workspace(
    directory: WorkspaceDirectory,
    name: object,
    description: str | None,
    default_artifact_root: str | None,
    archival: tuple[str | None, str | None] = (None, None),
) -> Workspace:
    if name is None or name == "":
        raise InvalidParameterValue("Missing value for required parameter 'name'.")
    if name == DEFAULT_WORKSPACE:
        raise InvalidParameterValue("The 'default' workspace is reserved and cannot be created")
    archive = _archival_changes(*archival)
    workspace = Workspace(
        name=validate_workspace_name(name),
        description=description,
        default_artifact_root=_clean_root(default_artifact_root) or None,
        trace_archival_location=archive.get("trace_archival_location"),
        trace_archival_retention=archive.get("trace_archival_retention"),
    )
    created = _provider_call("creation", lambda: directory.provider.create_workspace(workspace))
    directory.forget(workspace.name)
    return created


def update_workspace(
    directory: WorkspaceDirectory,
    name: str,
    description: str | None,
    default_artifact_root: str | None,
    archival: tuple[str | None, str | None] = (None, None),
) -> Workspace:
    name = validate_workspace_name(name)
    changes = _archival_changes(*archival)
    if description is not None:
        changes["description"] = description
    root = _clean_root(default_artifact_root)
    if root is not None:
        changes["default_artifact_root"] = root or None
    if not changes:
        raise InvalidParameterValue("Workspace update must have at least one key")
    directory.require(name)
    updated = _provider_call("updates", lambda: directory.provider.update_workspace(name, changes))
    directory.forget(name)
    return updated


def delete_workspace(
    directory: WorkspaceDirectory,
    name: str,
    mode: str | None,
    artifacts: ArtifactStore | None = None,
) -> None:
    """Delete a workspace; CASCADE also removes its proxied artifact area, so a workspace
    created later under the same name can never read the old tenant's files."""
    if name == DEFAULT_WORKSPACE:
        raise InvalidParameterValue("The 'default' workspace is reserved and cannot be deleted")
    name = validate_workspace_name(name)
    chosen = validate_delete_mode(mode)
    directory.require(name)
    _provider_call("deletion", lambda: directory.provider.delete_workspace(name, chosen))
    directory.forget(name)
    area = f"{WORKSPACES_DIR}/{name}"
    if chosen == "CASCADE" and artifacts is not None and artifacts.exists(area):
        artifacts.delete(area)
