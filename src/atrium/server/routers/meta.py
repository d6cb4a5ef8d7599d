"""Probes and utility routes: ``/health``, ``/version``, ``server-info``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import PlainTextResponse, Response

from atrium import __version__
from atrium.server.responses import json_response
from atrium.server.state import AppState

# The client only uses /version for tracing features gated at >= 3.4; report the MLflow
# protocol version we speak rather than our own release number.
PROTOCOL_VERSION = "3.17.2"


def mount_meta(app: FastAPI, state: AppState) -> None:
    async def health() -> Response:
        return PlainTextResponse("OK")

    async def version() -> Response:
        return PlainTextResponse(PROTOCOL_VERSION)

    async def server_info() -> Response:
        return json_response(
            {
                "store_type": "SqlStore",
                "workspaces_enabled": state.workspaces is not None,
                "multipart_uploads_enabled": False,
                "multipart_downloads_enabled": False,
                "atrium_version": __version__,
                "artifacts_proxied": state.artifacts is not None,
            }
        )

    app.add_api_route("/health", health, methods=["GET"])
    app.add_api_route("/version", version, methods=["GET"])
    for prefix in ("/api/3.0/mlflow", "/ajax-api/3.0/mlflow"):
        app.add_api_route(f"{prefix}/server-info", server_info, methods=["GET"])
