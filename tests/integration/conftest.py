"""A real Atrium server per backend, and a thin HTTP client speaking its wire protocol."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from atrium.server.settings import Settings
from atrium.stores.sql import schema as sql_schema
from atrium.stores.sql.database import Database
from tests.support import auth_helpers, postgres
from tests.support.inprocess import serve, serve_app
from tests.support.workspace_helpers import fresh_database

API = "/api/2.0/mlflow"


class Api:
    """HTTP calls against one server; ``call`` returns the raw response for status checks."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        url = (
            path
            if path.startswith("/")
            and not path.startswith("/experiments")
            and not path.startswith("/runs")
            else API + path
        )
        if method == "GET":
            return self.http.get(url, params=params or body)
        return self.http.request(method, url, json=body)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        response = self.call(method, path, body, **params)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        return payload

    def error(
        self, status: int, code: str, method: str, path: str, body: Any = None, **params: Any
    ) -> str:
        """Assert the call fails with MLflow's JSON error shape; return the message."""
        response = self.call(method, path, body, **params)
        assert response.status_code == status, response.text
        payload = response.json()
        assert payload["error_code"] == code, payload
        assert isinstance(payload["message"], str) and payload["message"]
        return str(payload["message"])

    def create_experiment(self, name: str | None = None, **extra: Any) -> str:
        body = {"name": name or f"exp-{uuid.uuid4().hex[:10]}", **extra}
        return str(self.ok("POST", "/experiments/create", body)["experiment_id"])

    def create_run(self, experiment_id: str, **extra: Any) -> dict[str, Any]:
        body = {"experiment_id": experiment_id, "start_time": 1000, **extra}
        run: dict[str, Any] = self.ok("POST", "/runs/create", body)["run"]
        return run

    def get_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.ok("GET", "/runs/get", run_id=run_id)["run"]
        return run


