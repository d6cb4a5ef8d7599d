"""Role, grant and workspace-permission endpoints (``/api/3.0/mlflow``, with basic-auth)."""

from __future__ import annotations

from typing import Any

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.validation import required
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.protocol import roles as p
from atrium.server.auth.asker import Asker
from atrium.server.auth.role_guards import administered
from atrium.server.routing import Call, WireRouter
from atrium.services.auth import rbac
from atrium.services.auth.authorizer import Authorizer
from atrium.stores.auth.repository import Role, RolePermission

router = WireRouter()


def _authz(call: Call) -> Authorizer:
    assert call.state.auth is not None
    return call.state.auth.authorizer


def rp_json(rp: RolePermission) -> dict[str, Any]:
    return {
        "id": rp.id,
        "role_id": rp.role_id,
        "resource_type": rp.resource_type,
        "resource_pattern": rp.resource_pattern,
        "permission": rp.permission,
    }


def role_json(role: Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "workspace": role.workspace,
        "description": role.description,
        "permissions": [rp_json(rp) for rp in role.permissions],
    }


def _role_id(req: p.RoleRef) -> int:
    return rbac.parse_id(req.role_id, "role_id")


def _visible_workspaces(call: Call, username: str | None) -> set[str] | None:
    """None when the caller sees every workspace's rows of ``username`` (admin, or self)."""
    if call.ctx.is_admin or username == call.ctx.principal:
        return None
    authz = _authz(call)
    caller = rbac.user_named(authz.store, call.ctx.principal)
    return administered(Asker(authz, caller.id, call.ctx.workspace))


@router.route("POST", "/roles/create", p.CreateRole)
def create_role(req: p.CreateRole, call: Call) -> dict[str, Any]:
    workspace = required(req.workspace, "workspace")
    name = required(req.name, "name")
    return {"role": role_json(_authz(call).store.create_role(workspace, name, req.description))}


@router.route("GET", "/roles/get", p.RoleRef)
def get_role(req: p.RoleRef, call: Call) -> dict[str, Any]:
    return {"role": role_json(rbac.require_role(_authz(call).store, _role_id(req)))}


@router.route("GET", "/roles/list", p.ListRoles)
def list_roles(req: p.ListRoles, call: Call) -> dict[str, Any]:
    found = _authz(call).store.list_roles(req.workspace or None)
    return {"roles": [role_json(r) for r in found]}


@router.route("PATCH", "/roles/update", p.UpdateRole)
def update_role(req: p.UpdateRole, call: Call) -> dict[str, Any]:
    if req.name is None and req.description is None:
        raise InvalidParameterValue("Role update must set 'name' or 'description'.")
    updated = _authz(call).store.update_role(_role_id(req), req.name, req.description)
    return {"role": role_json(updated)}


@router.route("DELETE", "/roles/delete", p.RoleRef)
def delete_role(req: p.RoleRef, call: Call) -> dict[str, Any]:
    _authz(call).store.delete_role(_role_id(req))
    return {}


@router.route("POST", "/roles/permissions/add", p.AddRolePermission)
def add_role_permission(req: p.AddRolePermission, call: Call) -> dict[str, Any]:
    added = _authz(call).store.add_role_permission(
        _role_id(req),
        required(req.resource_type, "resource_type"),
        required(req.resource_pattern, "resource_pattern"),
        required(req.permission, "permission"),
    )
    return {"role_permission": rp_json(added)}


@router.route("DELETE", "/roles/permissions/remove", p.RolePermissionRef)
def remove_role_permission(req: p.RolePermissionRef, call: Call) -> dict[str, Any]:
    permission_id = rbac.parse_id(req.role_permission_id, "role_permission_id")
    _authz(call).store.remove_role_permission(permission_id)
    return {}


@router.route("GET", "/roles/permissions/list", p.RoleRef)
def list_role_permissions(req: p.RoleRef, call: Call) -> dict[str, Any]:
    role = rbac.require_role(_authz(call).store, _role_id(req))
    return {"role_permissions": [rp_json(rp) for rp in role.permissions]}


@router.route("PATCH", "/roles/permissions/update", p.UpdateRolePermission)
def update_role_permission(req: p.UpdateRolePermission, call: Call) -> dict[str, Any]:
    permission_id = rbac.parse_id(req.role_permission_id, "role_permission_id")
    level = required(req.permission, "permission")
    return {
        "role_permission": rp_json(_authz(call).store.update_role_permission(permission_id, level))
    }


@router.route("POST", "/roles/assign", p.RoleAssignment)
def assign_role(req: p.RoleAssignment, call: Call) -> dict[str, Any]:
    store = _authz(call).store
    user = rbac.user_named(store, req.username)
    assignment_id, user_id, role_id = store.assign_role(user.id, _role_id(req))
    return {"assignment": {"id": assignment_id, "user_id": user_id, "role_id": role_id}}


