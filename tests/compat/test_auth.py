"""The official MLflow client against ``atrium server --app-name basic-auth`` (a subprocess).

The client signs in the documented ways: ``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` (HTTP Basic)
or ``MLFLOW_TRACKING_TOKEN`` (Bearer), for tracking and proxied-artifact calls alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from tests.support.auth_helpers import ADMIN, ADMIN_PASSWORD, TOKENS, USERS, auth_process, basic
from tests.support.server_process import AtriumProcess

CREDENTIAL_VARIABLES = (
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """Overrides the suite's server: a basic-auth one. On SQLite the auth tables get a file of
    their own; on PostgreSQL they share the tracking database."""
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"atrium-auth-{backend}")
    with auth_process(workdir, backend) as proc:
        yield proc


@pytest.fixture(autouse=True)
def _no_inherited_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _admin_http(server: AtriumProcess) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": basic(ADMIN, ADMIN_PASSWORD)}
    )


def _token(server: AtriumProcess, **body: object) -> tuple[str, str]:
    """A token created by the admin: ``(value, token_id)``."""
    with _admin_http(server) as admin:
        response = admin.post(f"{TOKENS}/create", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    return created["token_value"], created["token_info"]["token_id"]


def _log_a_run(tmp_path: Path) -> tuple[str, str]:
    """The client's everyday calls; returns ``(experiment_id, run_id)``."""
    name = f"compat-auth-{uuid.uuid4().hex}"
    experiment = mlflow.set_experiment(name)
    artifact = tmp_path / "notes.txt"
    artifact.write_text("written through the proxy with credentials")
    with mlflow.start_run() as run:
        mlflow.log_param("optimizer", "adam")
        for step, value in enumerate((0.9, 0.5, 0.25)):
            mlflow.log_metric("loss", value, step=step)
        mlflow.log_artifact(str(artifact), artifact_path="docs")
    found = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string="metrics.loss < 0.3",
        output_format="list",
    )
    assert [r.info.run_id for r in found] == [run.info.run_id]
    assert found[0].data.params == {"optimizer": "adam"}
    client = MlflowClient()
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5), (2, 0.25)]
    assert [a.path for a in client.list_artifacts(run.info.run_id, "docs")] == ["docs/notes.txt"]
    local = client.download_artifacts(run.info.run_id, "docs/notes.txt", str(tmp_path / "dl"))
    assert Path(local).read_text() == artifact.read_text()
    return str(experiment.experiment_id), run.info.run_id


def _server_has_run(server: AtriumProcess, run_id: str) -> bool:
    with _admin_http(server) as admin:
        response = admin.get("/api/2.0/mlflow/runs/get", params={"run_id": run_id})
    return response.status_code == 200 and response.json()["run"]["info"]["run_id"] == run_id


def test_client_with_username_and_password(
    server: AtriumProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD)
    _, run_id = _log_a_run(tmp_path)
    assert _server_has_run(server, run_id)


def test_client_with_a_token(
    server: AtriumProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    value, token_id = _token(server, comment="compat client")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", value)
    experiment_id, run_id = _log_a_run(tmp_path)
    assert _server_has_run(server, run_id)
    # Revoked: the very next call is refused.
    with _admin_http(server) as admin:
        assert admin.post(f"{TOKENS}/delete", json={"token_id": token_id}).status_code == 200
    with pytest.raises(MlflowException, match="error code 401"):
        MlflowClient().get_experiment(experiment_id)


@pytest.mark.parametrize(
    "credentials",
    [{}, {"MLFLOW_TRACKING_USERNAME": ADMIN, "MLFLOW_TRACKING_PASSWORD": "wrong-password-x"}],
    ids=["none", "wrong password"],
)
def test_client_without_valid_credentials_is_refused(
    server: AtriumProcess, monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]
) -> None:
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    name = f"compat-refused-{uuid.uuid4().hex}"
    with pytest.raises(MlflowException, match="error code 401") as caught:
        mlflow.set_experiment(name)
    assert "You are not authenticated" in str(caught.value)
    with _admin_http(server) as admin:
        response = admin.get(
            "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": name}
        )
    assert response.status_code == 404, response.text


def test_client_of_a_service_user_works_within_its_grants(
    server: AtriumProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = f"bot-{uuid.uuid4().hex[:8]}"
    with _admin_http(server) as admin:
        created = admin.post(f"{USERS}/create", json={"username": bot, "service": True})
        assert created.status_code == 200, created.text
    value, _ = _token(server, username=bot)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", value)
    client = MlflowClient()
    assert "0" in [e.experiment_id for e in client.search_experiments()]  # the READ floor
    with pytest.raises(MlflowException, match="error code 403") as caught:
        client.rename_experiment("0", bot)
    assert "Response body: 'Permission denied'" in str(caught.value)
    own = client.create_experiment(bot)  # creators manage what they create
    client.rename_experiment(own, f"{bot}-renamed")
    assert client.get_experiment(own).name == f"{bot}-renamed"


def test_client_with_a_read_only_token_reads_but_cannot_log(
    server: AtriumProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD)
    experiment_id, run_id = _log_a_run(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    value, _ = _token(server, read_only=True)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", value)
    client = MlflowClient()
    assert client.get_run(run_id).data.metrics == {"loss": 0.25}
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run_id]
    with pytest.raises(MlflowException, match="error code 403"):
        client.log_metric(run_id, "loss", 0.1, step=3)
    with pytest.raises(MlflowException, match="error code 403"):
        client.create_experiment(f"compat-ro-{uuid.uuid4().hex}")
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")][-1] == (2, 0.25)
