"""Every mounted route's permission decision, written out: a route missing here is denied.

Keys are the method and the route path without its ``/api/<version>`` or
``/ajax-api/<version>`` prefix, so a route and its UI twin share one decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # "public" | "authenticated" | "admin" | "resource"
    reads_only: bool = False


PUBLIC = Decision("public", reads_only=True)
AUTHENTICATED = Decision("authenticated")
ADMIN = Decision("admin")
# Tracking, registry and artifact routes. Until grants on individual experiments and models
# are enforced, only super admins may use them: the server fails closed, never open.
RESOURCE_READ = Decision("resource", reads_only=True)
RESOURCE_WRITE = Decision("resource")

_PREFIX = re.compile(r"^/(?:ajax-)?api/[23]\.0(?=/)")

DECISIONS: dict[tuple[str, str], Decision] = {
    ("GET", "/docs"): AUTHENTICATED,
    ("GET", "/docs/oauth2-redirect"): AUTHENTICATED,
    ("GET", "/health"): PUBLIC,
    ("GET", "/mlflow-artifacts/artifacts"): RESOURCE_READ,
    ("DELETE", "/mlflow-artifacts/artifacts/{artifact_path:path}"): RESOURCE_WRITE,
    ("GET", "/mlflow-artifacts/artifacts/{artifact_path:path}"): RESOURCE_READ,
    ("PUT", "/mlflow-artifacts/artifacts/{artifact_path:path}"): RESOURCE_WRITE,
    ("POST", "/mlflow-artifacts/mpu/abort/{artifact_path:path}"): RESOURCE_WRITE,
    ("POST", "/mlflow-artifacts/mpu/complete/{artifact_path:path}"): RESOURCE_WRITE,
    ("POST", "/mlflow-artifacts/mpu/create/{artifact_path:path}"): RESOURCE_WRITE,
    ("POST", "/mlflow/experiments/create"): RESOURCE_WRITE,
    ("POST", "/mlflow/experiments/delete"): RESOURCE_WRITE,
    ("POST", "/mlflow/experiments/delete-experiment-tag"): RESOURCE_WRITE,
    ("GET", "/mlflow/experiments/get"): RESOURCE_READ,
    ("GET", "/mlflow/experiments/get-by-name"): RESOURCE_READ,
    ("POST", "/mlflow/experiments/restore"): RESOURCE_WRITE,
    ("GET", "/mlflow/experiments/search"): RESOURCE_READ,
    ("POST", "/mlflow/experiments/search"): RESOURCE_READ,
    ("POST", "/mlflow/experiments/set-experiment-tag"): RESOURCE_WRITE,
    ("POST", "/mlflow/experiments/update"): RESOURCE_WRITE,
    ("POST", "/mlflow/logged-models"): RESOURCE_WRITE,
    ("POST", "/mlflow/logged-models/search"): RESOURCE_READ,
    ("DELETE", "/mlflow/logged-models/{model_id}"): RESOURCE_WRITE,
    ("GET", "/mlflow/logged-models/{model_id}"): RESOURCE_READ,
    ("PATCH", "/mlflow/logged-models/{model_id}"): RESOURCE_WRITE,
    ("POST", "/mlflow/logged-models/{model_id}/params"): RESOURCE_WRITE,
    ("PATCH", "/mlflow/logged-models/{model_id}/tags"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/logged-models/{model_id}/tags/{tag_key:path}"): RESOURCE_WRITE,
    ("GET", "/mlflow/metrics/get-history"): RESOURCE_READ,
    ("GET", "/mlflow/metrics/get-history-bulk-interval"): RESOURCE_READ,
    ("POST", "/mlflow/model-versions/create"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/model-versions/delete"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/model-versions/delete-tag"): RESOURCE_WRITE,
    ("GET", "/mlflow/model-versions/get"): RESOURCE_READ,
    ("GET", "/mlflow/model-versions/get-download-uri"): RESOURCE_READ,
    ("GET", "/mlflow/model-versions/search"): RESOURCE_READ,
    ("POST", "/mlflow/model-versions/set-tag"): RESOURCE_WRITE,
    ("POST", "/mlflow/model-versions/transition-stage"): RESOURCE_WRITE,
    ("PATCH", "/mlflow/model-versions/update"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/registered-models/alias"): RESOURCE_WRITE,
    ("GET", "/mlflow/registered-models/alias"): RESOURCE_READ,
    ("POST", "/mlflow/registered-models/alias"): RESOURCE_WRITE,
    ("POST", "/mlflow/registered-models/create"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/registered-models/delete"): RESOURCE_WRITE,
    ("DELETE", "/mlflow/registered-models/delete-tag"): RESOURCE_WRITE,
    ("GET", "/mlflow/registered-models/get"): RESOURCE_READ,
    ("GET", "/mlflow/registered-models/get-latest-versions"): RESOURCE_READ,
    ("POST", "/mlflow/registered-models/get-latest-versions"): RESOURCE_READ,
    ("POST", "/mlflow/registered-models/rename"): RESOURCE_WRITE,
    ("GET", "/mlflow/registered-models/search"): RESOURCE_READ,
    ("POST", "/mlflow/registered-models/set-tag"): RESOURCE_WRITE,
    ("PATCH", "/mlflow/registered-models/update"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/create"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/delete"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/delete-tag"): RESOURCE_WRITE,
    ("GET", "/mlflow/runs/get"): RESOURCE_READ,
    ("POST", "/mlflow/runs/log-batch"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/log-inputs"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/log-metric"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/log-parameter"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/outputs"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/restore"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/search"): RESOURCE_READ,
    ("POST", "/mlflow/runs/set-tag"): RESOURCE_WRITE,
    ("POST", "/mlflow/runs/update"): RESOURCE_WRITE,
    ("GET", "/mlflow/server-info"): PUBLIC,
    ("GET", "/mlflow/workspaces"): AUTHENTICATED,
    ("POST", "/mlflow/workspaces"): ADMIN,
    ("DELETE", "/mlflow/workspaces/{workspace_name}"): ADMIN,
    ("GET", "/mlflow/workspaces/{workspace_name}"): ADMIN,
    ("PATCH", "/mlflow/workspaces/{workspace_name}"): ADMIN,
    ("GET", "/openapi.json"): AUTHENTICATED,
    ("GET", "/version"): PUBLIC,
    # Accounts and access tokens: handlers refine "admin or the user themself".
    ("POST", "/mlflow/users/create"): ADMIN,
    ("GET", "/mlflow/users/get"): AUTHENTICATED,
    ("GET", "/mlflow/users/current"): AUTHENTICATED,
    ("GET", "/mlflow/users/list"): ADMIN,
    ("PATCH", "/mlflow/users/update-password"): AUTHENTICATED,
    ("PATCH", "/mlflow/users/update-admin"): ADMIN,
    ("DELETE", "/mlflow/users/delete"): ADMIN,
    ("POST", "/token/create"): AUTHENTICATED,
    ("GET", "/token/list"): AUTHENTICATED,
    ("POST", "/token/delete"): AUTHENTICATED,
}


def route_key(path_template: str) -> str:
    return _PREFIX.sub("", path_template)


def decision_for(method: str, path_template: str) -> Decision | None:
    """The written decision for a route, or None (the caller denies)."""
    method = "GET" if method == "HEAD" else method
    return DECISIONS.get((method, route_key(path_template)))
