"""The basic-auth ini file: MLflow's keys, strict values, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from atrium.errors import InvalidState
from atrium.server.auth_config import (
    ATRIUM_BUILTIN_AUTHORIZATION,
    BUILTIN_AUTHORIZATION,
    AuthConfig,
    load_auth_config,
)
from tests.support.auth_helpers import SEED_EXAMPLE


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "basic_auth.ini"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _error(path: str | None, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(InvalidState) as caught:
        load_auth_config(path, environ or {})
    assert "\n" not in caught.value.message
    return caught.value.message


def test_builtin_defaults() -> None:
    config = load_auth_config(None, {})
    assert config == AuthConfig(
        default_permission="READ",
        database_uri="sqlite:///atrium-data/auth.db",
        admin_username="admin",
        admin_password=None,
        authorization_function=BUILTIN_AUTHORIZATION,
        grant_default_workspace_access=False,
        workspace_cache_max_size=10000,
        workspace_cache_ttl_seconds=3600,
    )
    assert config.read_database_uri is None
    assert (config.auth_cache_max_size, config.auth_cache_ttl_seconds) == (10000, 0)
    assert config.uses_builtin_authorization


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_auth_config(_write(tmp_path, SEED_EXAMPLE), {})
    assert config.database_uri == "sqlite:///basic_auth.db"
    assert config.admin_password == "password1234"  # refusing it is the bootstrap's job
    assert config.grant_default_workspace_access is False
    assert config.uses_builtin_authorization


def test_every_key_in_an_atrium_section(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[atrium]\n"
        "default_permission = MANAGE\n"
        "database_uri = postgresql://u:p%40ss@db/auth\n"
        "read_database_uri = postgresql://replica/auth\n"
        "admin_username = root\n"
        "admin_password = pa%ss word 123\n"
        f"authorization_function = {ATRIUM_BUILTIN_AUTHORIZATION}\n"
        "grant_default_workspace_access = TRUE\n"
        "workspace_cache_max_size = 0\n"
        "workspace_cache_ttl_seconds = 60\n"
        "auth_cache_max_size = 5\n"
        "auth_cache_ttl_seconds = 30\n",
    )
    config = load_auth_config(path, {})
    assert config == AuthConfig(
        default_permission="MANAGE",
        database_uri="postgresql://u:p%40ss@db/auth",
        admin_username="root",
        admin_password="pa%ss word 123",
        authorization_function=BUILTIN_AUTHORIZATION,
        grant_default_workspace_access=True,
        workspace_cache_max_size=0,
        workspace_cache_ttl_seconds=60,
        read_database_uri="postgresql://replica/auth",
        auth_cache_max_size=5,
        auth_cache_ttl_seconds=30,
    )


def test_custom_authorization_function_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, "[mlflow]\nauthorization_function = my_pkg.auth:check\n")
    config = load_auth_config(path, {})
    assert config.authorization_function == "my_pkg.auth:check"
    assert not config.uses_builtin_authorization


def test_environment_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "[mlflow]\nadmin_username = file-admin\nadmin_password = from-file-pw\n"
    )
    assert load_auth_config(path, {}).admin_username == "file-admin"
    mlflow_env = {"MLFLOW_AUTH_ADMIN_USERNAME": "ml", "MLFLOW_AUTH_ADMIN_PASSWORD": "ml-password"}
    config = load_auth_config(path, mlflow_env)
    assert (config.admin_username, config.admin_password) == ("ml", "ml-password")
    both = mlflow_env | {"ATRIUM_AUTH_ADMIN_USERNAME": "at", "ATRIUM_AUTH_ADMIN_PASSWORD": "at-pw"}
    config = load_auth_config(path, both)
    assert (config.admin_username, config.admin_password) == ("at", "at-pw")
    # A variable that is set wins even when empty: no password, and an empty username is refused.
    assert load_auth_config(path, {"ATRIUM_AUTH_ADMIN_PASSWORD": ""}).admin_password is None
    message = _error(path, {"MLFLOW_AUTH_ADMIN_USERNAME": ""})
    assert "admin username is empty" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[mlflow]\nsecret_key = x\n", "Unknown key 'secret_key' in auth config {path} [mlflow]"),
        ("[atrium]\ndefault_permisson = READ\n", "Unknown key 'default_permisson'"),
        ("[mlflow]\ndefault_permission = NO_PERMISSIONS\n", "'default_permission'"),
        ("[mlflow]\ndefault_permission = DENY\n", "expected one of READ, USE, EDIT, MANAGE"),
        ("[mlflow]\ndefault_permission = read\n", "'default_permission'"),
        ("[mlflow]\ngrant_default_workspace_access = yes\n", "expected true, false, 1 or 0"),
        ("[mlflow]\nworkspace_cache_max_size = -1\n", "expected a whole number >= 0"),
        ("[mlflow]\nauth_cache_ttl_seconds = 1.5\n", "'auth_cache_ttl_seconds'"),
        ("[mlflow]\ndatabase_uri =\n", "'database_uri'"),
        ("[mlflow]\nauthorization_function = not a function\n", "expected 'module:function'"),
        ("[other]\nkey = 1\n", "exactly one [mlflow] or [atrium] section"),
        ("[mlflow]\n[atrium]\n", "exactly one [mlflow] or [atrium] section"),
        ("no section header\n", "Cannot read auth config"),
        ("[mlflow]\nadmin_username = a\nadmin_username = b\n", "Cannot read auth config"),
    ],
)
def test_mistakes_are_one_line_invalid_state(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    message = _error(path)
    assert expected.format(path=path) in message
    assert path in message


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.ini")
    assert _error(missing) == f"Auth config file '{missing}' does not exist or is not a file"


def test_password_is_not_echoed_in_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, "[mlflow]\nadmin_password = hunter2-secret\ncache = 1\n")
    assert "hunter2" not in _error(path)
