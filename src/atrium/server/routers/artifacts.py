"""The artifact proxy (``/api/2.0/mlflow-artifacts/...``): streamed upload, download, list, delete.

Every client path passes through ``safe_artifact_path`` before it reaches storage.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from atrium.domain.artifact_layout import WORKSPACES_DIR, scoped_key
from atrium.errors import AtriumError, InvalidParameterValue, NotImplementedFeature
from atrium.server.responses import json_response
from atrium.server.state import AppState
from atrium.services.context import RequestContext
from atrium.services.model_sources import REGISTRY_PREFIX
from atrium.stores.artifacts import ArtifactEntry, ArtifactStore, safe_artifact_path

PREFIXES = ("/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts")


def _entry(entry: ArtifactEntry) -> dict[str, Any]:
    wire: dict[str, Any] = {"path": entry.path, "is_dir": entry.is_dir}
    if entry.file_size is not None:
        wire["file_size"] = entry.file_size
    return wire


def _reaches_registry(key: str) -> bool:
    """True for registry copies and for every folder that contains them (an area's root)."""
    segments = key.split("/") if key else []
    if segments[:1] == [WORKSPACES_DIR]:
        if len(segments) <= 2:
            return True
        segments = segments[2:]
    return not segments or segments[0] == REGISTRY_PREFIX


class ArtifactEndpoints:
    """Endpoints bound to one artifact store (None when the server does not proxy)."""

    def __init__(self, store: ArtifactStore | None, workspaces_enabled: bool) -> None:
        self._store = store
        self._workspaces_enabled = workspaces_enabled

    def _key(self, request: Request, raw: str | None) -> str:
        """The storage key: made safe, then confined to the request's workspace."""
        ctx: RequestContext = getattr(request.state, "ctx", None) or RequestContext()
        return scoped_key(safe_artifact_path(raw), ctx.workspace, self._workspaces_enabled)

    def _writable_key(self, request: Request) -> str:
        """A key clients may write or delete: never inside registry-owned version copies."""
        key = self._key(request, request.path_params["artifact_path"])
        if _reaches_registry(key):
            raise InvalidParameterValue(
                f"Invalid path: '{REGISTRY_PREFIX}/' holds registered model versions, which "
                "are immutable"
            )
        return key

    def _require_store(self, request: Request) -> ArtifactStore:
        if self._store is None:
            raise AtriumError(
                f"Endpoint: {request.url.path} disabled due to the server running with "
                "`--no-serve-artifacts`. To enable artifacts server functionality, run the "
                "server with `--serve-artifacts`",
                "TEMPORARILY_UNAVAILABLE",
            )
        return self._store

    async def upload(self, request: Request) -> Response:
        store = self._require_store(request)
        key = self._writable_key(request)
        await store.write(key, request.stream())
        return json_response({})

    async def download(self, request: Request) -> Response:
        store = self._require_store(request)
        key = self._key(request, request.path_params["artifact_path"])
        chunks = await run_in_threadpool(store.read, key)
        size = await run_in_threadpool(store.size, key)
        media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        headers = {"Content-Length": str(size)}
        return StreamingResponse(chunks, media_type=media_type, headers=headers)

    async def delete(self, request: Request) -> Response:
        store = self._require_store(request)
        key = self._writable_key(request)
        await run_in_threadpool(store.delete, key)
        return json_response({})

    async def list(self, request: Request) -> Response:
        store = self._require_store(request)
        key = self._key(request, request.query_params.get("path"))
        entries = await run_in_threadpool(store.list, key)
        return json_response({"files": [_entry(e) for e in entries]} if entries else {})

    async def multipart(self, request: Request) -> Response:
        self._require_store(request)
        raise NotImplementedFeature(
            "Multipart upload is not supported for the current artifact repository"
        )


def mount_artifacts(app: FastAPI, state: AppState) -> None:
    endpoints = ArtifactEndpoints(state.artifacts, state.workspaces is not None)
    for prefix in PREFIXES:
        base = f"{prefix}/artifacts"
        app.add_api_route(base, endpoints.list, methods=["GET"], name=f"list_artifacts{prefix}")
        item = base + "/{artifact_path:path}"
        app.add_api_route(item, endpoints.upload, methods=["PUT"], name=f"upload_artifact{prefix}")
        app.add_api_route(
            item, endpoints.download, methods=["GET"], name=f"download_artifact{prefix}"
        )
        app.add_api_route(
            item, endpoints.delete, methods=["DELETE"], name=f"delete_artifact{prefix}"
        )
        for action in ("create", "complete", "abort"):
            app.add_api_route(
                f"{prefix}/mpu/{action}/{{artifact_path:path}}",
                endpoints.multipart,
                methods=["POST"],
                name=f"mpu_{action}{prefix}",
            )
