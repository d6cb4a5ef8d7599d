"""Who may manage roles, grants and users besides super admins: workspace admins, in their
workspaces; anyone holding a role may look at that workspace's roles; users see their own.

A role or grant that does not exist is denied (403) rather than reported missing, so a
non-admin learns nothing about roles they could not see.
"""

from __future__ import annotations

from typing import Any

from atrium.domain.permissions import WILDCARD, WORKSPACE
from atrium.domain.validation import required
from atrium.errors import AtriumError
from atrium.protocol import roles as p
from atrium.server.auth.asker import Asker
from atrium.server.auth.guards import Guard
from atrium.server.routing import Call
from atrium.services.auth import rbac


def _admin_of(asker: Asker, workspace: str | None) -> bool:
    return bool(workspace) and asker.authz.is_workspace_admin(asker.user_id, workspace or "")


def administered(asker: Asker) -> set[str]:
    """The workspaces the asker is a workspace admin of."""
    grants = asker.authz.store.grants_of_user(asker.user_id)
    return {
        g.workspace for g in grants if g.resource_type == WORKSPACE and g.permission == "MANAGE"
    }


def _role_workspaces(asker: Asker) -> set[str]:
    return {role.workspace for role in asker.authz.store.roles_of_user(asker.user_id)}


def _role_workspace(asker: Asker, role_id: str | None) -> str | None:
    try:
        role = asker.authz.store.get_role(rbac.parse_id(role_id, "role_id"))
    except AtriumError:
        return None
    return None if role is None else role.workspace


def manage_role_workspace(asker: Asker, req: p.CreateRole, _call: Call) -> bool:
    return _admin_of(asker, req.workspace)


def manage_role(asker: Asker, req: p.RoleRef, _call: Call) -> bool:
    return _admin_of(asker, _role_workspace(asker, req.role_id))


def manage_role_permission(asker: Asker, req: p.RolePermissionRef, _call: Call) -> bool:
    try:
        found = asker.authz.store.get_role_permission(
            rbac.parse_id(req.role_permission_id, "role_permission_id")
        )
    except AtriumError:
        return False
    return found is not None and manage_role(asker, p.RoleRef(role_id=str(found.role_id)), _call)


def view_role(asker: Asker, req: p.RoleRef, _call: Call) -> bool:
    workspace = _role_workspace(asker, req.role_id)
    return workspace is not None and workspace in _role_workspaces(asker)


def list_roles(asker: Asker, req: p.ListRoles, _call: Call) -> bool:
    return bool(req.workspace) and set(req.workspace) <= _role_workspaces(asker)


def view_user(asker: Asker, req: Any, call: Call) -> bool:
    """Oneself, or any user for a workspace admin (who then sees only their workspaces)."""
    return req.username == call.ctx.principal or bool(administered(asker))


def check_user_permission(asker: Asker, req: p.ResourceRef, call: Call) -> bool:
    return req.username == call.ctx.principal or _admin_of(asker, asker.workspace)


def manage_resource(asker: Asker, req: p.ResourceRef, _call: Call) -> bool:
    """Granting on a resource needs MANAGE on it; on a whole type, the workspace's admin."""
    kind = required(req.resource_type, "resource_type")
    rbac.check_resource_type(kind)
    required(req.resource_id, "resource_id")
    if req.resource_id == WILDCARD:
        return _admin_of(asker, asker.workspace)
    if kind == "experiment":
        return asker.experiment_can(req.resource_id, "manage")
    if kind in ("registered_model", "prompt"):
        return asker.model_can(req.resource_id, "manage")
    return False


def create_user(asker: Asker, _req: Any, _call: Call) -> bool:
    return bool(administered(asker))


def list_users(asker: Asker, _req: Any, _call: Call) -> bool:
    return asker.may_create("experiment")


def manage_workspace_permissions(asker: Asker, _req: Any, call: Call) -> bool:
    return _admin_of(asker, call.path.get("workspace_name"))


ROLE_GUARDS: dict[tuple[str, str], Guard] = {
    ("POST", "/mlflow/roles/create"): manage_role_workspace,
    ("GET", "/mlflow/roles/get"): view_role,
    ("GET", "/mlflow/roles/list"): list_roles,
    ("PATCH", "/mlflow/roles/update"): manage_role,
    ("DELETE", "/mlflow/roles/delete"): manage_role,
    ("POST", "/mlflow/roles/permissions/add"): manage_role,
    ("DELETE", "/mlflow/roles/permissions/remove"): manage_role_permission,
    ("GET", "/mlflow/roles/permissions/list"): view_role,
    ("PATCH", "/mlflow/roles/permissions/update"): manage_role_permission,
    ("POST", "/mlflow/roles/assign"): manage_role,
    ("DELETE", "/mlflow/roles/unassign"): manage_role,
    ("GET", "/mlflow/roles/users/list"): manage_role,
    ("GET", "/mlflow/users/roles/list"): view_user,
    ("GET", "/mlflow/users/permissions/list"): view_user,
    ("POST", "/mlflow/users/permissions/grant"): manage_resource,
    ("POST", "/mlflow/users/permissions/revoke"): manage_resource,
    ("GET", "/mlflow/users/permissions/get"): check_user_permission,
    ("POST", "/mlflow/users/create"): create_user,
    ("GET", "/mlflow/users/list"): list_users,
    ("GET", "/mlflow/workspaces/{workspace_name}/permissions"): manage_workspace_permissions,
    ("POST", "/mlflow/workspaces/{workspace_name}/permissions"): manage_workspace_permissions,
    ("DELETE", "/mlflow/workspaces/{workspace_name}/permissions"): manage_workspace_permissions,
}
