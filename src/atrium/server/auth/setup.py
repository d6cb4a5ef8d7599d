"""Build the authentication runtime for ``--app-name basic-auth`` from its ini file."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from atrium.domain.authorization import AccessRules
from atrium.domain.permissions import get_permission
from atrium.errors import AtriumError, InvalidState
from atrium.server.auth import policy
from atrium.server.auth.authenticate import Authenticator, CustomAuthenticator
from atrium.server.auth.gate import Gate, closed_gate
from atrium.server.auth.guards import GUARDS
from atrium.server.auth.hooks import HOOKS
from atrium.server.auth.role_guards import ROLE_GUARDS
from atrium.server.auth.workspace_access import RESULT_FILTERS
from atrium.server.auth_config import BUILTIN_AUTHORIZATION, AuthConfig, load_auth_config
from atrium.server.settings import Settings
from atrium.services.auth.authorizer import Authorizer
from atrium.services.auth.passwords import hash_password, validate_new_password
from atrium.services.auth.resources import ResourceResolver
from atrium.stores.auth.repository import AuthStore
from atrium.stores.base import UnitOfWork

_BUILTIN_NAMES = {BUILTIN_AUTHORIZATION, "atrium.server.auth:authenticate_request_basic_auth"}


@dataclass(frozen=True, slots=True)
class AuthRuntime:
    config: AuthConfig
    store: AuthStore
    authenticator: Authenticator
    authorizer: Authorizer

    def gate_for(self, method: str, path: str) -> Gate | None:
        """What runs around the handler of a route: its guard, result filter and hook."""
        key = (method, policy.route_key(path))
        decision = policy.DECISIONS.get(key)
        hook = HOOKS.get(key)
        result_filter = RESULT_FILTERS.get(key)
        if decision is not None and decision.kind in ("resource", "rbac"):
            guard = GUARDS.get(key) or ROLE_GUARDS.get(key)
            gate = Gate(self.authorizer, guard, hook, result_filter)
            return gate if guard is not None else closed_gate(gate)
        if hook is None and result_filter is None:
            return None
        return Gate(self.authorizer, None, hook, result_filter)


def _custom_authenticator(spec: str) -> CustomAuthenticator | None:
    """Any ``module:function`` other than the built-in: called with the request headers, it
    returns the authenticated username, or None to refuse."""
    if spec in _BUILTIN_NAMES:
        return None
    module_name, _, function_name = spec.partition(":")
    try:
        function: CustomAuthenticator = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InvalidState(f"Cannot load authorization_function '{spec}': {exc}") from None
    return function


def _ensure_admin(store: AuthStore, config: AuthConfig) -> None:
    """Create the bootstrap admin on first start; there is no built-in default password."""
    if store.get_user(config.admin_username) is not None:
        return
    try:
        password = validate_new_password(config.admin_password)
    except AtriumError as error:
        raise InvalidState(
            f"admin_password is required to create the admin user '{config.admin_username}': "
            f"{error.message}"
        ) from None
    store.create_user(config.admin_username, hash_password(password), is_admin=True)


def _authorizer(
    store: AuthStore, config: AuthConfig, uow: UnitOfWork, workspaces: bool
) -> Authorizer:
    access = AccessRules(
        default_permission=get_permission(config.default_permission),
        workspaces_enabled=workspaces,
        grant_default_workspace_access=config.grant_default_workspace_access,
    )
    resolver = ResourceResolver(
        uow, config.workspace_cache_max_size, float(config.workspace_cache_ttl_seconds)
    )
    return Authorizer(store, access, resolver)


def build_auth(settings: Settings, uow: UnitOfWork) -> AuthRuntime | None:
    if not settings.app_name:
        return None
    if settings.app_name != "basic-auth":
        raise InvalidState(f"Unknown --app-name '{settings.app_name}'; use 'basic-auth'.")
    config = load_auth_config(settings.auth_config_path, os.environ)
    custom = _custom_authenticator(config.authorization_function)  # refuse before writing
    store = AuthStore.from_uri(config.database_uri)
    _ensure_admin(store, config)
    authenticator = Authenticator(store, custom)
    authorizer = _authorizer(store, config, uow, settings.enable_workspaces)
    return AuthRuntime(config, store, authenticator, authorizer)
