"""Workspaces through the official client against ``atrium server --enable-workspaces``.

This module starts its own workspace-enabled server per backend (overriding the suite's
``server`` fixture, which runs without workspaces), so the suite's autouse client setup
points the client at it. Two teams use identical experiment and registered-model names in
their own workspaces; nothing of one team may be visible from the other.
"""

from __future__ import annotations

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
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import BACKENDS, fresh_database, server_env

SHARED_EXPERIMENT = "shared-experiment"
SHARED_MODEL = "shared-model"
TEAM_A = "team-a"
TEAM_B = "team-b"
MODEL_INPUT = [0.0, 1.0, 2.5]


class AffineModel(PythonModel):
    """y = slope * x + offset; each team logs different coefficients."""

    def __init__(self, slope: float, offset: float) -> None:
        self.slope = slope
        self.offset = offset

    def predict(
        self, context: Any, model_input: list[float], params: dict[str, Any] | None = None
    ) -> list[float]:
        return [self.slope * x + self.offset for x in model_input]


@dataclass(frozen=True)
class Team:
    workspace: str
    slope: float
    offset: float
    experiment_id: str
    run_id: str
    artifact_uri: str
    model_id: str

    @property
    def note(self) -> str:
        return f"written by {self.workspace}"

    @property
    def predictions(self) -> list[float]:
        return [self.slope * x + self.offset for x in MODEL_INPUT]


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """A workspace-enabled server on a fresh database (overrides the suite's ``server``)."""
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"ws-compat-{backend}")
    with (
        fresh_database(backend, workdir) as uri,
        AtriumProcess(
            backend_store_uri=uri,
            artifacts_destination=workdir / "artifacts",
            extra_args=["--enable-workspaces"],
            env=server_env(),
            log_path=workdir / "server.log",
        ) as proc,
    ):
        yield proc


