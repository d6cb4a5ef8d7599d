"""Resolve a model version's ``source`` to files inside the server's artifact store.

Registration copies those files into registry-owned storage. Anything that does not resolve
to a key inside the store (``file:`` URIs, local paths outside it, ``..``, other hosts and
schemes) is refused: letting a version point at arbitrary server paths is how registries have
been attacked.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from atrium.domain.artifact_layout import scoped_key
from atrium.domain.registry_rules import parse_version
from atrium.errors import AtriumError, InvalidParameterValue
from atrium.services.context import RequestContext
from atrium.stores.artifacts import ArtifactStore, safe_artifact_path
from atrium.stores.base import Repositories

PROXY_SCHEME = "mlflow-artifacts"
REGISTRY_PREFIX = "_registry"
MAX_INDIRECTIONS = 8


@dataclass(frozen=True, slots=True)
class RegistryStorage:
    """Where version copies live: the artifact store, and how its URIs are spelled."""

    store: ArtifactStore
    local_root: str
    proxied: bool
    workspaces_enabled: bool = False

    def uri_for(self, key: str) -> str:
        if self.proxied:
            return f"{PROXY_SCHEME}:/{key}"
        return os.path.join(self.local_root, *key.split("/"))

    def version_key(self, workspace: str, model_pk: int) -> str:
        """A fresh key per registration, inside the workspace's artifact area.

        Random, because database ids can be reused after a delete (SQLite) and a version's
        files must never be mixed with another's; free of the version number, so small
        sources can be copied before the number is issued.
        """
        key = f"{REGISTRY_PREFIX}/{model_pk}/{uuid.uuid4().hex}"
        return scoped_key(key, workspace, self.workspaces_enabled)

    def scoped(self, key: str, workspace: str) -> str:
        return scoped_key(key, workspace, self.workspaces_enabled)


def _refuse(source: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid model version source '{source}': {why}")


def _key(source: str, raw_path: str) -> str:
    try:
        return safe_artifact_path(raw_path.lstrip("/"))
    except AtriumError:
        raise _refuse(source, "the path is not a safe artifact path") from None


def _in_workspace(
    ctx: RequestContext, storage: RegistryStorage, source: str, key: str, proxied: bool
) -> str:
    """Proxied paths are rewritten as the proxy would; local paths must already be inside."""
    try:
        scoped = storage.scoped(key, ctx.workspace)
    except AtriumError as error:
        raise _refuse(source, error.message) from None
    if not proxied and scoped != key:
        raise _refuse(source, "it lies outside this workspace's artifacts")
    return scoped


def _local_key(source: str, path: str, storage: RegistryStorage) -> str:
    if ".." in PurePosixPath(path).parts:
        raise _refuse(source, "'..' segments are not allowed")
    root = os.path.realpath(storage.local_root)
    resolved = os.path.realpath(path)
    if resolved != root and not resolved.startswith(root + os.sep):
        raise _refuse(source, "it lies outside the server's artifact store")
    return _key(source, os.path.relpath(resolved, root).replace(os.sep, "/"))


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + ("/" + path.strip("/") if path.strip("/") else "")


def _models_uri(ctx: RequestContext, repos: Repositories, source: str, rest: str) -> str:
    """``models:/m-<id>`` (a logged model) or ``models:/<name>/<version>``."""
    parts = rest.strip("/").split("/")
    if len(parts) == 1 and parts[0].startswith("m-"):
        pk = repos.logged_models.find_pk(ctx.workspace, parts[0])
        if pk is None:
            raise _refuse(source, "no such logged model")
        return repos.logged_models.get(pk).artifact_uri
    if len(parts) == 2:
        model_pk = repos.registered_models.find_pk(ctx.workspace, parts[0])
        version_pk = (
            repos.model_versions.find_pk(model_pk, parse_version(parts[1]))
            if model_pk is not None
            else None
        )
        location = repos.model_versions.get(version_pk).storage_location if version_pk else None
        if not location:
            raise _refuse(source, "no such model version")
        return location
    raise _refuse(source, "unsupported models:/ URI")


def _runs_uri(ctx: RequestContext, repos: Repositories, source: str, rest: str) -> str:
    run_id, _, path = rest.strip("/").partition("/")
    record = repos.runs.find(ctx.workspace, run_id) if run_id else None
    if record is None:
        raise _refuse(source, f"run '{run_id}' does not exist")
    return _join(record.info.artifact_uri, path)


def resolve_source_key(
    ctx: RequestContext, repos: Repositories, storage: RegistryStorage, source: str
) -> str:
    """The artifact-store key holding the files of ``source``, or INVALID_PARAMETER_VALUE."""
    uri = source
    for _ in range(MAX_INDIRECTIONS):
        if uri.startswith("/") and not uri.startswith("//"):
            key = _local_key(source, uri, storage)
            return _in_workspace(ctx, storage, source, key, proxied=False)
        parts = urlsplit(uri)
        if parts.scheme == PROXY_SCHEME:
            if parts.netloc:
                raise _refuse(source, "artifacts on another host cannot be registered")
            return _in_workspace(ctx, storage, source, _key(source, parts.path), proxied=True)
        if parts.scheme == "runs":
            uri = _runs_uri(ctx, repos, source, uri[len("runs:") :])
        elif parts.scheme == "models":
            uri = _models_uri(ctx, repos, source, uri[len("models:") :])
        else:
            raise _refuse(
                source,
                "only runs:/, models:/, mlflow-artifacts:/ sources and paths "
                "inside the server's artifact store can be registered",
            )
    raise _refuse(source, "too many indirections")
