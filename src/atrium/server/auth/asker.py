"""Who is asking, in which workspace, and the authorizer that answers: what a guard receives."""

from __future__ import annotations

from dataclasses import dataclass

from atrium.domain.authorization import RowFilter
from atrium.domain.permissions import Permission
from atrium.services.auth.authorizer import Action, Authorizer, capable


@dataclass(frozen=True, slots=True)
class Asker:
    authz: Authorizer
    user_id: int
    workspace: str
    is_admin: bool = False
    # The workspaces the credential is limited to (an access token's), or None.
    token_workspaces: tuple[str, ...] | None = None

    def experiment(self, experiment_id: str | None) -> Permission:
        return self.authz.experiment(self.user_id, self.workspace, experiment_id)

    def experiment_can(self, experiment_id: str | None, action: Action) -> bool:
        return capable(self.experiment(experiment_id), action)

    def run(self, run_id: str | None, action: Action) -> bool:
        return self.authz.run(self.user_id, self.workspace, run_id, action)

    def logged_model(self, model_id: str | None, action: Action) -> bool:
        return self.authz.logged_model(self.user_id, self.workspace, model_id, action)

    def model_can(self, name: str | None, action: Action) -> bool:
        permission = self.authz.registered_model(self.user_id, self.workspace, name)
        return capable(permission, action)

    def versions(self, name: str | None, action: Action) -> bool:
        return self.authz.model_versions(self.user_id, self.workspace, name, action)

    def may_create(self, created_type: str, name: str | None = None) -> bool:
        return self.authz.may_create(self.user_id, self.workspace, created_type, name)

    def not_denied(self, resource_type: str) -> bool:
        return self.authz.not_denied(self.user_id, self.workspace, resource_type)

    def rows(self, resource_type: str) -> RowFilter:
        return self.authz.row_filter(self.user_id, self.workspace, resource_type)

    def workspace_level(self) -> Permission:
        return self.authz.workspace_level(self.user_id, self.workspace)