@pytest.fixture(autouse=True)
def _no_active_workspace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without a workspace and leaves none behind (the client sets env)."""
    mlflow.set_workspace(None)
    monkeypatch.delenv("MLFLOW_WORKSPACE", raising=False)
    yield
    mlflow.set_workspace(None)


def _log_team(workspace: str, slope: float, offset: float, workdir: Path) -> Team:
    mlflow.set_workspace(workspace)
    experiment = mlflow.set_experiment(SHARED_EXPERIMENT)
    note = workdir / workspace / "note.txt"
    note.parent.mkdir(parents=True)
    note.write_text(f"written by {workspace}")
    with mlflow.start_run() as run:
        mlflow.log_param("team", workspace)
        mlflow.log_metric("slope", slope)
        mlflow.log_artifact(str(note), artifact_path="notes")
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=AffineModel(slope, offset),
            registered_model_name=SHARED_MODEL,
        )
    return Team(
        workspace=workspace,
        slope=slope,
        offset=offset,
        experiment_id=str(experiment.experiment_id),
        run_id=run.info.run_id,
        artifact_uri=run.info.artifact_uri,
        model_id=info.model_id,
    )


@pytest.fixture(scope="module")
def teams(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Team, Team]]:
    """team-a and team-b, each with the same experiment and model names, logged once."""
    workdir = tmp_path_factory.mktemp("ws-teams")
    mlflow.set_tracking_uri(server.url)
    try:
        mlflow.create_workspace(TEAM_A, description="Team A")
        mlflow.create_workspace(TEAM_B, description="Team B")
        team_a = _log_team(TEAM_A, slope=2.0, offset=1.0, workdir=workdir)
        team_b = _log_team(TEAM_B, slope=-3.0, offset=100.0, workdir=workdir)
    finally:
        mlflow.set_workspace(None)
    yield team_a, team_b


def _error_code(exc_info: pytest.ExceptionInfo[MlflowException]) -> str:
    return str(exc_info.value.error_code)


def _assert_missing(call: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(MlflowException) as exc_info:
        call(*args, **kwargs)
    assert _error_code(exc_info) == "RESOURCE_DOES_NOT_EXIST", exc_info.value.message


def test_workspace_lifecycle_through_the_client(server: AtriumProcess, tmp_path: Path) -> None:
    name = "crud-team"
    root = "mlflow-artifacts:/team-roots/crud"
    created = mlflow.create_workspace(name, description="CRUD team", default_artifact_root=root)
    assert (created.name, created.description, created.default_artifact_root) == (
        name,
        "CRUD team",
        root,
    )
    fetched = mlflow.get_workspace(name)
    assert (fetched.description, fetched.default_artifact_root) == ("CRUD team", root)
    listed = [w.name for w in mlflow.list_workspaces()]
    assert "default" in listed
    assert name in listed
    assert listed == sorted(listed)
    with pytest.raises(MlflowException) as duplicate:
        mlflow.create_workspace(name)
    assert _error_code(duplicate) == "RESOURCE_ALREADY_EXISTS"

    # The workspace root is used for new experiments, without a workspaces/<name> prefix.
    mlflow.set_workspace(name)
    first = mlflow.create_experiment("under-the-workspace-root")
    assert mlflow.get_experiment(first).artifact_location == f"{root}/{first}"
    client = MlflowClient(tracking_uri=server.url)
    run_id = client.create_run(first).info.run_id
    client.create_registered_model("crud-model")
    mlflow.set_workspace(None)

    updated = mlflow.update_workspace(name, description="CRUD team, renamed")
    assert (updated.description, updated.default_artifact_root) == ("CRUD team, renamed", root)
    cleared = mlflow.update_workspace(name, default_artifact_root="")
    assert cleared.default_artifact_root is None
    assert cleared.description == "CRUD team, renamed"
    refetched = mlflow.get_workspace(name)
    assert (refetched.description, refetched.default_artifact_root) == (
        "CRUD team, renamed",
        None,
    )

    # Once cleared, new experiments go under the server root's workspaces/<name> layout.
    mlflow.set_workspace(name)
    second = mlflow.create_experiment("after-clearing-the-root")
    assert (
        mlflow.get_experiment(second).artifact_location
        == f"mlflow-artifacts:/workspaces/{name}/{second}"
    )
    mlflow.set_workspace(None)

    # RESTRICT (the default mode) refuses while the workspace still owns experiments.
    with pytest.raises(MlflowException, match="still contains"):
        mlflow.delete_workspace(name)
    assert mlflow.get_workspace(name).name == name
    mlflow.set_workspace(name)
    assert {e.experiment_id for e in mlflow.search_experiments()} == {first, second}
    mlflow.set_workspace(None)

    mlflow.delete_workspace(name, mode="CASCADE")
    _assert_missing(mlflow.get_workspace, name)
    assert name not in [w.name for w in mlflow.list_workspaces()]

    # CASCADE removed the experiments too: a re-created workspace of that name is empty.
    mlflow.create_workspace(name)
    mlflow.set_workspace(name)
    assert mlflow.search_experiments() == []
    _assert_missing(mlflow.get_experiment, first)
    _assert_missing(client.get_run, run_id)
    assert client.search_registered_models() == []
    _assert_missing(client.get_registered_model, "crud-model")
    mlflow.set_workspace(None)
    mlflow.delete_workspace(name)


def _assert_sees_only_own(me: Team, other: Team, client: MlflowClient, workdir: Path) -> None:
    """Everything ``me`` logged is visible; nothing of ``other`` is, by id or by search."""
    # runs, params, metrics
    own = client.get_run(me.run_id)
    assert own.data.params == {"team": me.workspace}
    assert own.data.metrics == {"slope": me.slope}
    _assert_missing(client.get_run, other.run_id)
    both_experiments = [me.experiment_id, other.experiment_id]
    assert [r.info.run_id for r in client.search_runs(both_experiments)] == [me.run_id]
    found = mlflow.search_runs(experiment_ids=both_experiments, output_format="list")
    assert [r.info.run_id for r in found] == [me.run_id]

    # experiments: the shared name resolves to the team's own experiment
    assert [e.experiment_id for e in client.search_experiments()] == [me.experiment_id]
    by_name = client.get_experiment_by_name(SHARED_EXPERIMENT)
    assert by_name is not None
    assert by_name.experiment_id == me.experiment_id
    _assert_missing(client.get_experiment, other.experiment_id)

    # artifacts
    assert [f.path for f in client.list_artifacts(me.run_id, "notes")] == ["notes/note.txt"]
    target = workdir / me.workspace
    target.mkdir()
    local = mlflow.artifacts.download_artifacts(
        run_id=me.run_id, artifact_path="notes/note.txt", dst_path=str(target)
    )
    assert Path(local).read_text() == me.note
    _assert_missing(client.list_artifacts, other.run_id)
    _assert_missing(
        mlflow.artifacts.download_artifacts,
        run_id=other.run_id,
        artifact_path="notes/note.txt",
        dst_path=str(target),
    )

    # logged models
    assert client.get_logged_model(me.model_id).source_run_id == me.run_id
    _assert_missing(client.get_logged_model, other.model_id)
    own_models = client.search_logged_models(experiment_ids=[me.experiment_id])
    assert [m.model_id for m in own_models] == [me.model_id]

    # registry: the same model name, each workspace with its own version 1
    assert [m.name for m in client.search_registered_models()] == [SHARED_MODEL]
    versions = client.search_model_versions(f"name = '{SHARED_MODEL}'")
    assert [(v.version, v.run_id) for v in versions] == [("1", me.run_id)]
    assert client.get_model_version(SHARED_MODEL, "1").run_id == me.run_id
    loaded = mlflow.pyfunc.load_model(f"models:/{SHARED_MODEL}/1")
    assert list(loaded.predict(MODEL_INPUT)) == me.predictions


def test_two_teams_with_identical_names_are_isolated(
    server: AtriumProcess, teams: tuple[Team, Team], tmp_path: Path
) -> None:
    team_a, team_b = teams
    assert team_a.experiment_id != team_b.experiment_id
    assert team_a.predictions != team_b.predictions
    client = MlflowClient(tracking_uri=server.url)
    for me, other in ((team_a, team_b), (team_b, team_a)):
        mlflow.set_workspace(me.workspace)
        _assert_sees_only_own(me, other, client, tmp_path)


def test_default_workspace_sees_neither_team(
    server: AtriumProcess, teams: tuple[Team, Team]
) -> None:
    client = MlflowClient(tracking_uri=server.url)
    for team in teams:
        _assert_missing(client.get_run, team.run_id)
        _assert_missing(client.get_logged_model, team.model_id)
    assert SHARED_EXPERIMENT not in [e.name for e in client.search_experiments()]
    assert client.search_registered_models() == []
    assert client.search_model_versions(f"name = '{SHARED_MODEL}'") == []


def test_mlflow_workspace_environment_variable_selects_the_workspace(
    server: AtriumProcess, teams: tuple[Team, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    team_a, team_b = teams
    client = MlflowClient(tracking_uri=server.url)
    for me, other in ((team_b, team_a), (team_a, team_b)):
        monkeypatch.setenv("MLFLOW_WORKSPACE", me.workspace)
        assert client.get_run(me.run_id).data.params == {"team": me.workspace}
        _assert_missing(client.get_run, other.run_id)
        experiments = [me.experiment_id, other.experiment_id]
        assert [r.info.run_id for r in client.search_runs(experiments)] == [me.run_id]
        assert client.get_model_version(SHARED_MODEL, "1").run_id == me.run_id
        loaded = mlflow.pyfunc.load_model(f"models:/{SHARED_MODEL}/1")
        assert list(loaded.predict(MODEL_INPUT)) == me.predictions


def test_proxied_artifact_paths_of_another_workspace_are_refused(
    server: AtriumProcess, teams: tuple[Team, Team]
) -> None:
    """The raw proxy route: a path under ``workspaces/<other>/`` is never served."""
    base = f"{server.url}/api/2.0/mlflow-artifacts/artifacts"
    for me, other in (teams, teams[::-1]):
        prefix = "mlflow-artifacts:/"
        assert me.artifact_uri.startswith(f"{prefix}workspaces/{me.workspace}/"), me.artifact_uri
        own_path = me.artifact_uri.removeprefix(prefix) + "/notes/note.txt"
        other_path = other.artifact_uri.removeprefix(prefix) + "/notes/note.txt"
        headers = {"X-MLFLOW-WORKSPACE": me.workspace}
        own = httpx.get(f"{base}/{own_path}", headers=headers)
        assert own.status_code == 200, own.text
        assert own.text == me.note
        foreign = httpx.get(f"{base}/{other_path}", headers=headers)
        assert foreign.status_code == 400, foreign.text
        assert other.note not in foreign.text
        # Without the prefix, the path is taken inside the request's own workspace.
        unprefixed = other_path.removeprefix(f"workspaces/{other.workspace}/")
        relative = httpx.get(f"{base}/{unprefixed}", headers=headers)
        assert relative.status_code == 404, relative.text