@router.route("DELETE", "/roles/unassign", p.RoleAssignment)
def unassign_role(req: p.RoleAssignment, call: Call) -> dict[str, Any]:
    store = _authz(call).store
    store.unassign_role(rbac.user_named(store, req.username).id, _role_id(req))
    return {}


@router.route("GET", "/roles/users/list", p.RoleRef)
def list_role_users(req: p.RoleRef, call: Call) -> dict[str, Any]:
    found = _authz(call).store.users_of_role(_role_id(req))
    return {"assignments": [{"id": a, "user_id": u, "role_id": r} for a, u, r in found]}


@router.route("GET", "/users/roles/list", p.ResourceRef)
def list_user_roles(req: p.ResourceRef, call: Call) -> dict[str, Any]:
    store = _authz(call).store
    shown = _visible_workspaces(call, req.username)
    roles = store.roles_of_user(rbac.user_named(store, req.username).id)
    return {"roles": [role_json(r) for r in roles if shown is None or r.workspace in shown]}


def _permissions(call: Call, username: str | None) -> dict[str, Any]:
    store = _authz(call).store
    user = rbac.user_named(store, username)
    rows = rbac.permission_rows(store.roles_of_user(user.id), _visible_workspaces(call, username))
    return {"is_admin": user.is_admin, "permissions": rows}


@router.route("GET", "/users/current/permissions", None)
def current_user_permissions(_req: None, call: Call) -> dict[str, Any]:
    return _permissions(call, call.ctx.principal)


@router.route("GET", "/users/permissions/list", p.ResourceRef)
def list_user_permissions(req: p.ResourceRef, call: Call) -> dict[str, Any]:
    return _permissions(call, req.username)


@router.route("POST", "/users/permissions/grant", p.GrantUserPermission)
def grant_user_permission(req: p.GrantUserPermission, call: Call) -> dict[str, Any]:
    rbac.grant_user_permission(
        _authz(call),
        call.ctx.workspace,
        req.username,
        req.resource_type,
        req.resource_id,
        req.permission,
    )
    return {}


@router.route("POST", "/users/permissions/revoke", p.ResourceRef)
def revoke_user_permission(req: p.ResourceRef, call: Call) -> dict[str, Any]:
    rbac.revoke_user_permission(
        _authz(call), call.ctx.workspace, req.username, req.resource_type, req.resource_id
    )
    return {}


@router.route("GET", "/users/permissions/get", p.ResourceRef)
def get_user_permission(req: p.ResourceRef, call: Call) -> dict[str, Any]:
    allowed, level = rbac.user_permission(
        _authz(call), call.ctx.workspace, req.username, req.resource_type, req.resource_id
    )
    return {"allowed": allowed, "permission": level}


def _existing_workspace(call: Call) -> str:
    name = call.path["workspace_name"]
    directory = call.state.workspaces
    if directory is not None:
        directory.require(name)  # RESOURCE_DOES_NOT_EXIST for an unknown workspace
    elif name != DEFAULT_WORKSPACE:
        raise ResourceDoesNotExist(f"Workspace '{name}' not found")
    return name


def _grant_json(workspace: str, user_id: int, username: str, level: str) -> dict[str, Any]:
    return {"workspace": workspace, "user_id": user_id, "username": username, "permission": level}


@router.route("GET", "/workspaces/{workspace_name}/permissions", None)
def list_workspace_permissions(_req: None, call: Call) -> dict[str, Any]:
    workspace = _existing_workspace(call)
    found = _authz(call).store.workspace_grants(workspace)
    return {"permissions": [_grant_json(workspace, *row) for row in found]}


@router.route("POST", "/workspaces/{workspace_name}/permissions", p.WorkspaceGrant)
def grant_workspace_permission(req: p.WorkspaceGrant, call: Call) -> dict[str, Any]:
    workspace = _existing_workspace(call)
    level = rbac.workspace_level(req.permission)
    store = _authz(call).store
    user = rbac.user_named(store, req.username)
    store.grant(user.id, workspace, "workspace", "*", level)
    return {"permission": _grant_json(workspace, user.id, user.username, level)}


@router.route("DELETE", "/workspaces/{workspace_name}/permissions", p.WorkspaceGrant)
def revoke_workspace_permission(req: p.WorkspaceGrant, call: Call) -> dict[str, Any]:
    workspace = _existing_workspace(call)
    store = _authz(call).store
    user = rbac.user_named(store, req.username)
    if not store.revoke(user.id, workspace, "workspace", "*"):
        raise ResourceDoesNotExist(
            f"User '{user.username}' holds no permission on workspace '{workspace}'."
        )
    return {}
