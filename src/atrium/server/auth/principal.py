"""Who a request comes from, and what the credential it used allows."""

from __future__ import annotations

from dataclasses import dataclass

from atrium.stores.auth.repository import AccessToken, User


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    token: AccessToken | None = None

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    @property
    def read_only(self) -> bool:
        return self.token is not None and self.token.read_only

    @property
    def restricted(self) -> bool:
        """Signed in with a token limited to some workspaces or to reading."""
        return self.token is not None and (
            self.token.read_only or self.token.workspaces is not None
        )

    def reaches_workspace(self, workspace: str) -> bool:
        """False when the token used is restricted to other workspaces."""
        allowed = self.token.workspaces if self.token is not None else None
        return allowed is None or workspace in allowed
