"""Which workspace a request runs in: ``X-MLFLOW-WORKSPACE``, resolved once per request.

Research note §1.5: the value is trimmed; missing or blank means ``default``; a name failing the
rule is 400 INVALID_PARAMETER_VALUE with the validator's message; an unknown name is 404
``Workspace '<n>' not found``. A spoofed header must never reach a store: nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx
import pytest

from tests.integration.conftest import (
    ARTIFACTS,
    WORKSPACE_HEADER,
    Api,
    WorkspaceClients,
    WorkspaceServer,
    create_workspace,
    raw_request,
    unique,
    workspace_name,
)

PATTERN = "must match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
CREATE_EXPERIMENT = "/api/2.0/mlflow/experiments/create"
CREATE_MODEL = "/api/2.0/mlflow/registered-models/create"
Headers = Sequence[tuple[str, str | bytes]]


@pytest.fixture()
def team(ws_admin: Api) -> str:
    return create_workspace(ws_admin)


def _created_in(ws_server: WorkspaceServer, headers: Headers) -> str:
    """Create an experiment with ``headers``; return the workspace it landed in."""
    name = unique("resolve")
    response = raw_request(ws_server.url, "POST", CREATE_EXPERIMENT, headers, {"name": name})
    assert response.status == 200, response.body
    rows = ws_server.experiment_rows(name)
    assert [experiment_id for experiment_id, _ in rows] == [response.json()["experiment_id"]]
    return rows[0][1]


def test_missing_header_means_default(ws_server: WorkspaceServer) -> None:
    assert _created_in(ws_server, []) == "default"


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t", " \t "])
def test_blank_header_means_default(ws_server: WorkspaceServer, blank: str) -> None:
    assert _created_in(ws_server, [(WORKSPACE_HEADER, blank)]) == "default"


def test_literal_default_means_default(ws_server: WorkspaceServer) -> None:
    assert _created_in(ws_server, [(WORKSPACE_HEADER, "default")]) == "default"
    assert _created_in(ws_server, [(WORKSPACE_HEADER, "  default ")]) == "default"


def test_value_is_trimmed(ws_server: WorkspaceServer, team: str) -> None:
    assert _created_in(ws_server, [(WORKSPACE_HEADER, f"  {team}\t")]) == team


@pytest.mark.parametrize(
    "spelling", ["x-mlflow-workspace", "X-MLFLOW-WORKSPACE", "X-Mlflow-Workspace"]
)
def test_header_name_is_case_insensitive(
    ws_server: WorkspaceServer, team: str, spelling: str
) -> None:
    assert _created_in(ws_server, [(spelling, team)]) == team


def test_each_request_resolves_its_own_workspace_on_a_kept_alive_connection(
    ws_server: WorkspaceServer, team: str
) -> None:
    """A workspace must not stick to a connection or worker thread across requests."""
    with httpx.Client(base_url=ws_server.url, timeout=30) as client:
        for header in (team, None, team, "default", None):
            name = unique("keepalive")
            headers = {WORKSPACE_HEADER: header} if header is not None else {}
            response = client.post(CREATE_EXPERIMENT, json={"name": name}, headers=headers)
            assert response.status_code == 200, response.text
            expected = header if header not in (None, "default") else "default"
            assert ws_server.experiment_rows(name) == [(response.json()["experiment_id"], expected)]


def test_unknown_workspace_is_404(ws_server: WorkspaceServer) -> None:
    missing = workspace_name("nope")
    for method, path in (("GET", "/health"), ("POST", "/api/2.0/mlflow/experiments/search")):
        body: dict[str, object] | None = {} if method == "POST" else None
        response = raw_request(ws_server.url, method, path, [(WORKSPACE_HEADER, missing)], body)
        assert response.status == 404, response.body
        assert response.json() == {
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": f"Workspace '{missing}' not found",
        }


def test_a_deleted_workspace_is_unknown_at_once(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    team.ok("POST", "/experiments/search", {})  # resolved (and cached) once
    assert ws_admin.http.delete(f"/api/3.0/mlflow/workspaces/{name}").status_code == 204
    message = team.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", "/experiments/search", {})
    assert message == f"Workspace '{name}' not found"


SPOOFED: list[tuple[str, Headers, int, str]] = [
    ("space inside", [(WORKSPACE_HEADER, "team a")], 400, PATTERN),
    ("upper case", [(WORKSPACE_HEADER, "Team-A")], 400, PATTERN),
    ("DEFAULT", [(WORKSPACE_HEADER, "DEFAULT")], 400, PATTERN),
    ("dot-dot", [(WORKSPACE_HEADER, "../")], 400, PATTERN),
    ("dot-dot default", [(WORKSPACE_HEADER, "../default")], 400, PATTERN),
    ("traversal", [(WORKSPACE_HEADER, "team-a/../default")], 400, PATTERN),
    ("slash", [(WORKSPACE_HEADER, "workspaces/team-a")], 400, PATTERN),
    ("underscore", [(WORKSPACE_HEADER, "Bad_Name")], 400, PATTERN),
    ("one char", [(WORKSPACE_HEADER, "a")], 400, "must be between 2 and 63 characters"),
    ("64 chars", [(WORKSPACE_HEADER, "a" * 64)], 400, "must be between 2 and 63 characters"),
    ("10 KB", [(WORKSPACE_HEADER, "a" * 10_240)], 400, "must be between 2 and 63 characters"),
    ("reserved api", [(WORKSPACE_HEADER, "api")], 400, "is reserved and cannot be used"),
    ("reserved workspaces", [(WORKSPACE_HEADER, "workspaces")], 400, "is reserved"),
    ("comma list", [(WORKSPACE_HEADER, "default, team-a")], 400, PATTERN),
    ("repeated", [(WORKSPACE_HEADER, "default"), (WORKSPACE_HEADER, "default")], 400, "once"),
    ("repeated mixed case", [(WORKSPACE_HEADER, "ab"), ("x-mlflow-workspace", "cd")], 400, "once"),
    ("not UTF-8", [(WORKSPACE_HEADER, b"team-\xff\xfe")], 400, "UTF-8"),
    ("latin-1 letter", [(WORKSPACE_HEADER, "caf\xe9".encode("latin-1"))], 400, "UTF-8"),
    ("unknown", [(WORKSPACE_HEADER, "nope-never-created")], 404, "not found"),
]


@pytest.mark.parametrize(
    ("headers", "status", "fragment"),
    [case[1:] for case in SPOOFED],
    ids=[case[0] for case in SPOOFED],
)
def test_spoofed_header_is_refused_and_nothing_is_written(
    ws_server: WorkspaceServer, headers: Headers, status: int, fragment: str
) -> None:
    code = "INVALID_PARAMETER_VALUE" if status == 400 else "RESOURCE_DOES_NOT_EXIST"
    name = unique("spoof")
    marker = f"spoof-{uuid.uuid4().hex}.txt"
    requests: list[tuple[str, str, object]] = [
        ("POST", CREATE_EXPERIMENT, {"name": name}),
        ("POST", CREATE_MODEL, {"name": name}),
        ("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", None),
        ("GET", f"{ARTIFACTS}?path=workspaces", None),
    ]
    for method, path, body in requests:
        response = raw_request(ws_server.url, method, path, headers, body)
        assert response.status == status, (path, response.body)
        payload = response.json()
        assert payload["error_code"] == code, payload
        assert fragment in payload["message"], payload
    upload = raw_request(ws_server.url, "PUT", f"{ARTIFACTS}/{marker}", headers, "x")
    assert upload.status == status, upload.body
    assert upload.json()["error_code"] == code

    assert ws_server.experiment_rows(name) == []
    assert ws_server.model_workspaces(name) == []
    assert not list(ws_server.artifacts.rglob(marker))
