"""Permissions of a basic-auth server: per-resource grants to users, and workspace membership.

Resource grants (``/api/3.0/mlflow/users/permissions/*``) act in the request workspace for the
wildcard id ``*`` and in the resource's own workspace otherwise. Workspace grants
(``/api/3.0/mlflow/workspaces/<name>/permissions``) give a user ``USE`` or ``MANAGE`` of a
whole workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from atrium.client.http import HttpClient, decode

USER_PERMISSIONS = "/api/3.0/mlflow/users/permissions"
CURRENT_USER_PERMISSIONS = "/api/3.0/mlflow/users/current/permissions"
WORKSPACES = "/api/3.0/mlflow/workspaces"


@dataclass(frozen=True)
class ResourcePermission:
    """One permission a user holds through a role (their own synthetic role or a shared one)."""

    role_id: int
    role_name: str
    workspace: str
    resource_type: str
    resource_pattern: str
    permission: str

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ResourcePermission:
        return cls(
            role_id=int(wire["role_id"]),
            role_name=str(wire.get("role_name", "")),
            workspace=str(wire.get("workspace", "")),
            resource_type=str(wire["resource_type"]),
            resource_pattern=str(wire["resource_pattern"]),
            permission=str(wire["permission"]),
        )


@dataclass(frozen=True)
class UserPermissions:
    is_admin: bool
    permissions: tuple[ResourcePermission, ...]

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> UserPermissions:
        rows = wire.get("permissions", [])
        return cls(
            bool(wire.get("is_admin", False)),
            tuple(ResourcePermission.from_wire(row) for row in rows),
        )


@dataclass(frozen=True)
class WorkspacePermission:
    """A user's level (``USE`` or ``MANAGE``) in a whole workspace."""

    workspace: str
    username: str
    permission: str
    user_id: int | None = None

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> WorkspacePermission:
        user_id = wire.get("user_id")
        return cls(
            workspace=str(wire["workspace"]),
            username=str(wire["username"]),
            permission=str(wire["permission"]),
            user_id=int(user_id) if user_id is not None else None,
        )


def _workspace_path(workspace: str) -> str:
    return f"{WORKSPACES}/{quote(workspace, safe='')}/permissions"


class PermissionsClient:
    """Grant, revoke and list permissions; each method is one wire call.

    Args:
        http: the connection to use; its default workspace is the request workspace of the
            resource-level calls.
    """

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def grant_permission(
        self, username: str, resource_type: str, resource_id: str, permission: str
    ) -> None:
        """Give ``username`` a level (``READ``, ``USE``, ``EDIT``, ``MANAGE``,
        ``NO_PERMISSIONS``) on one resource, or on every resource of the type (``"*"``)."""
        body = {
            "username": username,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "permission": permission,
        }
        self.http.call("POST", f"{USER_PERMISSIONS}/grant", body=body)

    def revoke_permission(self, username: str, resource_type: str, resource_id: str) -> None:
        body = {"username": username, "resource_type": resource_type, "resource_id": resource_id}
        self.http.call("POST", f"{USER_PERMISSIONS}/revoke", body=body)

    def list_permissions(self, username: str | None = None) -> UserPermissions:
        """Every permission ``username`` holds, or the caller's own when omitted."""
        if username is None:
            answer = self.http.call("GET", CURRENT_USER_PERMISSIONS)
        else:
            answer = self.http.call(
                "GET", f"{USER_PERMISSIONS}/list", params={"username": username}
            )
        return decode("permissions", UserPermissions.from_wire, answer)

    def list_workspace_permissions(self, workspace: str) -> list[WorkspacePermission]:
        """Who may use or manage ``workspace``."""
        answer = self.http.call("GET", _workspace_path(workspace), workspace=workspace)
        return decode(
            "permissions",
            lambda a: [WorkspacePermission.from_wire(row) for row in a.get("permissions", [])],
            answer,
        )

    def set_workspace_permission(
        self, workspace: str, username: str, permission: str
    ) -> WorkspacePermission:
        """Give ``username`` ``USE`` or ``MANAGE`` of ``workspace`` (replacing their level)."""
        body = {"username": username, "permission": permission}
        answer = self.http.call("POST", _workspace_path(workspace), body=body, workspace=workspace)
        return decode(
            "permission", lambda a: WorkspacePermission.from_wire(a["permission"]), answer
        )

    def delete_workspace_permission(self, workspace: str, username: str) -> None:
        body = {"username": username}
        self.http.call("DELETE", _workspace_path(workspace), body=body, workspace=workspace)
