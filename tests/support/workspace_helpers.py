"""Helpers for the workspace tests: clean server environments, throw-away databases, CLI runs.

A server refuses to start while the client-only ``MLFLOW_WORKSPACE`` is in its environment,
and the official client writes that variable into ``os.environ`` on ``mlflow.set_workspace``:
every server these tests start gets :func:`server_env`, never the raw test environment.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from . import postgres

BACKENDS = ("sqlite", "postgresql")
ATRIUM = (sys.executable, "-m", "atrium")
CLI_TIMEOUT_S = 60.0

# Variables that would change how a server under test behaves if inherited from the test run.
_WORKSPACE_VARIABLES = (
    "MLFLOW_WORKSPACE",
    "ATRIUM_WORKSPACE",
    "MLFLOW_ENABLE_WORKSPACES",
    "ATRIUM_ENABLE_WORKSPACES",
    "MLFLOW_WORKSPACE_STORE_URI",
    "ATRIUM_WORKSPACE_STORE_URI",
)


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without workspace settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _WORKSPACE_VARIABLES}
    env.update(extra or {})
    return env


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """A new, empty database URI on ``backend``; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'atrium.db'}"
        return
    uri = postgres.create_database()
    try:
        yield uri
    finally:
        postgres.drop_database(uri)


def run_atrium(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = CLI_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """``python -m atrium <args>`` with a clean workspace environment; never raises on exit code."""
    return subprocess.run(
        [*ATRIUM, *args],
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        timeout=timeout,
        env=dict(env) if env is not None else server_env(),
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``Error:`` line of a failed command; fails on a traceback or several lines."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def port_is_bound(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def sqlite_path(uri: str) -> Path:
    assert uri.startswith("sqlite:///"), uri
    return Path(uri.removeprefix("sqlite:///"))


def sqlite_execute(uri: str, statement: str, params: tuple[object, ...] = ()) -> None:
    """Run one statement on an SQLite database and commit (a stand-in for ``sqlite3`` CLI)."""
    with sqlite3.connect(sqlite_path(uri)) as conn:
        conn.execute(statement, params)
    conn.close()


class WorkspaceApi:
    """Raw REST calls to an Atrium server, each sent in a given workspace (header)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, body: dict[str, Any], workspace: str | None) -> dict[str, Any]:
        headers = {"X-MLFLOW-WORKSPACE": workspace} if workspace else {}
        response = self.http.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        payload: dict[str, Any] = response.json()
        return payload

    def create_workspace(self, name: str) -> None:
        self._post("/api/3.0/mlflow/workspaces", {"name": name}, None)

    def create_experiment(
        self, workspace: str | None, name: str, artifact_location: str | None = None
    ) -> str:
        body: dict[str, Any] = {"name": name}
        if artifact_location is not None:
            body["artifact_location"] = artifact_location
        created = self._post("/api/2.0/mlflow/experiments/create", body, workspace)
        return str(created["experiment_id"])

    def create_run(self, workspace: str | None, experiment_id: str) -> str:
        body = {"experiment_id": experiment_id}
        created = self._post("/api/2.0/mlflow/runs/create", body, workspace)
        return str(created["run"]["info"]["run_id"])

    def create_logged_model(self, workspace: str | None, experiment_id: str, name: str) -> str:
        body = {"experiment_id": experiment_id, "name": name}
        created = self._post("/api/2.0/mlflow/logged-models", body, workspace)
        return str(created["model"]["info"]["model_id"])

    def create_registered_model(self, workspace: str | None, name: str) -> None:
        self._post("/api/2.0/mlflow/registered-models/create", {"name": name}, workspace)

    def search_experiment_names(self, workspace: str | None = None) -> list[str]:
        found = self._post("/api/2.0/mlflow/experiments/search", {"max_results": 1000}, workspace)
        return sorted(e["name"] for e in found.get("experiments", []))


@contextmanager
def inprocess_api(uri: str, workdir: Path, *, enable_workspaces: bool) -> Iterator[WorkspaceApi]:
    """The real app served from this process (quicker than a subprocess) to create data."""
    from atrium.server.settings import Settings

    from .inprocess import serve

    settings = Settings(
        backend_store_uri=uri,
        artifacts_destination=str(workdir / "artifacts"),
        enable_workspaces=enable_workspaces,
        workspace_store_uri=None,
        client_workspace=None,
    )
    with serve(settings) as url:
        api = WorkspaceApi(url)
        try:
            yield api
        finally:
            api.close()


def sqlalchemy_url(uri: str) -> str:
    """The URI with an installed driver (psycopg 3) for direct inspection."""
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    return uri


def workspace_counts(uri: str, tables: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """``{table: {workspace: rows}}``, read straight from the database."""
    engine = sa.create_engine(sqlalchemy_url(uri))
    try:
        with engine.connect() as conn:
            return {
                table: {
                    str(row[0]): int(row[1])
                    for row in conn.execute(
                        sa.text(f"SELECT workspace, COUNT(*) FROM {table} GROUP BY workspace")
                    )
                }
                for table in tables
            }
    finally:
        engine.dispose()
