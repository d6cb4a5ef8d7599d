"""Records the auth store hands out: users, roles with their permissions, grants, tokens."""

from __future__ import annotations

from dataclasses import dataclass

from atrium.domain.permissions import synthetic_role_owner


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool
    password_hash: str | None
    is_service: bool


@dataclass(frozen=True)
class RolePermission:
    id: int
    role_id: int
    resource_type: str
    resource_pattern: str
    permission: str


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    workspace: str
    description: str | None
    permissions: tuple[RolePermission, ...]

    @property
    def synthetic(self) -> bool:
        """Whether this is the hidden ``__user_<id>__`` role that holds per-user grants."""
        return synthetic_role_owner(self.name) is not None


@dataclass(frozen=True)
class Grant:
    """One role permission as seen through one of the user's role assignments."""

    workspace: str
    resource_type: str
    resource_pattern: str
    permission: str
    synthetic: bool


@dataclass(frozen=True)
class AccessToken:
    """A token's metadata; its secret is never stored, only its digest (not exposed here)."""

    id: int
    user_id: int
    comment: str | None
    created_at: int
    expires_at: int | None
    workspaces: tuple[str, ...] | None
    read_only: bool
    last_used_at: int | None
