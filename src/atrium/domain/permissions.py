"""Basic-auth permission levels, resource types and the rules a grant must follow (MLflow 3.17)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from atrium.errors import InvalidParameterValue

LEVELS = ("READ", "USE", "EDIT", "MANAGE", "NO_PERMISSIONS", "DENY")

WILDCARD = "*"
WORKSPACE = "workspace"
MAX_PATTERN_LENGTH = 255
MAX_ROLE_NAME_LENGTH = 255


@dataclass(frozen=True)
class Permission:
    """One level: its capabilities and its rank in a fold (DENY is below everything)."""

    name: str
    priority: int
    can_read: bool
    can_use: bool
    can_update: bool
    can_delete: bool
    can_manage: bool

    @property
    def denied(self) -> bool:
        """An explicit veto, unlike NO_PERMISSIONS, which merely lacks every capability."""
        return self.name == "DENY"


def _level(name: str, priority: int, capabilities: int) -> Permission:
    # ``capabilities`` counts how many of read, use, update, delete+manage hold, in that order.
    return Permission(
        name,
        priority,
        can_read=capabilities >= 1,
        can_use=capabilities >= 2,
        can_update=capabilities >= 3,
        can_delete=capabilities >= 4,
        can_manage=capabilities >= 4,
    )


PERMISSIONS: dict[str, Permission] = {
    "READ": _level("READ", 1, 1),
    "USE": _level("USE", 2, 2),
    "EDIT": _level("EDIT", 3, 3),
    "MANAGE": _level("MANAGE", 4, 4),
    "NO_PERMISSIONS": _level("NO_PERMISSIONS", 0, 0),
    "DENY": _level("DENY", -1, 0),
}

# Types whose grants may name one resource (an id or a name) as well as the wildcard.
ADDRESSABLE_TYPES = frozenset(
    {
        "experiment",
        "registered_model",
        "prompt",
        "scorer",
        "gateway_secret",
        "gateway_endpoint",
        "gateway_model_definition",
        "mcp_server",
    }
)
# Sub-resource tiers: a per-id grant could not be enforced in list paths, so only '*'.
WILDCARD_ONLY_TYPES = frozenset(
    {
        WORKSPACE,
        "run",
        "trace",
        "assessment",
        "logged_model",
        "review_queue",
        "registered_model_version",
        "prompt_version",
        "scorer_version",
        "mcp_server_version",
    }
)
RESOURCE_TYPES = ADDRESSABLE_TYPES | WILDCARD_ONLY_TYPES

WORKSPACE_GRANTABLE = frozenset({"USE", "MANAGE"})
RESOURCE_GRANTABLE = frozenset({"READ", "USE", "EDIT", "MANAGE", "DENY"})

SYNTHETIC_ROLE_PREFIX = "__user_"
_SYNTHETIC_ROLE_NAME = re.compile(r"^__user_(\d+)__$")


def get_permission(name: str) -> Permission:
    """The level called ``name``; an unknown name is INVALID_PARAMETER_VALUE."""
    permission = PERMISSIONS.get(name)
    if permission is None:
        raise InvalidParameterValue(f"Invalid permission '{name}'. Valid permissions are: {LEVELS}")
    return permission


def _check_resource_type(resource_type: str) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise InvalidParameterValue(
            f"Invalid resource type '{resource_type}'. "
            f"Valid resource types are: {tuple(sorted(RESOURCE_TYPES))}"
        )


def _check_level_for_type(permission: str, resource_type: str) -> None:
    if resource_type == WORKSPACE:
        if permission not in WORKSPACE_GRANTABLE:
            raise InvalidParameterValue(
                f"Invalid permission '{permission}' for resource_type='{WORKSPACE}'. "
                f"Workspace-wide grants accept only: {tuple(sorted(WORKSPACE_GRANTABLE))}."
            )
    elif permission not in RESOURCE_GRANTABLE:
        raise InvalidParameterValue(
            f"Invalid permission '{permission}' for resource_type='{resource_type}'. "
            f"Resource-level grants accept only: {tuple(sorted(RESOURCE_GRANTABLE))}."
        )


def _check_pattern(pattern: str, resource_type: str) -> None:
    if not pattern:
        raise InvalidParameterValue("resource_pattern cannot be empty.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidParameterValue(
            f"resource_pattern must be at most {MAX_PATTERN_LENGTH} characters."
        )
    if pattern != WILDCARD and resource_type in WILDCARD_ONLY_TYPES:
        raise InvalidParameterValue(
            f"Invalid resource_pattern '{pattern}' for resource_type='{resource_type}'. "
            "This resource type supports only wildcard ('*') grants."
        )


def validate_grant(resource_type: str, pattern: str, permission: str) -> Permission:
    """Check a role permission (type, pattern, level) as MLflow does, in MLflow's order."""
    level = get_permission(permission)
    _check_resource_type(resource_type)
    _check_level_for_type(permission, resource_type)
    _check_pattern(pattern, resource_type)
    return level


def strongest(perms: Iterable[Permission]) -> Permission | None:
    """Fold levels: any DENY vetoes, otherwise the highest wins; ``None`` when there are none."""
    best: Permission | None = None
    for permission in perms:
        if permission.denied:
            return permission
        if best is None or permission.priority > best.priority:
            best = permission
    return best


def synthetic_role_name(user_id: int) -> str:
    """The hidden role that carries one user's per-user grants in a workspace."""
    return f"{SYNTHETIC_ROLE_PREFIX}{user_id}__"


def synthetic_role_owner(name: str) -> int | None:
    """The user id a synthetic role name belongs to, or ``None`` for an ordinary role."""
    match = _SYNTHETIC_ROLE_NAME.match(name)
    return None if match is None else int(match.group(1))


def validate_role_name(name: str) -> str:
    """A user-facing role name: not empty, not too long, not in the reserved namespace."""
    if not name:
        raise InvalidParameterValue("Role name cannot be empty.")
    if len(name) > MAX_ROLE_NAME_LENGTH:
        raise InvalidParameterValue(f"Role name must be at most {MAX_ROLE_NAME_LENGTH} characters.")
    if name.startswith(SYNTHETIC_ROLE_PREFIX):
        raise InvalidParameterValue(
            f"Role name {name!r} uses the reserved '{SYNTHETIC_ROLE_PREFIX}' prefix, which is "
            "held for the per-user permission representation. Choose a different name."
        )
    return name
