"""A client with an active workspace refuses a server that runs without workspaces."""

from __future__ import annotations

from collections.abc import Iterator

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import server_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtriumProcess]:
    """One SQLite server without workspaces (overrides the suite's per-backend ``server``)."""
    workdir = tmp_path_factory.mktemp("ws-disabled")
    with AtriumProcess(
        backend_store_uri=f"sqlite:///{workdir / 'atrium.db'}",
        artifacts_destination=workdir / "artifacts",
        env=server_env(),
        log_path=workdir / "server.log",
    ) as proc:
        yield proc


@pytest.fixture(autouse=True)
def _no_active_workspace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    mlflow.set_workspace(None)
    monkeypatch.delenv("MLFLOW_WORKSPACE", raising=False)
    yield
    mlflow.set_workspace(None)


def test_active_workspace_against_a_server_without_workspaces_is_refused(
    server: AtriumProcess,
) -> None:
    client = MlflowClient(tracking_uri=server.url)
    experiment_id = client.create_experiment("made-without-a-workspace")

    mlflow.set_workspace("team-a")
    with pytest.raises(MlflowException, match="does not support workspaces") as refused:
        client.get_experiment(experiment_id)
    assert refused.value.error_code == "FEATURE_DISABLED"
    with pytest.raises(MlflowException, match="does not support workspaces"):
        mlflow.search_experiments()
    with pytest.raises(MlflowException) as no_api:
        mlflow.list_workspaces()
    assert no_api.value.error_code == "FEATURE_DISABLED"

    # Without an active workspace the same client works against that server.
    mlflow.set_workspace(None)
    assert client.get_experiment(experiment_id).name == "made-without-a-workspace"
