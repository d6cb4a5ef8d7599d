"""The official client against ``atrium server --app-name basic-auth --enable-workspaces``.

A member of a workspace (signing in with ``MLFLOW_TRACKING_USERNAME``/``PASSWORD``, the
workspace chosen with ``mlflow.set_workspace``) tracks, registers and loads models there; a
non-member (``MLFLOW_TRACKING_TOKEN``) is refused with 403 and finds nothing. A second server
with ``grant_default_workspace_access = true`` lets any user read ``default``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import mlflow
import mlflow.artifacts
import mlflow.pyfunc
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.pyfunc.model import PythonModel
from tests.support.auth_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    ROLES,
    TOKENS,
    USERS,
    WORKSPACE_HEADER,
    WORKSPACES,
    auth_process,
    basic,
)
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import BACKENDS

CREDENTIAL_VARIABLES = (
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
)
MODEL_INPUT = [0.0, 1.0, 2.5]


class Doubler(PythonModel):
    def predict(
        self, context: Any, model_input: list[float], params: dict[str, Any] | None = None
    ) -> list[float]:
        return [2 * x for x in model_input]


def _backend(process: AtriumProcess) -> str:
    return "sqlite" if process.backend_store_uri.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """Overrides the suite's server: basic-auth with workspaces on."""
    workdir = tmp_path_factory.mktemp(f"auth-ws-compat-{request.param}")
    with auth_process(workdir, request.param, enable_workspaces=True) as proc:
        yield proc


@pytest.fixture(scope="module")
def autogrant_server(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """The same set-up, on the same backend, with ``grant_default_workspace_access = true``."""
    backend = _backend(server)
    workdir = tmp_path_factory.mktemp(f"auth-autogrant-compat-{backend}")
    with auth_process(
        workdir, backend, enable_workspaces=True, grant_default_workspace_access="true"
    ) as proc:
        yield proc


@pytest.fixture(autouse=True)
def _clean_client_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No inherited credentials; no workspace before or after (the client writes it to env)."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    mlflow.set_workspace(None)
    monkeypatch.delenv("MLFLOW_WORKSPACE", raising=False)
    yield
    mlflow.set_workspace(None)


def _admin(process: AtriumProcess, workspace: str | None = None) -> httpx.Client:
    headers = {"Authorization": basic(ADMIN, ADMIN_PASSWORD)}
    if workspace is not None:
        headers[WORKSPACE_HEADER] = workspace
    return httpx.Client(base_url=process.url, timeout=30, headers=headers)


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


@dataclass(frozen=True)
class People:
    workspace: str
    member: str
    member_password: str
    outsider: str
    outsider_token: str


def _team_and_people(process: AtriumProcess) -> People:
    """A workspace, a member of it (with a password) and a non-member (with a token)."""
    suffix = uuid.uuid4().hex[:8]
    workspace = f"team-{suffix}"
    member, password = f"member-{suffix}", f"pw-{uuid.uuid4().hex}"
    outsider = f"outsider-{suffix}"
    with _admin(process) as admin:
        _ok(admin.post(WORKSPACES, json={"name": workspace}))
        roles = _ok(admin.get(f"{ROLES}/list", params={"workspace": workspace}))["roles"]
        (user_role,) = [r["id"] for r in roles if r["name"] == "user"]
        _ok(admin.post(f"{USERS}/create", json={"username": member, "password": password}))
        _ok(admin.post(f"{ROLES}/assign", json={"username": member, "role_id": user_role}))
        _ok(admin.post(f"{USERS}/create", json={"username": outsider, "service": True}))
        token = _ok(admin.post(f"{TOKENS}/create", json={"username": outsider}))["token_value"]
    return People(workspace, member, password, outsider, token)


@pytest.fixture(scope="module")
def people(server: AtriumProcess) -> People:
    return _team_and_people(server)


def _refused(exc_info: pytest.ExceptionInfo[MlflowException]) -> None:
    message = str(exc_info.value)
    assert "error code 403" in message, message
    assert "Permission denied" in message, message


def test_member_tracks_registers_and_loads_a_model_in_the_workspace(
    server: AtriumProcess, people: People, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", people.member)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", people.member_password)
    mlflow.set_workspace(people.workspace)
    experiment_name = f"compat-member-{uuid.uuid4().hex[:8]}"
    model_name = f"doubler-{uuid.uuid4().hex[:8]}"
    experiment = mlflow.set_experiment(experiment_name)
    assert experiment.workspace == people.workspace
    note = tmp_path / "note.txt"
    note.write_text("logged by a member")
    with mlflow.start_run() as run:
        mlflow.log_param("kind", "doubler")
        mlflow.log_metric("loss", 0.25)
        mlflow.log_artifact(str(note), artifact_path="notes")
        mlflow.pyfunc.log_model(
            name="model", python_model=Doubler(), registered_model_name=model_name
        )
    client = MlflowClient()
    assert client.get_run(run.info.run_id).data.metrics == {"loss": 0.25}
    assert [e.name for e in client.search_experiments()] == [experiment_name]
    assert [m.name for m in client.search_registered_models()] == [model_name]
    version = client.get_model_version(model_name, "1")
    assert version.run_id == run.info.run_id

    loaded = mlflow.pyfunc.load_model(f"models:/{model_name}/1")
    assert list(loaded.predict(MODEL_INPUT)) == [0.0, 2.0, 5.0]
    local = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="notes/note.txt", dst_path=str(tmp_path / "dl")
    )
    assert Path(local).read_text() == "logged by a member"
    assert [w.name for w in mlflow.list_workspaces()] == [people.workspace]

    # Everything landed in the member's workspace, nothing in `default`.
    with _admin(server, people.workspace) as admin:
        found = admin.get(
            "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": experiment_name}
        )
        assert _ok(found)["experiment"]["workspace"] == people.workspace
    with _admin(server) as admin:
        missing = admin.get("/api/2.0/mlflow/registered-models/get", params={"name": model_name})
        assert missing.status_code == 404, missing.text


