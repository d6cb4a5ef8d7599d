"""Workspace endpoints: ``/api/3.0/mlflow/workspaces[/{workspace_name}]``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from atrium.domain.workspaces import Workspace
from atrium.errors import EndpointNotFound
from atrium.protocol import workspaces as p
from atrium.server.responses import json_response
from atrium.server.routing import Call, WireRouter
from atrium.services import workspaces as svc

router = WireRouter()
PREFIXES = ("/api/3.0/mlflow", "/ajax-api/3.0/mlflow")


def _directory(call: Call) -> svc.WorkspaceDirectory:
    """The directory, or ENDPOINT_NOT_FOUND without workspaces.

    MLflow answers a plain-text 503 there, which its client retries for minutes; a JSON
    ENDPOINT_NOT_FOUND makes the client say at once that the server has no workspace APIs.
    """
    if call.state.workspaces is None:
        raise EndpointNotFound(
            "Workspace APIs are not available: workspaces are not enabled on this server. "
            "Start it with --enable-workspaces."
        )
    return call.state.workspaces


def _archival(req: p.WorkspaceFields) -> tuple[str | None, str | None]:
    config = req.trace_archival_config
    return (config.location, config.retention) if config is not None else (None, None)


def workspace_json(workspace: Workspace) -> dict[str, Any]:
    wire: dict[str, Any] = {"name": workspace.name}
    if workspace.description is not None:
        wire["description"] = workspace.description
    if workspace.default_artifact_root:
        wire["default_artifact_root"] = workspace.default_artifact_root
    archival = {
        key: value
        for key, value in (
            ("location", workspace.trace_archival_location),
            ("retention", workspace.trace_archival_retention),
        )
        if value
    }
    if archival:
        wire["trace_archival_config"] = archival
    return wire


@router.route("GET", "/workspaces", None)
def list_workspaces(_req: None, call: Call) -> dict[str, Any]:
    found = svc.list_workspaces(_directory(call))
    return {"workspaces": [workspace_json(w) for w in found]} if found else {}


@router.route("POST", "/workspaces", p.CreateWorkspace)
def create_workspace(req: p.CreateWorkspace, call: Call) -> Response:
    created = svc.create_workspace(
        _directory(call), req.name, req.description, req.default_artifact_root, _archival(req)
    )
    return json_response({"workspace": workspace_json(created)}, status_code=201)


@router.route("GET", "/workspaces/{workspace_name}", None)
def get_workspace(_req: None, call: Call) -> dict[str, Any]:
    found = svc.get_workspace(_directory(call), call.path["workspace_name"])
    return {"workspace": workspace_json(found)}


@router.route("PATCH", "/workspaces/{workspace_name}", p.WorkspaceFields)
def update_workspace(req: p.WorkspaceFields, call: Call) -> dict[str, Any]:
    updated = svc.update_workspace(
        _directory(call),
        call.path["workspace_name"],
        req.description,
        req.default_artifact_root,
        _archival(req),
    )
    return {"workspace": workspace_json(updated)}


@router.route("DELETE", "/workspaces/{workspace_name}", None)
def delete_workspace(_req: None, call: Call) -> Response:
    svc.delete_workspace(
        _directory(call),
        call.path["workspace_name"],
        call.query.get("mode"),
        call.state.registry.store,
    )
    return Response(status_code=204)
