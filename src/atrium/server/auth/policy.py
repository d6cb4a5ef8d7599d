"""Every mounted route's permission decision, written out: a route missing here is denied.

Keys are the method and the route path without its ``/api/<version>`` or
``/ajax-api/<version>`` prefix, so a route and its UI twin share one decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # "public" | "authenticated" | "admin" | "resource" | "artifact"
    reads_only: bool = False


PUBLIC = Decision("public", reads_only=True)
# Any signed-in user; the handler refines (e.g. "an admin or the user themself").
AUTHENTICATED = Decision("authenticated")
AUTHENTICATED_READ = Decision("authenticated", reads_only=True)
ADMIN = Decision("admin")
# Tracking and registry routes: the route's guard (``guards.GUARDS``) decides for non-admins
# from the request itself; a resource route without a guard is open to super admins only.
RESOURCE_READ = Decision("resource", reads_only=True)
RESOURCE_WRITE = Decision("resource")
# Roles, grants and accounts that workspace admins manage too: guards in ``role_guards``.
RBAC_READ = Decision("rbac", reads_only=True)
RBAC_WRITE = Decision("rbac")
# The artifact proxy: the path names the experiment or registered model it belongs to.
ARTIFACT_READ = Decision("artifact", reads_only=True)
ARTIFACT_WRITE = Decision("artifact")

_PREFIX = re.compile(r"^/(?:ajax-)?api/[23]\.0(?=/)")

DECISIONS: dict[tuple[str, str], Decision] = {
    ("GET", "/docs"): AUTHENTICATED,
    ("GET", "/docs/oauth2-redirect"): AUTHENTICATED,
    ("GET", "/health"): PUBLIC,
    ("GET", "/mlflow-artifacts/artifacts"): ARTIFACT_READ,
    ("DELETE", "/mlflow-artifacts/artifacts/{artifact_path:path}"): ARTIFACT_WRITE,
    ("GET", "/mlflow-artifacts/artifacts/{artifact_path:path}"): ARTIFACT_READ,
    ("PUT", "/mlflow-artifacts/artifacts/{artifact_path:path}"): ARTIFACT_WRITE,
    ("POST", "/mlflow-artifacts/mpu/abort/{artifact_path:path}"): ARTIFACT_WRITE,
    ("POST", "/mlflow-artifacts/mpu/complete/{artifact_path:path}"): ARTIFACT_WRITE,
    ("POST", "/mlflow-artifacts/mpu/create/{artifact_path:path}"): ARTIFACT_WRITE,
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
    # Members see their workspace (the reference means to allow this; its path matching fails).
    ("GET", "/mlflow/workspaces/{workspace_name}"): RESOURCE_READ,
    ("PATCH", "/mlflow/workspaces/{workspace_name}"): ADMIN,
    ("GET", "/openapi.json"): AUTHENTICATED,
    ("GET", "/version"): PUBLIC,
    # Accounts and access tokens: handlers refine "admin or the user themself".
    ("POST", "/mlflow/users/create"): RBAC_WRITE,
    ("GET", "/mlflow/users/get"): AUTHENTICATED,
    ("GET", "/mlflow/users/current"): AUTHENTICATED,
    ("GET", "/mlflow/users/list"): RBAC_READ,
    ("PATCH", "/mlflow/users/update-password"): AUTHENTICATED,
    ("PATCH", "/mlflow/users/update-admin"): ADMIN,
    ("DELETE", "/mlflow/users/delete"): ADMIN,
    ("POST", "/token/create"): AUTHENTICATED,
    ("GET", "/token/list"): AUTHENTICATED,
    ("POST", "/token/delete"): AUTHENTICATED,
    # Roles and grants (API 3.0).
    ("POST", "/mlflow/roles/create"): RBAC_WRITE,
    ("GET", "/mlflow/roles/get"): RBAC_READ,
    ("GET", "/mlflow/roles/list"): RBAC_READ,
    ("PATCH", "/mlflow/roles/update"): RBAC_WRITE,
    ("DELETE", "/mlflow/roles/delete"): RBAC_WRITE,
    ("POST", "/mlflow/roles/permissions/add"): RBAC_WRITE,
    ("DELETE", "/mlflow/roles/permissions/remove"): RBAC_WRITE,
    ("GET", "/mlflow/roles/permissions/list"): RBAC_READ,
    ("PATCH", "/mlflow/roles/permissions/update"): RBAC_WRITE,
    ("POST", "/mlflow/roles/assign"): RBAC_WRITE,
    ("DELETE", "/mlflow/roles/unassign"): RBAC_WRITE,
    ("GET", "/mlflow/roles/users/list"): RBAC_READ,
    ("GET", "/mlflow/users/roles/list"): RBAC_READ,
    ("GET", "/mlflow/users/permissions/list"): RBAC_READ,
    ("POST", "/mlflow/users/permissions/grant"): RBAC_WRITE,
    ("POST", "/mlflow/users/permissions/revoke"): RBAC_WRITE,
    ("GET", "/mlflow/users/permissions/get"): RBAC_READ,
    ("GET", "/mlflow/users/current/permissions"): AUTHENTICATED_READ,
    ("GET", "/mlflow/workspaces/{workspace_name}/permissions"): RBAC_READ,
    ("POST", "/mlflow/workspaces/{workspace_name}/permissions"): RBAC_WRITE,
    ("DELETE", "/mlflow/workspaces/{workspace_name}/permissions"): RBAC_WRITE,
}


def route_key(path_template: str) -> str:
    return _PREFIX.sub("", path_template)


def decision_for(method: str, path_template: str) -> Decision | None:
    """The written decision for a route, or None (the caller denies)."""
    method = "GET" if method == "HEAD" else method
    return DECISIONS.get((method, route_key(path_template)))
