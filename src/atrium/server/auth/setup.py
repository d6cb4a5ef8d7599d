"""Build the authentication runtime for ``--app-name basic-auth`` from its ini file."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from atrium.errors import AtriumError, InvalidState
from atrium.server.auth.authenticate import Authenticator, CustomAuthenticator
from atrium.server.auth_config import BUILTIN_AUTHORIZATION, AuthConfig, load_auth_config
from atrium.server.settings import Settings
from atrium.services.auth.passwords import hash_password, validate_new_password
from atrium.stores.auth.repository import AuthStore

_BUILTIN_NAMES = {BUILTIN_AUTHORIZATION, "atrium.server.auth:authenticate_request_basic_auth"}


@dataclass(frozen=True, slots=True)
class AuthRuntime:
    config: AuthConfig
    store: AuthStore
    authenticator: Authenticator


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


def build_auth(settings: Settings) -> AuthRuntime | None:
    if not settings.app_name:
        return None
    if settings.app_name != "basic-auth":
        raise InvalidState(f"Unknown --app-name '{settings.app_name}'; use 'basic-auth'.")
    config = load_auth_config(settings.auth_config_path, os.environ)
    custom = _custom_authenticator(config.authorization_function)  # refuse before writing
    store = AuthStore.from_uri(config.database_uri)
    _ensure_admin(store, config)
    authenticator = Authenticator(store, custom)
    return AuthRuntime(config, store, authenticator)