@pytest.fixture(scope="session")
def server_url(backend_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    artifacts = tmp_path_factory.mktemp("artifacts")
    settings = Settings(backend_store_uri=backend_uri, artifacts_destination=str(artifacts))
    with serve(settings) as url:
        yield url


@pytest.fixture()
def api(server_url: str) -> Iterator[Api]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield Api(client)


@pytest.fixture()
def experiment_id(api: Api) -> str:
    return api.create_experiment()


@pytest.fixture()
def run_id(api: Api, experiment_id: str) -> str:
    return str(api.create_run(experiment_id)["info"]["run_id"])


# --------------------------------------------------------------------------------------------
# Helpers shared by the resource suites.

AJAX = "/ajax-api/2.0/mlflow"
METRICS = API + "/metrics"
LOGGED_MODELS = API + "/logged-models"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
MPU = "/api/2.0/mlflow-artifacts/mpu"


def unique(prefix: str = "x") -> str:
    """A name no other test (or earlier run on the same database) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def tag_map(entity: dict[str, Any], part: str = "data") -> dict[str, str]:
    """``{key: value}`` of a run's (``part="data"``) or an experiment's (``part=""``) tags."""
    holder = entity[part] if part else entity
    return {t["key"]: t.get("value", "") for t in holder.get("tags", [])}


def param_map(run: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p.get("value", "") for p in run["data"].get("params", [])}


def metric_map(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["key"]: m for m in run["data"].get("metrics", [])}


def search_all_runs(api: Api, body: dict[str, Any], page_size: int) -> tuple[list[str], int]:
    """Walk ``runs/search`` pages; return the run ids in order and the number of pages."""
    ids: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        request = {**body, "max_results": page_size}
        if token:
            request["page_token"] = token
        page = api.ok("POST", "/runs/search", request)
        pages += 1
        ids += [r["info"]["run_id"] for r in page.get("runs", [])]
        token = page.get("next_page_token")
        if not token:
            return ids, pages
        assert pages < 1000, "paging does not terminate"


@pytest.fixture(scope="session")
def artifacts_root(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's artifact destination folder, found by uploading a uniquely named file."""
    marker = f"root-marker-{uuid.uuid4().hex}.txt"
    with httpx.Client(base_url=server_url, timeout=30) as client:
        response = client.put(
            f"{ARTIFACTS}/root-probe/{marker}",
            content=b"marker",
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 200, response.text
    found = list(tmp_path_factory.getbasetemp().rglob(marker))
    assert len(found) == 1, f"artifact marker found at {found}"
    root = found[0].parent.parent
    assert (root / "root-probe" / marker).read_bytes() == b"marker"
    return root


# --------------------------------------------------------------------------------------------
# Route coverage: the route-coverage test runs last and fails when some mounted /api/2.0 or
# /api/3.0 route was never reached by any test. It only judges complete runs of this suite.

INTEGRATION_DIR = Path(__file__).resolve().parent
COVERAGE_MODULE = "test_route_coverage.py"


@dataclass
class CoverageRun:
    """What this session selected from the integration suite."""

    modules: set[str] = field(default_factory=set)
    deselected: int = 0
    reasons: list[str] = field(default_factory=list)

    def partial_reasons(self) -> list[str]:
        expected = {p.name for p in INTEGRATION_DIR.glob("test_*.py")}
        reasons = list(self.reasons)
        if missing := sorted(expected - self.modules):
            reasons.append(f"modules not selected: {missing}")
        if self.deselected:
            reasons.append(f"{self.deselected} integration test(s) deselected")
        return reasons


COVERAGE_RUN = pytest.StashKey[CoverageRun]()


def _is_integration(item: pytest.Item) -> bool:
    return item.path.resolve().parent == INTEGRATION_DIR


def pytest_configure(config: pytest.Config) -> None:
    run = CoverageRun()
    if hasattr(config, "workerinput"):
        run.reasons.append("running in a pytest-xdist worker (routes are recorded per process)")
    for arg in config.invocation_params.args:
        if "::" in str(arg):
            run.reasons.append(f"test ids selected on the command line ({arg})")
    config.stash[COVERAGE_RUN] = run


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.config.stash[COVERAGE_RUN].deselected += 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Run the route-coverage check after every other test (it reads what they recorded)."""
    run = config.stash[COVERAGE_RUN]
    run.modules = {item.path.name for item in items if _is_integration(item)}
    # Only the server-less check moves: moving a backend-parametrized test would restart servers.
    last = [
        item
        for item in items
        if _is_integration(item)
        and item.path.name == COVERAGE_MODULE
        and "server_url" not in getattr(item, "fixturenames", ())
    ]
    if last:
        items[:] = [item for item in items if item not in last] + last


# --------------------------------------------------------------------------------------------
# Workspaces: a second server per backend with workspaces on, over its own fresh database.

WORKSPACE_HEADER = "X-MLFLOW-WORKSPACE"
WORKSPACES = "/api/3.0/mlflow/workspaces"
AJAX_WORKSPACES = "/ajax-api/3.0/mlflow/workspaces"
SERVER_INFO = "/api/3.0/mlflow/server-info"
AJAX_SERVER_INFO = "/ajax-api/3.0/mlflow/server-info"


@dataclass(frozen=True)
class WorkspaceServer:
    """The workspace-enabled server of one backend: URL, app, database and artifact folder."""

    url: str
    app: FastAPI
    backend: str
    artifacts: Path

    @property
    def database(self) -> Database:
        database: Database = self.app.state.database
        return database

    def experiment_rows(self, name: str) -> list[tuple[str, str]]:
        """``(experiment_id, workspace)`` of every experiment called ``name``, any workspace."""
        table = sql_schema.experiments
        with self.database.read() as conn:
            rows = conn.execute(
                sa.select(table.c.experiment_id, table.c.workspace).where(table.c.name == name)
            ).all()
        return [(str(row.experiment_id), str(row.workspace)) for row in rows]

    def model_workspaces(self, name: str) -> list[str]:
        """The workspaces holding a registered model called ``name``."""
        table = sql_schema.registered_models
        with self.database.read() as conn:
            rows = conn.execute(sa.select(table.c.workspace).where(table.c.name == name)).all()
        return sorted(str(row.workspace) for row in rows)

    def workspace_rows(self, workspace: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every database row of ``workspace``, table by table: its catalog row, the rows that
        carry its name, and every row reachable from those through foreign keys (tags,
        metrics, params, versions, aliases, ...). Equal results mean nothing of it changed."""
        owned: dict[str, list[sa.Row[Any]]] = {}
        with self.database.read() as conn:
            for table in sql_schema.metadata.sorted_tables:
                conditions: list[sa.ColumnElement[bool]] = []
                if table.name == "workspaces":
                    conditions.append(table.c.name == workspace)
                elif "workspace" in table.c:
                    conditions.append(table.c.workspace == workspace)
                for fk in table.foreign_keys:
                    parents = owned.get(fk.column.table.name, [])
                    values = {getattr(row, fk.column.name) for row in parents}
                    if values:
                        conditions.append(fk.parent.in_(sorted(values)))
                owned[table.name] = (
                    list(conn.execute(sa.select(table).where(sa.or_(*conditions))).all())
                    if conditions
                    else []
                )
        return {
            name: sorted((tuple(row) for row in rows), key=repr) for name, rows in owned.items()
        }

    def owned_rows(self, workspace: str) -> dict[str, int]:
        """How many experiments, runs and registered models ``workspace`` owns (any stage)."""
        counts: dict[str, int] = {}
        with self.database.read() as conn:
            for table in (
                sql_schema.experiments,
                sql_schema.runs,
                sql_schema.logged_models,
                sql_schema.registered_models,
            ):
                counts[table.name] = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.workspace == workspace)
                ).scalar_one()
        return counts


