"""Wire requests of the role, grant and workspace-permission endpoints (``/api/3.0/mlflow``).

Ids arrive as strings in query strings and as numbers or strings in bodies; handlers turn them
into integers with MLflow's message for a value that is not one.
"""

from __future__ import annotations

from atrium.protocol.common import WireModel

WireId = str | None


class CreateRole(WireModel):
    workspace: str | None = None
    name: str | None = None
    description: str | None = None


class RoleRef(WireModel):
    role_id: WireId = None


class ListRoles(WireModel):
    workspace: list[str] = []


class UpdateRole(RoleRef):
    name: str | None = None
    description: str | None = None


class AddRolePermission(RoleRef):
    resource_type: str | None = None
    resource_pattern: str | None = None
    permission: str | None = None


class RolePermissionRef(WireModel):
    role_permission_id: WireId = None


class UpdateRolePermission(RolePermissionRef):
    permission: str | None = None


class RoleAssignment(RoleRef):
    username: str | None = None


class ResourceRef(WireModel):
    username: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None


class GrantUserPermission(ResourceRef):
    permission: str | None = None


class WorkspaceGrant(WireModel):
    username: str | None = None
    permission: str | None = None
