"""Wire requests of the user and access-token endpoints."""

from __future__ import annotations

from atrium.protocol.common import Int64, WireModel


class Username(WireModel):
    username: str | None = None


class CreateUser(Username):
    password: str | None = None
    service: bool = False


class UpdatePassword(Username):
    password: str | None = None
    current_password: str | None = None


class UpdateAdmin(Username):
    is_admin: bool = False


class CreateToken(WireModel):
    comment: str | None = None
    lifetime_seconds: Int64 | None = None
    workspaces: list[str] | None = None
    read_only: bool = False
    username: str | None = None


class TokenId(WireModel):
    token_id: Int64 | None = None
