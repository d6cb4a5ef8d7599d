"""The basic-auth configuration file (MLflow's ``basic_auth.ini``), read strictly.

Every mistake is a one-line INVALID_STATE naming the file and the key, so the server refuses to
start instead of running with a half-understood policy. Values are never interpolated: a ``%``
in a password or an encoded database URI is kept as written.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atrium.domain.permissions import PERMISSIONS
from atrium.errors import InvalidState
from atrium.server.settings import DATA_DIR

BUILTIN_AUTHORIZATION = "mlflow.server.auth:authenticate_request_basic_auth"
ATRIUM_BUILTIN_AUTHORIZATION = "atrium.server.auth:authenticate_request_basic_auth"
SECTIONS = ("mlflow", "atrium")
DEFAULT_DATABASE_URI = f"sqlite:///{(DATA_DIR / 'auth.db').as_posix()}"

_FUNCTION_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
# A default permission is the floor of a positive grant, so it must grant something.
_DEFAULT_PERMISSIONS = tuple(name for name, p in PERMISSIONS.items() if p.can_read)


@dataclass(frozen=True)
class AuthConfig:
    """The settings of the basic-auth layer; see ``load_auth_config``."""

    default_permission: str = "READ"
    database_uri: str = DEFAULT_DATABASE_URI
    admin_username: str = "admin"
    admin_password: str | None = None
    authorization_function: str = BUILTIN_AUTHORIZATION
    grant_default_workspace_access: bool = False
    workspace_cache_max_size: int = 10_000
    workspace_cache_ttl_seconds: int = 3_600
    read_database_uri: str | None = None
    auth_cache_max_size: int = 10_000
    auth_cache_ttl_seconds: int = 0

    @property
    def uses_builtin_authorization(self) -> bool:
        return self.authorization_function == BUILTIN_AUTHORIZATION


def _text(value: str) -> str:
    return value


def _optional_text(value: str) -> str | None:
    return value or None


def _default_permission(value: str) -> str:
    if value not in _DEFAULT_PERMISSIONS:
        raise ValueError(f"expected one of {', '.join(_DEFAULT_PERMISSIONS)}")
    return value


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("it cannot be empty")
    return value


def _authorization_function(value: str) -> str:
    if value == ATRIUM_BUILTIN_AUTHORIZATION:
        return BUILTIN_AUTHORIZATION
    if not _FUNCTION_REFERENCE.match(value):
        raise ValueError("expected 'module:function'")
    return value


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError("expected true, false, 1 or 0")


def _count(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise ValueError("expected a whole number >= 0")
    return int(value)


_KEYS: dict[str, Callable[[str], object]] = {
    "default_permission": _default_permission,
    "database_uri": _non_empty,
    "read_database_uri": _optional_text,
    "admin_username": _text,
    "admin_password": _optional_text,
    "authorization_function": _authorization_function,
    "grant_default_workspace_access": _boolean,
    "workspace_cache_max_size": _count,
    "workspace_cache_ttl_seconds": _count,
    "auth_cache_max_size": _count,
    "auth_cache_ttl_seconds": _count,
}

# Environment variables that win over the file, even when set to an empty value (as MLflow).
_ENV_OVERRIDES = {
    "admin_username": ("ATRIUM_AUTH_ADMIN_USERNAME", "MLFLOW_AUTH_ADMIN_USERNAME"),
    "admin_password": ("ATRIUM_AUTH_ADMIN_PASSWORD", "MLFLOW_AUTH_ADMIN_PASSWORD"),
}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _read_section(path: str) -> tuple[str, dict[str, str]]:
    if not Path(path).is_file():
        raise InvalidState(f"Auth config file '{path}' does not exist or is not a file")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise InvalidState(f"Cannot read auth config {path}: {_one_line(exc)}") from None
    found = [name for name in SECTIONS if parser.has_section(name)]
    if len(found) != 1:
        raise InvalidState(f"Auth config {path} must have exactly one [mlflow] or [atrium] section")
    return found[0], dict(parser.items(found[0]))


def _parse_values(path: str, section: str, raw: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in raw.items():
        parse = _KEYS.get(key)
        if parse is None:
            raise InvalidState(f"Unknown key '{key}' in auth config {path} [{section}]")
        try:
            values[key] = parse(text)
        except ValueError as exc:
            raise InvalidState(
                f"Invalid value {text!r} for '{key}' in auth config {path} [{section}]: {exc}"
            ) from None
    return values


def _apply_environment(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key, names in _ENV_OVERRIDES.items():
        for name in names:
            if name in environ:
                values[key] = _KEYS[key](environ[name])
                break


def load_auth_config(path: str | None, environ: Mapping[str, str]) -> AuthConfig:
    """Read the auth config at ``path`` (built-in defaults when ``None``), then the environment.

    Keys may sit in an ``[mlflow]`` or an ``[atrium]`` section; ``ATRIUM_AUTH_ADMIN_*`` wins over
    ``MLFLOW_AUTH_ADMIN_*``, which wins over the file. An empty admin password means none.
    """
    values: dict[str, Any] = {}
    if path is not None:
        section, raw = _read_section(path)
        values = _parse_values(path, section, raw)
    _apply_environment(values, environ)
    config = AuthConfig(**values)
    if not config.admin_username:
        source = path or "the built-in defaults"
        raise InvalidState(
            f"The admin username is empty (auth config {source}); set admin_username or "
            "ATRIUM_AUTH_ADMIN_USERNAME"
        )
    return config
