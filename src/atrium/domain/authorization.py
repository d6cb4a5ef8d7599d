"""How a user's grants in one workspace decide what they may do (MLflow 3.17's RBAC rules).

Pure functions over the grants a user holds through roles of the workspace that owns a resource;
fetching grants and finding that workspace is the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.permissions import PERMISSIONS, WILDCARD, WORKSPACE, Permission, strongest

NO_PERMISSIONS = PERMISSIONS["NO_PERMISSIONS"]
MANAGE = PERMISSIONS["MANAGE"]
DENY = PERMISSIONS["DENY"]


class GrantLike(Protocol):
    @property
    def resource_type(self) -> str: ...
    @property
    def resource_pattern(self) -> str: ...
    @property
    def permission(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AccessRules:
    """The server-wide settings the decisions depend on."""

    default_permission: Permission
    workspaces_enabled: bool
    grant_default_workspace_access: bool

    def without_grant(self, workspace: str) -> Permission:
        """What a user holding no matching grant gets in ``workspace``."""
        if not self.workspaces_enabled:
            return self.default_permission
        if workspace == DEFAULT_WORKSPACE and self.grant_default_workspace_access:
            return self.default_permission
        return NO_PERMISSIONS


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Which rows of one resource type a list or search may show.

    ``include`` is None for "every row except ``exclude``", else the only rows shown.
    """

    include: frozenset[str] | None
    exclude: frozenset[str] = frozenset()

    def allows(self, key: str) -> bool:
        if key in self.exclude:
            return False
        return self.include is None or key in self.include


EVERYTHING = RowFilter(None)
NOTHING = RowFilter(frozenset())


def _levels(grants: Iterable[GrantLike]) -> list[Permission]:
    return [PERMISSIONS[g.permission] for g in grants if g.permission in PERMISSIONS]


def workspace_level(grants: Sequence[GrantLike]) -> Permission | None:
    """The fold of the user's workspace-wide grants (USE: member, MANAGE: workspace admin)."""
    return strongest(_levels(g for g in grants if g.resource_type == WORKSPACE))


def is_workspace_admin(grants: Sequence[GrantLike]) -> bool:
    level = workspace_level(grants)
    return level is not None and level.can_manage


def type_level(grants: Sequence[GrantLike], resource_type: str, key: str) -> Permission | None:
    """The fold of the grants on ``resource_type`` naming ``key`` or the wildcard."""
    return strongest(
        _levels(
            g
            for g in grants
            if g.resource_type == resource_type and g.resource_pattern in (WILDCARD, key)
        )
    )


def resource_permission(
    rules: AccessRules,
    grants: Sequence[GrantLike],
    resource_type: str,
    key: str,
    workspace: str,
) -> Permission:
    """A point operation's permission on one existing resource of ``workspace``.

    A workspace admin manages everything there, before any DENY; otherwise the grants on the
    resource (or its type's wildcard) fold, a DENY vetoing and a positive level being raised to
    at least ``default_permission``; with no such grant the workspace's floor applies.
    """
    if is_workspace_admin(grants):
        return MANAGE
    level = type_level(grants, resource_type, key)
    if level is None:
        return rules.without_grant(workspace)
    if level.denied:
        return level
    floor = rules.default_permission
    return level if level.priority >= floor.priority else floor


def not_denied(grants: Sequence[GrantLike], resource_type: str, key: str = WILDCARD) -> bool:
    """No DENY on the type's wildcard (or on ``key``): a sub-resource tier is not vetoed."""
    level = type_level(grants, resource_type, key)
    return level is None or not level.denied


def read_filter(
    rules: AccessRules, grants: Sequence[GrantLike], resource_type: str, workspace: str
) -> RowFilter:
    """The rows of ``resource_type`` in ``workspace`` a list shows.

    A grant on the row (or the type's wildcard) decides; without one, a workspace-wide grant
    (USE or MANAGE) shows it, and failing that the workspace's floor.
    """
    typed = [g for g in grants if g.resource_type == resource_type]
    wildcard = strongest(_levels(g for g in typed if g.resource_pattern == WILDCARD))
    if wildcard is not None and wildcard.denied:
        return NOTHING
    denied = frozenset(
        g.resource_pattern
        for g in typed
        if g.resource_pattern != WILDCARD and g.permission == DENY.name
    )
    member = workspace_level(grants)
    base = (
        wildcard is not None
        or (member is not None and member.can_read)
        or rules.without_grant(workspace).can_read
    )
    if base:
        return RowFilter(None, denied)
    allowed = frozenset(
        g.resource_pattern for g in typed if g.resource_pattern != WILDCARD
    ).difference(denied)
    return RowFilter(allowed)


def may_create(
    rules: AccessRules,
    grants: Sequence[GrantLike],
    created_type: str,
    name: str | None,
    workspace: str,
) -> bool:
    """Whether the user may create a ``created_type`` (experiment, registered model...) here.

    With workspaces on, creating needs a workspace-wide grant that can use (member or admin),
    or the ``default`` workspace's inherited floor when that can use. A DENY on the type's
    wildcard or on the new name always vetoes.
    """
    if not not_denied(grants, created_type, name or WILDCARD):
        return False
    if not rules.workspaces_enabled:
        return True
    member = workspace_level(grants)
    if member is not None and member.can_use:
        return True
    inherited = workspace == DEFAULT_WORKSPACE and rules.grant_default_workspace_access
    return inherited and rules.default_permission.can_use


def workspace_visible(
    rules: AccessRules,
    workspace: str,
    assigned: set[str],
    workspace_grants: dict[str, Permission],
) -> bool:
    """Whether a non-admin sees ``workspace`` in ``list_workspaces`` (and may get it).

    ``assigned``: workspaces where the user holds an ordinary role; ``workspace_grants``: the
    user's own (per-user) workspace-wide grant levels by workspace.
    """
    if workspace in assigned:
        return True
    own = workspace_grants.get(workspace)
    if own is not None and own.can_read:
        return True
    return (
        workspace == DEFAULT_WORKSPACE
        and rules.grant_default_workspace_access
        and rules.workspaces_enabled
    )
