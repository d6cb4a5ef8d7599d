"""``atrium server --app-name basic-auth`` as operators start it: the ini file, the bootstrap admin,
a custom authenticator, and the auth database's own migrations.

Every refusal is one ``Error:`` line on stderr, exit status 1, and no port bound.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from atrium.stores.auth.migrate import head_revision
from tests.support.auth_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    SEED_EXAMPLE,
    USERS,
    auth_server_env,
    basic,
    query,
    table_names,
    write_auth_config,
)
from tests.support.ports import free_port
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import (
    BACKENDS,
    error_line,
    fresh_database,
    port_is_bound,
    run_atrium,
)

CURRENT = f"{USERS}/current"
SEARCH = "/api/2.0/mlflow/experiments/search"


def _auth_server(
    tmp_path: Path, backend_uri: str, env: dict[str, str], log_name: str = "server.log"
) -> AtriumProcess:
    return AtriumProcess(
        backend_store_uri=backend_uri,
        artifacts_destination=tmp_path / "artifacts",
        extra_args=["--app-name", "basic-auth"],
        env=env,
        log_path=tmp_path / log_name,
    )


def _get(server: AtriumProcess, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=30)


def _refused_start(tmp_path: Path, env: dict[str, str]) -> str:
    """Start a basic-auth server that must refuse; return its only stderr line."""
    port = free_port()
    uri = f"sqlite:///{tmp_path / 'atrium.db'}"
    result = run_atrium(
        "server",
        "--app-name",
        "basic-auth",
        "--backend-store-uri",
        uri,
        "--port",
        str(port),
        env=env,
    )
    line = error_line(result)
    assert result.stderr.strip().splitlines() == [line], result.stderr
    assert not port_is_bound(port)
    return line


# --------------------------------------------------------------------------------------------
# Configurations that start.


def test_the_documented_example_file_with_the_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow's example ini, byte for byte: its relative ``sqlite:///basic_auth.db`` lands in
    the working directory, and ``MLFLOW_AUTH_ADMIN_PASSWORD`` replaces its insecure
    ``password1234``, which then does not open anything."""
    (tmp_path / "basic_auth.ini").write_text(SEED_EXAMPLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env = auth_server_env(
        {"MLFLOW_AUTH_CONFIG_PATH": "basic_auth.ini", "MLFLOW_AUTH_ADMIN_PASSWORD": ADMIN_PASSWORD}
    )
    with _auth_server(tmp_path, f"sqlite:///{tmp_path / 'atrium.db'}", env) as server:
        admin = _get(server, CURRENT, Authorization=basic(ADMIN, ADMIN_PASSWORD))
        assert admin.status_code == 200, admin.text
        assert admin.json()["user"] == {"id": 1, "username": ADMIN, "is_admin": True}
        assert _get(server, SEARCH, Authorization=basic(ADMIN, ADMIN_PASSWORD)).status_code == 200
        legacy = _get(server, CURRENT, Authorization=basic(ADMIN, "password1234"))
        assert legacy.status_code == 401
        assert legacy.headers["www-authenticate"].startswith("Basic realm=")
        assert _get(server, SEARCH).status_code == 401
        assert _get(server, "/health").text == "OK"
    auth_db = f"sqlite:///{tmp_path / 'basic_auth.db'}"
    assert {"users", "access_tokens", "atrium_auth_alembic_version"} <= table_names(auth_db)
    assert "experiments" not in table_names(auth_db)
    assert [row.username for row in query(auth_db, "SELECT username FROM users")] == [ADMIN]


HEADER_AUTH = '''\
"""A custom authorization function: trusts a header set by a (test) reverse proxy."""


def user_from_header(headers):
    return headers.get("x-test-remote-user") or None
'''


def test_custom_authorization_function_is_the_authenticator(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "header_auth.py").write_text(HEADER_AUTH, encoding="utf-8")
    ini = write_auth_config(
        tmp_path / "custom.ini",
        section="atrium",
        database_uri=f"sqlite:///{tmp_path / 'auth.db'}",
        admin_password=ADMIN_PASSWORD,
        authorization_function="header_auth:user_from_header",
    )
    pythonpath = os.pathsep.join(p for p in (str(plugins), os.environ.get("PYTHONPATH")) if p)
    env = auth_server_env({"ATRIUM_AUTH_CONFIG_PATH": str(ini), "PYTHONPATH": pythonpath})
    with _auth_server(tmp_path, f"sqlite:///{tmp_path / 'atrium.db'}", env) as server:
        as_admin = _get(server, CURRENT, **{"X-Test-Remote-User": ADMIN})
        assert as_admin.status_code == 200, as_admin.text
        assert as_admin.json()["user"]["username"] == ADMIN
        assert _get(server, SEARCH, **{"X-Test-Remote-User": ADMIN}).status_code == 200
        # The function decides alone: no header, an unknown user, or Basic credentials
        # (which it ignores) are all refused.
        assert _get(server, CURRENT).status_code == 401
        assert _get(server, CURRENT, **{"X-Test-Remote-User": "ghost"}).status_code == 401
        basic_only = _get(server, CURRENT, Authorization=basic(ADMIN, ADMIN_PASSWORD))
        assert basic_only.status_code == 401
        assert _get(server, "/health").text == "OK"


@pytest.fixture(params=BACKENDS)
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as uri:
        yield uri


def test_restart_on_the_same_auth_database_shared_with_tracking(
    tmp_path: Path, shared_database: str
) -> None:
    """The auth tables sit in the tracking database (same SQLite file, same PostgreSQL
    database) with a version table of their own; a second start migrates nothing, needs no
    admin password (the admin exists) and finds users and data where they were."""
    ini = tmp_path / "basic_auth.ini"
    write_auth_config(ini, database_uri=shared_database, admin_password=ADMIN_PASSWORD)
    env = auth_server_env({"ATRIUM_AUTH_CONFIG_PATH": str(ini)})
    admin = {"Authorization": basic(ADMIN, ADMIN_PASSWORD)}
    carol = ("carol", "carol-password-1")
    with _auth_server(tmp_path, shared_database, env, "first.log") as server:
        created = httpx.post(
            f"{server.url}{USERS}/create",
            json={"username": carol[0], "password": carol[1]},
            headers=admin,
        )
        assert created.status_code == 200, created.text
        experiment = httpx.post(
            f"{server.url}/api/2.0/mlflow/experiments/create", json={"name": "kept"}, headers=admin
        )
        assert experiment.status_code == 200, experiment.text
    tables = table_names(shared_database)
    assert {"experiments", "runs", "alembic_version"} <= tables
    assert {"users", "roles", "access_tokens", "atrium_auth_alembic_version"} <= tables
    revision = "SELECT version_num FROM atrium_auth_alembic_version"
    assert [row.version_num for row in query(shared_database, revision)] == [head_revision()]

    # Second start: no admin password anywhere, same database.
    write_auth_config(ini, database_uri=shared_database)
    with _auth_server(tmp_path, shared_database, env, "second.log") as server:
        me = _get(server, CURRENT, Authorization=basic(*carol))
        assert me.status_code == 200, me.text
        assert me.json()["user"]["username"] == carol[0]
        found = _get(
            server, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept", **admin
        )
        assert found.status_code == 200, found.text
        assert found.json()["experiment"]["experiment_id"] == experiment.json()["experiment_id"]
    users = query(shared_database, "SELECT username FROM users ORDER BY id")
    assert [row.username for row in users] == [ADMIN, carol[0]]
    assert [row.version_num for row in query(shared_database, revision)] == [head_revision()]


# --------------------------------------------------------------------------------------------
# Configurations that are refused.

GOOD = {"database_uri": "sqlite:///{auth}", "admin_password": ADMIN_PASSWORD}


@pytest.mark.parametrize(
    ("keys", "variables", "expected"),
    [
        ({**GOOD, "secret_key": "x"}, {}, "Unknown key 'secret_key'"),
        ({**GOOD, "default_permission": "FOO"}, {}, "Invalid value 'FOO' for 'default_permission'"),
        (
            {**GOOD, "grant_default_workspace_access": "maybe"},
            {},
            "Invalid value 'maybe' for 'grant_default_workspace_access'",
        ),
        (
            {**GOOD, "authorization_function": "no_such_module_xyz:check"},
            {},
            "Cannot load authorization_function 'no_such_module_xyz:check'",
        ),
        ({"database_uri": "sqlite:///{auth}"}, {}, "admin_password is required"),
        (
            {**GOOD, "admin_password": "elevenchars"},
            {},
            "Password must be at least 12 characters",
        ),
        (GOOD, {"MLFLOW_AUTH_ADMIN_PASSWORD": "short-pw"}, "at least 12 characters"),
        (GOOD, {"ATRIUM_AUTH_ADMIN_PASSWORD": ""}, "admin_password is required"),
    ],
    ids=[
        "unknown key",
        "default_permission FOO",
        "grant_default_workspace_access maybe",
        "authorization_function not importable",
        "no admin password",
        "admin password of 11 characters",
        "short password from MLFLOW_AUTH_ADMIN_PASSWORD",
        "empty ATRIUM_AUTH_ADMIN_PASSWORD",
    ],
)
def test_bad_configuration_is_one_error_line(
    tmp_path: Path, keys: dict[str, str], variables: dict[str, str], expected: str
) -> None:
    auth_db = tmp_path / "auth.db"
    values = {key: value.replace("{auth}", str(auth_db)) for key, value in keys.items()}
    ini = write_auth_config(tmp_path / "basic_auth.ini", **values)
    line = _refused_start(
        tmp_path, auth_server_env({"ATRIUM_AUTH_CONFIG_PATH": str(ini), **variables})
    )
    assert expected in line, line
    assert ADMIN_PASSWORD not in line
    if "password" in expected.lower() and auth_db.exists():  # a refused bootstrap: no admin
        assert query(f"sqlite:///{auth_db}", "SELECT username FROM users") == []


def test_the_documented_example_alone_is_refused_for_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "basic_auth.ini").write_text(SEED_EXAMPLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    line = _refused_start(tmp_path, auth_server_env({"MLFLOW_AUTH_CONFIG_PATH": "basic_auth.ini"}))
    assert "insecure default" in line
    assert query(f"sqlite:///{tmp_path / 'basic_auth.db'}", "SELECT id FROM users") == []


def test_missing_config_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.ini"
    line = _refused_start(tmp_path, auth_server_env({"ATRIUM_AUTH_CONFIG_PATH": str(missing)}))
    assert str(missing) in line and "does not exist" in line
