"""Roles, per-user grants and workspace permissions, as the REST API manages them.

Who may call what is decided before these run (``server/auth/role_guards.py``); these validate
the request and change the auth store, one transaction per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atrium.domain.permissions import (
    WILDCARD,
    WORKSPACE,
    WORKSPACE_GRANTABLE,
    get_permission,
    validate_grant,
)
from atrium.domain.validation import required
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.auth.authorizer import Authorizer
from atrium.stores.auth.repository import AuthStore, Role, User

# Types whose individual resources this server holds; grants on others may only be wildcards.
SERVED_TYPES = frozenset({"experiment", "registered_model", "prompt"})


def parse_id(value: str | None, name: str) -> int:
    """An integer id parameter, refused with MLflow's message when it is not one."""
    text = required(value, name)
    try:
        return int(text)
    except ValueError:
        raise InvalidParameterValue(f"Parameter '{name}' must be an integer. Got: {text}") from None


def user_named(store: AuthStore, username: str | None) -> User:
    user = store.get_user(required(username, "username"))
    if user is None:
        raise ResourceDoesNotExist(f"User with username={username} not found")
    return user


def require_role(store: AuthStore, role_id: int) -> Role:
    role = store.get_role(role_id)
    if role is None:
        raise ResourceDoesNotExist(f"Role with id={role_id} not found")
    return role


def check_resource_type(resource_type: str) -> None:
    if resource_type == WORKSPACE:
        raise InvalidParameterValue(
            "resource_type 'workspace' is not supported by the per-user permission "
            "convenience APIs. Use the workspace permission endpoints "
            "(/api/3.0/mlflow/workspaces/<workspace>/permissions) or roles for "
            "workspace-wide grants."
        )


def resource_key(authz: Authorizer, workspace: str, resource_type: str, resource_id: str) -> str:
    """The pattern a per-user grant is stored under; a named resource must exist here."""
    if resource_id == WILDCARD:
        return WILDCARD
    if resource_type not in SERVED_TYPES:
        return resource_id  # validate_grant refuses ids on wildcard-only types
    if resource_type == "experiment":
        found = authz.resources.experiment(workspace, resource_id)
    else:
        model = authz.resources.registered_model(workspace, resource_id)
        found = model[1] if model is not None else None
    if found is None:
        raise ResourceDoesNotExist(
            f"No {resource_type.replace('_', ' ')} '{resource_id}' in workspace '{workspace}'."
        )
    return found


def grant_user_permission(
    authz: Authorizer,
    workspace: str,
    username: str | None,
    resource_type: str | None,
    resource_id: str | None,
    permission: str | None,
) -> None:
    kind = required(resource_type, "resource_type")
    check_resource_type(kind)
    level = required(permission, "permission")
    pattern = required(resource_id, "resource_id")
    validate_grant(kind, pattern, level)
    if kind not in SERVED_TYPES and pattern != WILDCARD:
        raise InvalidParameterValue(
            f"Resource type '{kind}' is not served by this server: only '*' grants are accepted."
        )
    user = user_named(authz.store, username)
    key = resource_key(authz, workspace, kind, pattern)
    authz.store.grant(user.id, workspace, kind, key, level)


def revoke_user_permission(
    authz: Authorizer,
    workspace: str,
    username: str | None,
    resource_type: str | None,
    resource_id: str | None,
) -> None:
    kind = required(resource_type, "resource_type")
    check_resource_type(kind)
    pattern = required(resource_id, "resource_id")
    user = user_named(authz.store, username)
    if not authz.store.revoke(user.id, workspace, kind, pattern):
        raise ResourceDoesNotExist(
            f"User '{user.username}' holds no permission on {kind} '{pattern}' "
            f"in workspace '{workspace}'."
        )


def user_permission(
    authz: Authorizer,
    workspace: str,
    username: str | None,
    resource_type: str | None,
    resource_id: str | None,
) -> tuple[bool, str]:
    """``(allowed, level)`` of a user on one resource: allowed means the level can use."""
    kind = required(resource_type, "resource_type")
    check_resource_type(kind)
    pattern = required(resource_id, "resource_id")
    user = user_named(authz.store, username)
    if kind == "experiment":
        level = authz.experiment(user.id, workspace, pattern)
    elif kind in ("registered_model", "prompt"):
        level = authz.registered_model(user.id, workspace, pattern)
    else:
        level = authz.permission(user.id, workspace, kind, pattern)
    return level.can_use, level.name


def permission_rows(roles: Iterable[Role], workspaces: set[str] | None = None) -> list[Any]:
    """Every grant of ``roles`` as the permissions-list endpoints show it."""
    return [
        {
            "role_id": role.id,
            "role_name": role.name,
            "workspace": role.workspace,
            "resource_type": grant.resource_type,
            "resource_pattern": grant.resource_pattern,
            "permission": grant.permission,
        }
        for role in roles
        if workspaces is None or role.workspace in workspaces
        for grant in role.permissions
    ]


def workspace_level(permission: str | None) -> str:
    level = required(permission, "permission")
    get_permission(level)
    if level not in WORKSPACE_GRANTABLE:
        raise InvalidParameterValue(
            f"Invalid permission '{level}' for a workspace. Workspace permissions accept only: "
            f"{tuple(sorted(WORKSPACE_GRANTABLE))}."
        )
    return level
