"""Wire requests of the workspace endpoints (``/api/3.0/mlflow/workspaces...``)."""

from __future__ import annotations

from pydantic import StrictStr

from atrium.protocol.common import WireModel


class TraceArchivalConfig(WireModel):
    location: str | None = None
    retention: str | None = None


class WorkspaceFields(WireModel):
    description: str | None = None
    default_artifact_root: str | None = None
    trace_archival_config: TraceArchivalConfig | None = None


class CreateWorkspace(WorkspaceFields):
    # Strict: a number is a type error here, never silently a name like "12".
    name: StrictStr | None = None
