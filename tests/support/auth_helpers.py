"""Helpers for the basic-auth tests: config files, credentials, an HTTP client, DB inspection.

Argon2id makes every password hash and every uncached password check cost ~0.1 s, so the
tests create few users and talk as non-admins through access tokens (a SHA-256 lookup)
wherever the point of the test is not the password itself.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from starlette.routing import BaseRoute, Route

from atrium.server.auth import policy
from atrium.server.auth.guards import GUARDS
from atrium.server.auth.role_guards import ROLE_GUARDS
from atrium.server.dispatch import ExactPathDispatcher
from atrium.server.settings import Settings

from .inprocess import serve_app
from .server_process import AtriumProcess
from .workspace_helpers import fresh_database, server_env, sqlalchemy_url

ADMIN = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
API = "/api/2.0/mlflow"
USERS = f"{API}/users"
TOKENS = "/api/2.0/token"
WORKSPACES = "/api/3.0/mlflow/workspaces"
WORKSPACE_HEADER = "X-MLFLOW-WORKSPACE"
REALM = re.compile(r'^Basic realm="[^"]+"$')
DENIED = "Permission denied"
DIGEST = re.compile(r"^[0-9a-f]{64}$")
ARGON2ID = re.compile(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")

# The example basic_auth.ini of MLflow's workspace documentation, byte for byte.
SEED_EXAMPLE = """\
[mlflow]
default_permission = READ
database_uri = sqlite:///basic_auth.db
admin_username = admin
admin_password = password1234
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
# Default secure setting for new deployments; for existing instances upgrading to workspaces,
# set this to true for backwards compatibility (see note above).
grant_default_workspace_access = false
workspace_cache_max_size = 10000
workspace_cache_ttl_seconds = 3600
"""

# Variables that would change the auth set-up of a server under test if inherited.
_AUTH_VARIABLES = (
    "ATRIUM_APP_NAME",
    "ATRIUM_AUTH_CONFIG_PATH",
    "MLFLOW_AUTH_CONFIG_PATH",
    "ATRIUM_AUTH_ADMIN_USERNAME",
    "MLFLOW_AUTH_ADMIN_USERNAME",
    "ATRIUM_AUTH_ADMIN_PASSWORD",
    "MLFLOW_AUTH_ADMIN_PASSWORD",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
)


def auth_server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A server environment without inherited workspace or auth settings, plus ``extra``."""
    env = {k: v for k, v in server_env().items() if k not in _AUTH_VARIABLES}
    env.update(extra or {})
    return env


