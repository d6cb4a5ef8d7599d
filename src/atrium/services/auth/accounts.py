"""Users and access tokens: who may create, read, change and revoke them."""

from __future__ import annotations

from collections.abc import Sequence

from atrium.errors import BadRequest, InvalidParameterValue, PermissionDenied, ResourceDoesNotExist
from atrium.services.auth.passwords import (
    hash_password,
    validate_new_password,
    verify_password,
)
from atrium.services.auth.tokens import new_token
from atrium.services.context import RequestContext, now_ms
from atrium.stores.auth.repository import AccessToken, AuthStore, User

MAX_TOKEN_LIFETIME_SECONDS = 365 * 24 * 3600


def _require_user(store: AuthStore, username: str | None) -> User:
    user = store.get_user(username) if username else None
    if user is None:
        raise ResourceDoesNotExist(f"User with username={username} not found")
    return user


def _self_or_admin(ctx: RequestContext, username: str | None) -> None:
    if not ctx.is_admin and username != ctx.principal:
        raise PermissionDenied("Permission denied")


def create_user(
    store: AuthStore, username: str | None, password: str | None, service: bool = False
) -> User:
    """A user with a password, or a service user (no password; it signs in with tokens)."""
    if not username:
        raise InvalidParameterValue("Username and password cannot be empty.")
    if service:
        return store.create_user(username, None, is_service=True)
    return store.create_user(username, hash_password(validate_new_password(password)))


def get_user(ctx: RequestContext, store: AuthStore, username: str | None) -> User:
    _self_or_admin(ctx, username)
    return _require_user(store, username)


def update_password(
    ctx: RequestContext,
    store: AuthStore,
    username: str | None,
    password: str | None,
    current_password: str | None,
) -> None:
    _self_or_admin(ctx, username)
    user = _require_user(store, username)
    if user.is_service:
        raise InvalidParameterValue(
            f"'{user.username}' is a service user: it signs in with access tokens only."
        )
    new = validate_new_password(password)
    if not ctx.is_admin:
        if not current_password or not verify_password(user.password_hash or "", current_password):
            raise PermissionDenied("Permission denied")
        if new == current_password:
            raise InvalidParameterValue("The new password must differ from the current one.")
    store.set_password(user.username, hash_password(new))


def update_admin(store: AuthStore, username: str | None, is_admin: bool) -> None:
    store.set_admin(_require_user(store, username).username, is_admin)


def delete_user(ctx: RequestContext, store: AuthStore, username: str | None) -> None:
    user = _require_user(store, username)
    if user.username == ctx.principal:
        raise BadRequest("You cannot delete your own account.")
    store.delete_user(user.username)


def create_token(
    ctx: RequestContext,
    store: AuthStore,
    comment: str | None,
    lifetime_seconds: int | None,
    workspaces: Sequence[str] | None,
    read_only: bool,
    for_username: str | None = None,
) -> tuple[str, AccessToken]:
    """A new token; its value is returned once, and only its digest is kept."""
    if for_username and for_username != ctx.principal and not ctx.is_admin:
        raise PermissionDenied("Permission denied")
    user = _require_user(store, for_username or ctx.principal)
    if lifetime_seconds is not None and not 0 < lifetime_seconds <= MAX_TOKEN_LIFETIME_SECONDS:
        raise InvalidParameterValue(
            f"lifetime_seconds must be between 1 and {MAX_TOKEN_LIFETIME_SECONDS}."
        )
    if workspaces is not None and not workspaces:
        raise InvalidParameterValue(
            "workspaces must name at least one workspace; omit it for a token of every workspace."
        )
    now = now_ms()
    expires = now + lifetime_seconds * 1000 if lifetime_seconds is not None else None
    plaintext, digest = new_token()
    limits = list(workspaces) if workspaces is not None else None
    token = store.create_token(user.id, digest, comment, now, expires, limits, read_only)
    return plaintext, token


def list_tokens(ctx: RequestContext, store: AuthStore, username: str | None) -> list[AccessToken]:
    """Your own tokens; an admin may list another user's."""
    if username and username != ctx.principal:
        if not ctx.is_admin:
            raise PermissionDenied("Permission denied")
        return store.list_tokens(_require_user(store, username).id)
    return store.list_tokens(_require_user(store, ctx.principal).id)


def delete_token(ctx: RequestContext, store: AuthStore, token_id: int | None) -> None:
    """Revoke one of your tokens; an admin may revoke any."""
    if token_id is None:
        raise InvalidParameterValue("Missing value for required parameter 'token_id'.")
    mine = {t.id for t in store.list_tokens(_require_user(store, ctx.principal).id)}
    if token_id not in mine and not ctx.is_admin:
        raise ResourceDoesNotExist(f"Token {token_id} not found")
    if not store.delete_token(token_id):
        raise ResourceDoesNotExist(f"Token {token_id} not found")
