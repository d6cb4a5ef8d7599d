"""Users and access tokens of a basic-auth server.

Wire calls under ``/api/2.0/mlflow/users/`` and ``/api/2.0/token/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atrium.client.http import HttpClient, decode
from atrium.protocol import accounts as p
from atrium.protocol.common import WireModel

USERS = "/api/2.0/mlflow/users"
TOKENS = "/api/2.0/token"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> User:
        return cls(int(wire["id"]), str(wire["username"]), bool(wire.get("is_admin", False)))


@dataclass(frozen=True)
class TokenInfo:
    """What the server keeps of a token: never its value.

    ``expiry_time`` is ``None`` for a token that never expires; ``workspaces`` is ``None`` for
    a token valid in every workspace the user may reach.
    """

    token_id: str
    creation_time: int
    expiry_time: int | None
    read_only: bool
    comment: str | None = None
    workspaces: tuple[str, ...] | None = None

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> TokenInfo:
        expiry = int(wire.get("expiry_time", -1))
        limits = wire.get("workspaces")
        return cls(
            token_id=str(wire["token_id"]),
            creation_time=int(wire["creation_time"]),
            expiry_time=expiry if expiry >= 0 else None,
            read_only=bool(wire.get("read_only", False)),
            comment=wire.get("comment") or None,
            workspaces=tuple(str(w) for w in limits) if limits is not None else None,
        )


@dataclass(frozen=True)
class CreatedToken:
    """A new token: ``value`` is shown by the server this once and never again."""

    value: str = field(repr=False)
    info: TokenInfo

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> CreatedToken:
        value = wire["token_value"]
        if not isinstance(value, str) or not value:
            raise ValueError("token_value is missing")
        return cls(value, TokenInfo.from_wire(wire["token_info"]))


def _body(request: WireModel) -> dict[str, Any]:
    return request.model_dump(exclude_none=True)


class AccountsClient:
    """User and token administration; each method is one wire call of the same name.

    Args:
        http: the connection to use (its credentials decide what is allowed).
    """

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def create_user(self, username: str, password: str | None, *, service: bool = False) -> User:
        """Create a user with a password, or a service user (``service=True``, no password),
        which signs in with access tokens only."""
        request = p.CreateUser(
            username=username, password=None if service else password, service=service
        )
        answer = self.http.call("POST", f"{USERS}/create", body=_body(request))
        return decode("user", lambda a: User.from_wire(a["user"]), answer)

    def list_users(self) -> list[User]:
        answer = self.http.call("GET", f"{USERS}/list")
        return decode("users", lambda a: [User.from_wire(u) for u in a.get("users", [])], answer)

    def get_current_user(self) -> User:
        """The user these credentials sign in as."""
        answer = self.http.call("GET", f"{USERS}/current")
        return decode("user", lambda a: User.from_wire(a["user"]), answer)

    def update_admin(self, username: str, is_admin: bool) -> None:
        """Make a user a super admin, or take that away."""
        body = _body(p.UpdateAdmin(username=username, is_admin=is_admin))
        self.http.call("PATCH", f"{USERS}/update-admin", body=body)

    def delete_user(self, username: str) -> None:
        self.http.call("DELETE", f"{USERS}/delete", body=_body(p.Username(username=username)))

    def create_token(
        self,
        *,
        comment: str | None = None,
        lifetime_seconds: int | None = None,
        workspaces: Sequence[str] | None = None,
        read_only: bool = False,
        username: str | None = None,
    ) -> CreatedToken:
        """Mint an access token for the caller, or (admins) for ``username``.

        Args:
            comment: a note shown when listing tokens.
            lifetime_seconds: expiry; ``None`` for a token that does not expire.
            workspaces: the only workspaces the token may reach; ``None`` for all.
            read_only: the token may only read.
            username: whose token it is; another user's needs an admin.
        """
        request = p.CreateToken(
            comment=comment,
            lifetime_seconds=lifetime_seconds,
            workspaces=list(workspaces) if workspaces is not None else None,
            read_only=read_only,
            username=username,
        )
        answer = self.http.call("POST", f"{TOKENS}/create", body=_body(request))
        return decode("token", CreatedToken.from_wire, answer)

    def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        """The caller's tokens, or (admins) another user's."""
        params = {"username": username} if username else None
        answer = self.http.call("GET", f"{TOKENS}/list", params=params)
        return decode(
            "token_infos",
            lambda a: [TokenInfo.from_wire(t) for t in a.get("token_infos", [])],
            answer,
        )

    def delete_token(self, token_id: int) -> None:
        """Revoke a token: it stops authenticating at once."""
        body = _body(p.TokenId(token_id=token_id))
        self.http.call("POST", f"{TOKENS}/delete", body=body)
