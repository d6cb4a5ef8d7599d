"""Decide what a non-admin user may do to a resource of the request's workspace.

The rules are :mod:`atrium.domain.authorization`; this class feeds them the user's grants in
the workspace (remembered until the auth store changes, or a few seconds for changes made by
another replica) and the resource being asked about (:class:`ResourceResolver`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from atrium.domain import authorization as rules
from atrium.domain.permissions import PERMISSIONS, WILDCARD, WORKSPACE, Permission, strongest
from atrium.services.auth.resources import ResourceResolver
from atrium.services.auth.ttl_cache import TtlCache
from atrium.stores.auth.repository import AuthStore, Grant

Action = Literal["read", "use", "update", "delete", "manage"]
# Grants changed through another replica are seen within this many seconds.
GRANTS_TTL_SECONDS = 5.0
GRANTS_CACHE_SIZE = 10_000

_CAPABILITY: dict[str, Callable[[Permission], bool]] = {
    "read": lambda p: p.can_read,
    "use": lambda p: p.can_use,
    "update": lambda p: p.can_update,
    "delete": lambda p: p.can_delete,
    "manage": lambda p: p.can_manage,
}


def capable(permission: Permission, action: Action) -> bool:
    return _CAPABILITY[action](permission)


class Authorizer:
    def __init__(
        self,
        store: AuthStore,
        access: rules.AccessRules,
        resolver: ResourceResolver,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.access = access
        self.resources = resolver
        self._grants: TtlCache[tuple[int, str], tuple[int, tuple[Grant, ...]]] = TtlCache(
            GRANTS_CACHE_SIZE, GRANTS_TTL_SECONDS, clock
        )

    def grants(self, user_id: int, workspace: str) -> tuple[Grant, ...]:
        """The user's grants through roles of ``workspace``."""
        commits = self.store.database.commits
        cached = self._grants.get((user_id, workspace))
        if cached is not None and cached[0] == commits:
            return cached[1]
        found = tuple(self.store.grants_of_user(user_id, workspace))
        self._grants.put((user_id, workspace), (commits, found))
        return found

    # -- point operations -------------------------------------------------------------------

    def permission(
        self, user_id: int, workspace: str, resource_type: str, key: str | None
    ) -> Permission:
        """The user's permission on an existing resource (None: it was not found)."""
        if key is None:
            return rules.NO_PERMISSIONS
        grants = self.grants(user_id, workspace)
        return rules.resource_permission(self.access, grants, resource_type, key, workspace)

    def experiment(self, user_id: int, workspace: str, experiment_id: str | None) -> Permission:
        found = self.resources.experiment(workspace, experiment_id) if experiment_id else None
        return self.permission(user_id, workspace, "experiment", found)

    def in_experiment(
        self,
        user_id: int,
        workspace: str,
        experiment_id: str | None,
        tier: str,
        action: Action,
    ) -> bool:
        """An action on a run or logged model of an experiment.

        The experiment must be readable; a grant on the tier's wildcard (``run``,
        ``logged_model``) then decides the action, and without one the experiment's level does.
        """
        found = self.resources.experiment(workspace, experiment_id) if experiment_id else None
        if found is None:
            return False
        return self._tiered(
            workspace, self.grants(user_id, workspace), "experiment", found, tier, action
        )

    def run(self, user_id: int, workspace: str, run_id: str | None, action: Action) -> bool:
        experiment_id = self.resources.run_experiment(workspace, run_id) if run_id else None
        return self.in_experiment(user_id, workspace, experiment_id, "run", action)

    def logged_model(
        self, user_id: int, workspace: str, model_id: str | None, action: Action
    ) -> bool:
        found = self.resources.logged_model_experiment(workspace, model_id) if model_id else None
        return self.in_experiment(user_id, workspace, found, "logged_model", action)

    def registered_model(self, user_id: int, workspace: str, name: str | None) -> Permission:
        found = self.resources.registered_model(workspace, name) if name else None
        if found is None:
            return rules.NO_PERMISSIONS
        return self.permission(user_id, workspace, found[0], found[1])

    def model_versions(
        self, user_id: int, workspace: str, name: str | None, action: Action
    ) -> bool:
        """An action on versions of a registered model: the model's level, unless a grant on
        the version tier's wildcard says otherwise (the model must stay readable)."""
        found = self.resources.registered_model(workspace, name) if name else None
        if found is None:
            return False
        tier = "prompt_version" if found[0] == "prompt" else "registered_model_version"
        grants = self.grants(user_id, workspace)
        return self._tiered(workspace, grants, found[0], found[1], tier, action)

    def _tiered(
        self,
        workspace: str,
        grants: tuple[Grant, ...],
        anchor_type: str,
        anchor_key: str,
        tier: str,
        action: Action,
    ) -> bool:
        if rules.is_workspace_admin(grants):
            return True
        anchor = rules.resource_permission(self.access, grants, anchor_type, anchor_key, workspace)
        if not anchor.can_read:
            return False
        level = rules.type_level(grants, tier, WILDCARD)
        return capable(anchor if level is None else level, action)

    def workspace_level(self, user_id: int, workspace: str) -> Permission:
        """What the user may do in ``workspace`` beyond its experiments and models."""
        level = rules.workspace_level(self.grants(user_id, workspace))
        if level is not None:
            return level
        return self.access.without_grant(workspace)

    def is_workspace_admin(self, user_id: int, workspace: str) -> bool:
        return rules.is_workspace_admin(self.grants(user_id, workspace))

    # -- creation and lists -----------------------------------------------------------------

    def may_create(
        self, user_id: int, workspace: str, created_type: str, name: str | None = None
    ) -> bool:
        grants = self.grants(user_id, workspace)
        return rules.may_create(self.access, grants, created_type, name, workspace)

    def not_denied(self, user_id: int, workspace: str, resource_type: str) -> bool:
        return rules.not_denied(self.grants(user_id, workspace), resource_type)

    def row_filter(self, user_id: int, workspace: str, resource_type: str) -> rules.RowFilter:
        grants = self.grants(user_id, workspace)
        return rules.read_filter(self.access, grants, resource_type, workspace)

    def model_row_filter(self, user_id: int, workspace: str) -> rules.RowFilter:
        """Registered-model rows by name: prompts follow ``prompt`` grants, models
        ``registered_model`` grants (a name is one or the other within a workspace)."""
        models = self.row_filter(user_id, workspace, "registered_model")
        prompts = self.row_filter(user_id, workspace, "prompt")
        if models == prompts:
            return models
        is_prompt = self._prompt_test(workspace)

        def of_kind(names: frozenset[str], prompt: bool) -> frozenset[str]:
            return frozenset(n for n in names if is_prompt(n) is prompt)

        if models.include is None and prompts.include is None:
            return rules.RowFilter(
                None, of_kind(models.exclude, False) | of_kind(prompts.exclude, True)
            )
        if models.include is not None and prompts.include is not None:
            return rules.RowFilter(
                of_kind(models.include - models.exclude, False)
                | of_kind(prompts.include - prompts.exclude, True)
            )
        every_prompt = self.resources.prompt_names(workspace)
        if models.include is None:  # every model but the excluded ones; some prompts
            shown = prompts.include or frozenset()
            hidden = of_kind(models.exclude, False) | (every_prompt - (shown - prompts.exclude))
            return rules.RowFilter(None, hidden)
        shown_models = of_kind(models.include - models.exclude, False)
        return rules.RowFilter(shown_models | (every_prompt - prompts.exclude))

    def _prompt_test(self, workspace: str) -> Callable[[str], bool | None]:
        """Whether a name is a prompt (True), a model (False) or nothing here (None)."""

        def test(name: str) -> bool | None:
            found = self.resources.registered_model(workspace, name)
            return None if found is None else found[0] == "prompt"

        return test

    def visible_workspaces(self, user_id: int, names: list[str]) -> list[str]:
        """The subset of ``names`` the user sees in ``list_workspaces``."""
        assigned = self.store.workspaces_with_assignment(user_id)
        own: dict[str, list[Permission]] = {}
        for grant in self.store.grants_of_user(user_id):
            if grant.synthetic and grant.resource_type == WORKSPACE:
                own.setdefault(grant.workspace, []).append(PERMISSIONS[grant.permission])
        folded = {ws: level for ws, levels in own.items() if (level := strongest(levels))}
        return [
            name for name in names if rules.workspace_visible(self.access, name, assigned, folded)
        ]