def write_auth_config(path: Path, section: str = "mlflow", **keys: str) -> Path:
    """Write an ini file with one section holding ``keys`` (in the given order)."""
    lines = [f"[{section}]", *(f"{key} = {value}" for key, value in keys.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def basic(username: str, password: str) -> str:
    """An ``Authorization`` value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def bearer(token: str) -> str:
    return f"Bearer {token}"


class AuthClient:
    """HTTP calls sending one fixed ``Authorization`` value (or none)."""

    def __init__(self, url: str, authorization: str | None, workspace: str | None = None):
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        if workspace is not None:
            headers[WORKSPACE_HEADER] = workspace
        self.http = httpx.Client(base_url=url, timeout=30, headers=headers)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AuthClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        if method in ("GET", "HEAD"):
            return self.http.request(method, path, params=params or body, headers=headers)
        return self.http.request(method, path, json=body, params=params, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> dict[str, Any]:
        response = self.call(method, path, body, params=params or None)
        assert response.status_code in (200, 201), (method, path, response.text)
        payload: dict[str, Any] = response.json()
        return payload

    # Accounts and tokens -----------------------------------------------------------------

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> int:
        body: dict[str, Any] = {"username": username, **extra}
        if password is not None:
            body["password"] = password
        user = self.ok("POST", f"{USERS}/create", body)["user"]
        assert user["username"] == username
        return int(user["id"])

    def create_token(self, **body: Any) -> tuple[str, dict[str, Any]]:
        """``token/create``: ``(token_value, token_info)``."""
        created = self.ok("POST", f"{TOKENS}/create", body)
        return str(created["token_value"]), dict(created["token_info"])

    def token_ids(self, **params: str) -> list[str]:
        infos = self.ok("GET", f"{TOKENS}/list", **params).get("token_infos", [])
        return [str(info["token_id"]) for info in infos]

    def current_user(self) -> dict[str, Any]:
        user: dict[str, Any] = self.ok("GET", f"{USERS}/current")["user"]
        return user

    # Tracking ----------------------------------------------------------------------------

    def create_experiment(self, name: str | None = None) -> str:
        body = {"name": name or unique_name("auth-exp")}
        return str(self.ok("POST", f"{API}/experiments/create", body)["experiment_id"])

    def experiment_exists(self, name: str) -> bool:
        response = self.call(
            "GET", f"{API}/experiments/get-by-name", params={"experiment_name": name}
        )
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200


def raw_call(
    url: str, method: str, path: str, headers: Mapping[str, str], body: Any = None
) -> httpx.Response:
    """One request sent with ``http.client``, which passes header values through as given
    (httpx refuses some, e.g. trailing blanks); answered as an ``httpx.Response``."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        payload = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(payload)))
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(payload)
        answer = conn.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        conn.close()


def assert_unauthenticated(response: httpx.Response) -> str:
    """401, plain text, with a Basic challenge; return the body (for comparisons)."""
    assert response.status_code == 401, (response.status_code, response.text)
    assert REALM.match(response.headers.get("www-authenticate", "")), response.headers
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    return response.text


def assert_denied(response: httpx.Response) -> None:
    """403 saying ``Permission denied`` and nothing else: plain text when the route's decision
    refuses (as MLflow), MLflow JSON when an account handler refines "admin or self"."""
    assert response.status_code == 403, (response.status_code, response.text)
    assert "www-authenticate" not in response.headers
    if response.headers["content-type"].startswith("text/plain"):
        assert response.text == DENIED
    else:
        assert response.json() == {"error_code": "PERMISSION_DENIED", "message": DENIED}


# Servers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthServer:
    """An in-process ``--app-name basic-auth`` server and where its data lives."""

    url: str
    app: FastAPI
    backend: str
    backend_uri: str
    auth_uri: str

    def client(self, authorization: str | None, workspace: str | None = None) -> AuthClient:
        return AuthClient(self.url, authorization, workspace)

    def admin(self, workspace: str | None = None) -> AuthClient:
        return self.client(basic(ADMIN, ADMIN_PASSWORD), workspace)


def auth_settings(
    backend_uri: str,
    folder: Path,
    auth_uri: str,
    *,
    enable_workspaces: bool = False,
    **config: str,
) -> Settings:
    """Settings of a basic-auth server whose ini (written into ``folder``) uses ``auth_uri``."""
    ini = write_auth_config(
        folder / "basic_auth.ini",
        default_permission="READ",
        database_uri=auth_uri,
        admin_username=ADMIN,
        admin_password=ADMIN_PASSWORD,
        **config,
    )
    return Settings(
        backend_store_uri=backend_uri,
        artifacts_destination=str(folder / "artifacts"),
        enable_workspaces=enable_workspaces,
        workspace_store_uri=None,
        client_workspace=None,
        app_name="basic-auth",
        auth_config_path=str(ini),
    )


@contextmanager
def _without_auth_variables() -> Iterator[None]:
    """The app reads the admin variables while it is built: hide any the test run inherited."""
    saved = {name: os.environ.pop(name) for name in _AUTH_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextmanager
def serve_auth(
    backend: str,
    backend_uri: str,
    folder: Path,
    auth_uri: str,
    *,
    enable_workspaces: bool = False,
    **config: str,
) -> Iterator[AuthServer]:
    """Serve a basic-auth app in-process (admin ``ADMIN`` / ``ADMIN_PASSWORD``); ``config``
    adds ini keys (e.g. ``grant_default_workspace_access="true"``)."""
    settings = auth_settings(
        backend_uri, folder, auth_uri, enable_workspaces=enable_workspaces, **config
    )
    with ExitStack() as stack:
        with _without_auth_variables():
            served = stack.enter_context(serve_app(settings, record=False))
        yield AuthServer(served.url, served.app, backend, backend_uri, auth_uri)


@contextmanager
def auth_process(
    workdir: Path, backend: str, *, enable_workspaces: bool = False, **config: str
) -> Iterator[AtriumProcess]:
    """An ``atrium server --app-name basic-auth`` subprocess on a fresh ``backend`` database
    (admin ``ADMIN`` / ``ADMIN_PASSWORD``; ``config`` adds ini keys). On SQLite the auth tables
    get a file of their own; on PostgreSQL they share the tracking database."""
    with fresh_database(backend, workdir) as uri:
        auth_uri = f"sqlite:///{workdir / 'auth.db'}" if backend == "sqlite" else uri
        ini = write_auth_config(
            workdir / "basic_auth.ini",
            database_uri=auth_uri,
            admin_password=ADMIN_PASSWORD,
            **config,
        )
        args = ["--app-name", "basic-auth"]
        if enable_workspaces:
            args.append("--enable-workspaces")
        with AtriumProcess(
            backend_store_uri=uri,
            artifacts_destination=workdir / "artifacts",
            extra_args=args,
            env=auth_server_env({"ATRIUM_AUTH_CONFIG_PATH": str(ini)}),
            log_path=workdir / "server.log",
        ) as proc:
            yield proc


# Database inspection -------------------------------------------------------------------------


def query(uri: str, statement: str, **params: Any) -> list[sa.Row[Any]]:
    """Rows of one SQL statement, read with a connection of its own (not the server's)."""
    engine = sa.create_engine(sqlalchemy_url(uri))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(statement), params).all())
    finally:
        engine.dispose()


def table_names(uri: str) -> set[str]:
    engine = sa.create_engine(sqlalchemy_url(uri))
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def database_contains(uri: str, needle: str) -> list[str]:
    """Every ``table.column`` of the database whose text holds ``needle`` somewhere."""
    engine = sa.create_engine(sqlalchemy_url(uri))
    found: list[str] = []
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)).mappings():
                    found += [
                        f"{table.name}.{column}"
                        for column, value in row.items()
                        if value is not None and needle in str(value)
                    ]
    finally:
        engine.dispose()
    return found