def test_non_member_is_refused_and_sees_nothing(
    server: AtriumProcess, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _admin(server, people.workspace) as admin:
        name = f"compat-private-{uuid.uuid4().hex[:8]}"
        created = _ok(admin.post("/api/2.0/mlflow/experiments/create", json={"name": name}))
        _ok(admin.post("/api/2.0/mlflow/registered-models/create", json={"name": name}))
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", people.outsider_token)
    mlflow.set_workspace(people.workspace)
    client = MlflowClient()
    intruder = f"compat-intruder-{uuid.uuid4().hex[:8]}"
    with pytest.raises(MlflowException) as creating:
        client.create_experiment(intruder)
    _refused(creating)
    with pytest.raises(MlflowException) as setting:
        mlflow.set_experiment(intruder)
    _refused(setting)
    with pytest.raises(MlflowException) as registering:
        client.create_registered_model(intruder)
    _refused(registering)
    with pytest.raises(MlflowException) as reading:
        client.get_experiment(created["experiment_id"])
    _refused(reading)
    assert client.search_experiments() == []
    assert client.search_registered_models() == []
    assert mlflow.list_workspaces() == []
    with _admin(server, people.workspace) as admin:
        response = admin.get(
            "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": intruder}
        )
        assert response.status_code == 404, response.text


def test_default_workspace_access_lets_any_user_read_default(
    autogrant_server: AtriumProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = _team_and_people(autogrant_server)
    with _admin(autogrant_server) as admin:
        name = f"compat-shared-{uuid.uuid4().hex[:8]}"
        shared = _ok(admin.post("/api/2.0/mlflow/experiments/create", json={"name": name}))
    mlflow.set_tracking_uri(autogrant_server.url)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", people.outsider_token)
    assert [w.name for w in mlflow.list_workspaces()] == ["default"]
    mlflow.set_workspace("default")
    client = MlflowClient()
    assert client.get_experiment("0").name == "Default"
    assert client.get_experiment(shared["experiment_id"]).name == name
    assert {"Default", name} <= {e.name for e in client.search_experiments()}
    with pytest.raises(MlflowException) as creating:
        client.create_experiment(f"compat-denied-{uuid.uuid4().hex[:8]}")
    _refused(creating)
    with pytest.raises(MlflowException) as renaming:
        client.rename_experiment(shared["experiment_id"], "renamed")
    _refused(renaming)
    # Only `default` is inherited.
    mlflow.set_workspace(people.workspace)
    assert MlflowClient().search_experiments() == []
