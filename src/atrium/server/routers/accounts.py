"""User and access-token endpoints (mounted with ``--app-name basic-auth``)."""

from __future__ import annotations

from typing import Any

from atrium.protocol import accounts as p
from atrium.server.routers.roles import role_json
from atrium.server.routing import Call, WireRouter
from atrium.services.auth import accounts as svc
from atrium.stores.auth.repository import AccessToken, AuthStore, User

users = WireRouter()
tokens = WireRouter()


def _store(call: Call) -> AuthStore:
    assert call.state.auth is not None
    return call.state.auth.store


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "is_admin": user.is_admin}


def token_json(token: AccessToken) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "token_id": str(token.id),
        "creation_time": token.created_at,
        "expiry_time": token.expires_at if token.expires_at is not None else -1,
        "read_only": token.read_only,
    }
    if token.comment:
        wire["comment"] = token.comment
    if token.workspaces is not None:
        wire["workspaces"] = list(token.workspaces)
    return wire


@users.route("POST", "/users/create", p.CreateUser)
def create_user(req: p.CreateUser, call: Call) -> dict[str, Any]:
    created = svc.create_user(_store(call), req.username, req.password, req.service)
    return {"user": user_json(created)}


@users.route("GET", "/users/get", p.Username)
def get_user(req: p.Username, call: Call) -> dict[str, Any]:
    return {"user": user_json(svc.get_user(call.ctx, _store(call), req.username))}


@users.route("GET", "/users/current", None)
def current_user(_req: None, call: Call) -> dict[str, Any]:
    found = svc.get_user(call.ctx, _store(call), call.ctx.principal)
    return {"user": user_json(found), "is_basic_auth": True}


@users.route("GET", "/users/list", None)
def list_users(_req: None, call: Call) -> dict[str, Any]:
    """Every user with their roles; a non-admin sees the roles of the request workspace only."""
    store = _store(call)
    listed = []
    for user in store.list_users():
        roles = store.roles_of_user(user.id)
        if not call.ctx.is_admin:
            roles = [r for r in roles if r.workspace == call.ctx.workspace]
        listed.append({**user_json(user), "roles": [role_json(r) for r in roles]})
    return {"users": listed}


@users.route("PATCH", "/users/update-password", p.UpdatePassword)
def update_password(req: p.UpdatePassword, call: Call) -> dict[str, Any]:
    svc.update_password(call.ctx, _store(call), req.username, req.password, req.current_password)
    if call.state.auth is not None:
        call.state.auth.authenticator.forget()
    return {}


@users.route("PATCH", "/users/update-admin", p.UpdateAdmin)
def update_admin(req: p.UpdateAdmin, call: Call) -> dict[str, Any]:
    svc.update_admin(_store(call), req.username, req.is_admin)
    return {}


@users.route("DELETE", "/users/delete", p.Username)
def delete_user(req: p.Username, call: Call) -> dict[str, Any]:
    svc.delete_user(call.ctx, _store(call), req.username)
    if call.state.auth is not None:
        call.state.auth.authenticator.forget()
    return {}


@tokens.route("POST", "/token/create", p.CreateToken)
def create_token(req: p.CreateToken, call: Call) -> dict[str, Any]:
    value, token = svc.create_token(
        call.ctx,
        _store(call),
        req.comment,
        req.lifetime_seconds,
        req.workspaces,
        req.read_only,
        req.username,
    )
    return {"token_value": value, "token_info": token_json(token)}


@tokens.route("GET", "/token/list", p.Username)
def list_tokens(req: p.Username, call: Call) -> dict[str, Any]:
    found = svc.list_tokens(call.ctx, _store(call), req.username)
    return {"token_infos": [token_json(t) for t in found]}


@tokens.route("POST", "/token/delete", p.TokenId)
def delete_token(req: p.TokenId, call: Call) -> dict[str, Any]:
    svc.delete_token(call.ctx, _store(call), req.token_id)
    return {}