# Route decisions ------------------------------------------------------------------------------


def mounted_route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """Every ``(method, path)`` the app answers: its routes and its exact-path dispatch table.

    A route object that is not a plain HTTP route (a mount, a websocket) is returned with the
    method ``"*"``, so the caller can refuse it: nothing can be said about what it serves.
    """
    keys: set[tuple[str, str]] = set()
    routes: list[BaseRoute] = list(app.routes)
    for route in routes:
        if isinstance(route, Route):
            keys.update((method, route.path) for method in route.methods or {"*"})
        else:
            keys.add(("*", str(getattr(route, "path", repr(route)))))
    for middleware in app.user_middleware:
        if middleware.cls is ExactPathDispatcher:
            table: Mapping[tuple[str, str], object] = middleware.kwargs["table"]
            keys.update(table)
    return keys


def undecided_routes(app: FastAPI) -> list[tuple[str, str]]:
    """The mounted routes without a written decision in ``atrium.server.auth.policy``."""
    return sorted(
        (method, path)
        for method, path in mounted_route_keys(app)
        if method == "*" or policy.decision_for(method, path) is None
    )


def unguarded_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Mounted resource routes whose decision needs a per-request guard but has none (they
    are closed to everyone but super admins)."""
    guarded = {**GUARDS, **ROLE_GUARDS}
    return sorted(
        (method, path)
        for method, path in mounted_route_keys(app)
        if (decision := policy.decision_for(method, path)) is not None
        and decision.kind in ("resource", "rbac")
        and (method, policy.route_key(path)) not in guarded
    )


def assert_every_route_decided(app: FastAPI) -> None:
    """Fail, naming them, when some mounted route has no written decision (it would be
    denied to every non-admin: a forgotten entry, or a route nobody meant to expose)."""
    missing = undecided_routes(app)
    listing = "\n".join(f"  {method:6} {path}" for method, path in missing)
    assert not missing, f"mounted routes without a decision in policy.DECISIONS:\n{listing}"
    unguarded = unguarded_routes(app)
    assert not unguarded, f"resource routes without a guard: {unguarded}"


# Workspaces, roles and people (the permission suites) ------------------------------------------

API3 = "/api/3.0/mlflow"
ROLES = f"{API3}/roles"
USER_PERMISSIONS = f"{API3}/users/permissions"


@dataclass(frozen=True)
class Person:
    """A non-admin (service) user and an access token of theirs: no password, no argon2 cost."""

    username: str
    user_id: int
    token: str

    @property
    def bearer(self) -> str:
        return bearer(self.token)


@dataclass(frozen=True)
class Team:
    """A workspace and the ids of the ``admin`` and ``user`` roles seeded into it."""

    name: str
    admin_role: int
    user_role: int


def admin_token(server: AuthServer) -> str:
    """A new access token of the super admin (signing in through Basic once)."""
    with server.admin() as admin:
        token, _ = admin.create_token(comment="permission suites")
    return token


class Site:
    """A basic-auth server with workspaces, driven by its super admin (through a token) and by
    throw-away users; every client opened here is closed by :meth:`close`."""

    def __init__(self, server: AuthServer, admin_token: str) -> None:
        self.server = server
        self.admin_authorization = bearer(admin_token)
        self._clients: list[AuthClient] = []
        self._admins: dict[str | None, AuthClient] = {}

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._admins.clear()

    def client(self, authorization: str | None, workspace: str | None = None) -> AuthClient:
        client = self.server.client(authorization, workspace)
        self._clients.append(client)
        return client

    def admin(self, workspace: str | None = None) -> AuthClient:
        if workspace not in self._admins:
            self._admins[workspace] = self.client(self.admin_authorization, workspace)
        return self._admins[workspace]

    def as_(self, person: Person, workspace: str | None = None) -> AuthClient:
        return self.client(person.bearer, workspace)

    def person(self, prefix: str = "user", *role_ids: int) -> Person:
        """A new user (with a token) assigned to ``role_ids``."""
        username = unique_name(prefix)
        admin = self.admin()
        user_id = admin.create_user(username, service=True)
        token, _ = admin.create_token(username=username)
        for role_id in role_ids:
            self.assign(username, role_id)
        return Person(username, user_id, token)

    def assign(self, username: str, role_id: int) -> None:
        body = {"username": username, "role_id": role_id}
        assert self.admin().ok("POST", f"{ROLES}/assign", body)["assignment"]["role_id"] == role_id

    def team(self, prefix: str = "team", **fields: str) -> Team:
        """A new workspace (created by the super admin) and its seeded roles."""
        name = unique_name(prefix)
        admin = self.admin()
        created = admin.call("POST", WORKSPACES, {"name": name, **fields})
        assert created.status_code == 201, created.text
        roles = {r["name"]: r["id"] for r in self.roles(name)}
        assert set(roles) == {"admin", "user"}, roles
        return Team(name, roles["admin"], roles["user"])

    def roles(self, workspace: str) -> list[dict[str, Any]]:
        listed = self.admin().ok("GET", f"{ROLES}/list", workspace=workspace)
        found: list[dict[str, Any]] = listed["roles"]
        return found

    def permissions_of(self, username: str) -> list[dict[str, Any]]:
        """``users/permissions/list`` as the super admin sees it."""
        found = self.admin().ok("GET", f"{USER_PERMISSIONS}/list", username=username)
        assert found["is_admin"] is False
        rows: list[dict[str, Any]] = found["permissions"]
        return rows

    def grant(
        self, workspace: str, username: str, resource_type: str, resource_id: str, level: str
    ) -> None:
        """A per-user grant made by the super admin (in ``workspace``)."""
        body = {
            "username": username,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "permission": level,
        }
        assert self.admin(workspace).ok("POST", f"{USER_PERMISSIONS}/grant", body) == {}