@pytest.fixture(scope="session")
def ws_server(
    backend_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkspaceServer]:
    """A workspace-enabled server on a fresh database of ``backend_uri``'s kind (not shared)."""
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    folder = tmp_path_factory.mktemp(f"ws-{backend}")
    if backend == "sqlite":
        uri = f"sqlite:///{folder / 'workspaces.db'}"
    else:
        uri = postgres.create_database()
    artifacts = folder / "artifacts"
    settings = Settings(
        backend_store_uri=uri, artifacts_destination=str(artifacts), enable_workspaces=True
    )
    try:
        with serve_app(settings) as served:
            yield WorkspaceServer(served.url, served.app, backend, artifacts)
    finally:
        if backend == "postgresql":
            postgres.drop_database(uri)


class WorkspaceClients:
    """Opens :class:`Api` helpers on the workspace server, one per workspace header value."""

    def __init__(self, server: WorkspaceServer) -> None:
        self.server = server
        self._clients: list[httpx.Client] = []

    def __call__(self, workspace: str | None = None) -> Api:
        """An ``Api`` sending ``X-MLFLOW-WORKSPACE: workspace`` (no header for ``None``)."""
        headers = {WORKSPACE_HEADER: workspace} if workspace is not None else {}
        client = httpx.Client(base_url=self.server.url, timeout=30, headers=headers)
        self._clients.append(client)
        return Api(client)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


@pytest.fixture()
def ws_clients(ws_server: WorkspaceServer) -> Iterator[WorkspaceClients]:
    clients = WorkspaceClients(ws_server)
    try:
        yield clients
    finally:
        clients.close()


@pytest.fixture()
def ws_admin(ws_clients: WorkspaceClients) -> Api:
    """The workspace server without any workspace header (the ``default`` workspace)."""
    return ws_clients()


def workspace_name(prefix: str = "ws") -> str:
    """A valid workspace name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_workspace(api: Api, name: str | None = None, **fields: Any) -> str:
    """Create a workspace through the REST API (asserting 201); return its name."""
    name = name or workspace_name()
    response = api.call("POST", WORKSPACES, {"name": name, **fields})
    assert response.status_code == 201, response.text
    assert response.json()["workspace"]["name"] == name
    return name


@pytest.fixture()
def workspace(ws_admin: Api) -> str:
    """A fresh, empty workspace."""
    return create_workspace(ws_admin)


@dataclass(frozen=True)
class RawResponse:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_request(
    base_url: str,
    method: str,
    path: str,
    headers: Sequence[tuple[str, str | bytes]] = (),
    body: Any = None,
) -> RawResponse:
    """One request sent with ``http.client``, which passes header values through as given.

    httpx refuses values with surrounding blanks; the workspace header must also be tested
    with those, with repeated lines and with bytes that are not UTF-8.
    """
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        payload = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(payload)))
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(payload)
        response = conn.getresponse()
        return RawResponse(response.status, response.read())
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Basic auth (tests/integration/test_auth_*.py): ``--app-name basic-auth`` servers per backend.


@pytest.fixture(scope="session")
def auth_server(
    backend_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[auth_helpers.AuthServer]:
    """A basic-auth server, workspaces off, on a fresh database of ``backend_uri``'s kind that
    holds the tracking tables and the auth tables together (the same SQLite file or the same
    PostgreSQL database)."""
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    folder = tmp_path_factory.mktemp(f"auth-{backend}")
    with (
        fresh_database(backend, folder) as uri,
        auth_helpers.serve_auth(backend, uri, folder, uri) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def auth_ws_server(
    backend_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[auth_helpers.AuthServer]:
    """A basic-auth server with workspaces on; its auth tables live in a database of their own."""
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    folder = tmp_path_factory.mktemp(f"auth-ws-{backend}")
    (folder / "auth").mkdir()
    with (
        fresh_database(backend, folder) as uri,
        fresh_database(backend, folder / "auth") as auth_uri,
        auth_helpers.serve_auth(backend, uri, folder, auth_uri, enable_workspaces=True) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def auth_autogrant_server(
    backend_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[auth_helpers.AuthServer]:
    """A basic-auth server with workspaces on and ``grant_default_workspace_access = true``
    (``default_permission = READ``): users without grants inherit READ in ``default``."""
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    folder = tmp_path_factory.mktemp(f"auth-autogrant-{backend}")
    with (
        fresh_database(backend, folder) as uri,
        auth_helpers.serve_auth(
            backend,
            uri,
            folder,
            uri,
            enable_workspaces=True,
            grant_default_workspace_access="true",
        ) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def auth_ws_admin_token(auth_ws_server: auth_helpers.AuthServer) -> str:
    return auth_helpers.admin_token(auth_ws_server)


@pytest.fixture()
def auth_site(
    auth_ws_server: auth_helpers.AuthServer, auth_ws_admin_token: str
) -> Iterator[auth_helpers.Site]:
    """``auth_ws_server`` driven by its super admin (through a token) and throw-away users."""
    site = auth_helpers.Site(auth_ws_server, auth_ws_admin_token)
    yield site
    site.close()


@pytest.fixture()
def site(auth_site: auth_helpers.Site) -> auth_helpers.Site:
    """``auth_site`` under the short name the permission suites use."""
    return auth_site


@pytest.fixture()
def auth_admin(auth_server: auth_helpers.AuthServer) -> Iterator[auth_helpers.AuthClient]:
    """The bootstrap admin of ``auth_server``, signing in with HTTP Basic."""
    with auth_server.admin() as client:
        yield client


@dataclass(frozen=True)
class AuthMember:
    """A non-admin user of ``auth_server`` with a password and an access token."""

    username: str
    password: str
    token: str

    @property
    def basic(self) -> str:
        return auth_helpers.basic(self.username, self.password)

    @property
    def bearer(self) -> str:
        return auth_helpers.bearer(self.token)


@pytest.fixture(scope="session")
def auth_member(auth_server: auth_helpers.AuthServer) -> AuthMember:
    username = auth_helpers.unique_name("member")
    password = f"pw-{uuid.uuid4().hex}"
    with auth_server.admin() as admin:
        admin.create_user(username, password)
        token, _ = admin.create_token(username=username, comment="member fixture")
    return AuthMember(username, password, token)
