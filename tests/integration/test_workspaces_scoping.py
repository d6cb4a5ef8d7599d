"""What belongs to a workspace: names unique per workspace, searches see only their own rows,
experiment ``0`` lives only in ``default``, and where new experiments keep their artifacts.

Research note §1.6, §1.7, §1.8, §4.1 and §4.3. The route-by-route proof that another
workspace's resources look missing is ``test_workspaces_isolation.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import (
    LOGGED_MODELS,
    WORKSPACES,
    Api,
    WorkspaceClients,
    WorkspaceServer,
    create_workspace,
    unique,
)

RM = "/api/2.0/mlflow/registered-models"
MV = "/api/2.0/mlflow/model-versions"
ARTIFACT_LOCATION_REFUSED = "artifact_location cannot be specified when workspaces are enabled"


@pytest.fixture()
def teams(ws_admin: Api, ws_clients: WorkspaceClients) -> tuple[Api, Api, str, str]:
    a, b = create_workspace(ws_admin), create_workspace(ws_admin)
    return ws_clients(a), ws_clients(b), a, b


def _experiment(api: Api, experiment_id: str) -> dict[str, Any]:
    experiment: dict[str, Any] = api.ok("GET", "/experiments/get", experiment_id=experiment_id)[
        "experiment"
    ]
    return experiment


def _empty(payload: dict[str, Any], key: str) -> bool:
    """An empty page: no items (the list omitted or ``[]``) and no page token."""
    return payload.get(key, []) == [] and set(payload) <= {key}


def _names(payload: dict[str, Any], key: str) -> set[str]:
    return {str(item["name"]) for item in payload.get(key, [])}


# --- names are unique per workspace --------------------------------------------------------


def test_same_experiment_name_in_several_workspaces(
    ws_admin: Api, teams: tuple[Api, Api, str, str]
) -> None:
    team_a, team_b, a, b = teams
    name = unique("shared-exp")
    ids = {
        ws: api.create_experiment(name)
        for ws, api in (("default", ws_admin), (a, team_a), (b, team_b))
    }
    assert len(set(ids.values())) == 3
    for ws, api in (("default", ws_admin), (a, team_a), (b, team_b)):
        got = api.ok("GET", "/experiments/get-by-name", experiment_name=name)["experiment"]
        assert got["experiment_id"] == ids[ws]
        assert got["workspace"] == ws
        assert _experiment(api, ids[ws])["name"] == name
    message = team_a.error(
        400, "RESOURCE_ALREADY_EXISTS", "POST", "/experiments/create", {"name": name}
    )
    assert name in message


def test_renaming_to_a_name_used_in_another_workspace_is_allowed(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, team_b, _, _ = teams
    taken = unique("taken")
    team_b.create_experiment(taken)
    experiment_id = team_a.create_experiment()
    team_a.ok("POST", "/experiments/update", {"experiment_id": experiment_id, "new_name": taken})
    assert _experiment(team_a, experiment_id)["name"] == taken


def test_same_registered_model_name_in_two_workspaces(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, team_b, _, _ = teams
    name = unique("shared-model")
    created = {}
    for label, api in (("a", team_a), ("b", team_b)):
        created[label] = api.ok(
            "POST", f"{RM}/create", {"name": name, "description": f"owned by {label}"}
        )["registered_model"]
        api.ok("POST", f"{RM}/set-tag", {"name": name, "key": "owner", "value": label})
    for label, api in (("a", team_a), ("b", team_b)):
        model = api.ok("GET", f"{RM}/get", name=name)["registered_model"]
        assert model["description"] == f"owned by {label}"
        assert model["creation_timestamp"] == created[label]["creation_timestamp"]
        assert model["tags"] == [{"key": "owner", "value": label}]
        assert "workspace" not in model
    team_a.error(400, "RESOURCE_ALREADY_EXISTS", "POST", f"{RM}/create", {"name": name})


def test_renaming_a_model_into_a_name_of_another_workspace_is_allowed(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, team_b, _, _ = teams
    old, taken = unique("old"), unique("taken")
    team_a.ok("POST", f"{RM}/create", {"name": old})
    team_b.ok("POST", f"{RM}/create", {"name": taken, "description": "b's"})
    team_a.ok("POST", f"{RM}/rename", {"name": old, "new_name": taken})
    assert team_a.ok("GET", f"{RM}/get", name=taken)["registered_model"].get("description") is None
    assert team_b.ok("GET", f"{RM}/get", name=taken)["registered_model"]["description"] == "b's"


def _model_with_version(api: Api, name: str) -> dict[str, Any]:
    experiment_id = api.create_experiment()
    run = api.create_run(experiment_id)
    path = run["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    response = api.http.put(
        f"/api/2.0/mlflow-artifacts/artifacts/{path}/model/MLmodel", content=b"m"
    )
    assert response.status_code == 200, response.text
    api.ok("POST", f"{RM}/create", {"name": name})
    version: dict[str, Any] = api.ok(
        "POST",
        f"{MV}/create",
        {"name": name, "source": f"runs:/{run['info']['run_id']}/model"},
    )["model_version"]
    return version


def test_versions_and_aliases_are_numbered_and_kept_per_workspace(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, team_b, _, _ = teams
    name = unique("versioned")
    for api in (team_a, team_b):
        version = _model_with_version(api, name)
        assert version["version"] == "1"
        assert version["status"] == "READY"
        assert "workspace" not in version
    team_a.ok("POST", f"{RM}/alias", {"name": name, "alias": "champion", "version": "1"})
    assert (
        team_a.ok("GET", f"{RM}/alias", name=name, alias="champion")["model_version"]["version"]
        == "1"
    )
    team_b.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=name, alias="champion")
    filtered = f"name = '{name}'"
    for api in (team_a, team_b):
        versions = api.ok("GET", f"{MV}/search", filter=filtered)["model_versions"]
        assert [v["version"] for v in versions] == ["1"]
        assert versions[0]["aliases"] if api is team_a else not versions[0].get("aliases")


# --- searches see only their own workspace ------------------------------------------------


def test_searches_return_only_own_rows(ws_admin: Api, teams: tuple[Api, Api, str, str]) -> None:
    team_a, team_b, _, _ = teams
    tag = unique("tag")
    own: dict[str, dict[str, Any]] = {}
    for label, api in (("a", team_a), ("b", team_b), ("default", ws_admin)):
        experiment_id = api.create_experiment(f"{tag}-{label}")
        run_id = str(api.create_run(experiment_id)["info"]["run_id"])
        model_name = f"{tag}-{label}-model"
        _model_with_version(api, model_name)
        logged = api.ok("POST", LOGGED_MODELS, {"experiment_id": experiment_id})["model"]
        own[label] = {
            "experiment_id": experiment_id,
            "run_id": run_id,
            "model": model_name,
            "logged": logged["info"]["model_id"],
        }
    all_experiments = [o["experiment_id"] for o in own.values()]
    for label, api in (("a", team_a), ("b", team_b), ("default", ws_admin)):
        found = api.ok("POST", "/experiments/search", {"filter": f"name LIKE '{tag}-%'"})
        assert _names(found, "experiments") == {f"{tag}-{label}"}
        found = api.ok("GET", "/api/2.0/mlflow/experiments/search", filter=f"name LIKE '{tag}%'")
        assert _names(found, "experiments") == {f"{tag}-{label}"}
        runs = api.ok("POST", "/runs/search", {"experiment_ids": all_experiments})
        assert [r["info"]["run_id"] for r in runs.get("runs", [])] == [own[label]["run_id"]]
        models = api.ok("GET", f"{RM}/search", filter=f"name LIKE '{tag}-%'")
        assert _names(models, "registered_models") == {own[label]["model"]}
        versions = api.ok("GET", f"{MV}/search", filter=f"name LIKE '{tag}-%'")
        assert _names(versions, "model_versions") == {own[label]["model"]}
        logged = api.ok("POST", f"{LOGGED_MODELS}/search", {"experiment_ids": all_experiments})
        assert [m["info"]["model_id"] for m in logged.get("models", [])] == [own[label]["logged"]]


def test_run_search_on_another_workspaces_experiment_is_empty_not_an_error(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, team_b, _, _ = teams
    experiment_id = team_a.create_experiment()
    team_a.create_run(experiment_id)
    assert _empty(team_b.ok("POST", "/runs/search", {"experiment_ids": [experiment_id]}), "runs")
    found = team_b.ok("POST", f"{LOGGED_MODELS}/search", {"experiment_ids": [experiment_id]})
    assert _empty(found, "models")


def test_a_fresh_workspace_is_empty(ws_admin: Api, ws_clients: WorkspaceClients) -> None:
    team = ws_clients(create_workspace(ws_admin))
    assert _empty(team.ok("POST", "/experiments/search", {"view_type": "ALL"}), "experiments")
    assert _empty(team.ok("GET", f"{RM}/search"), "registered_models")
    assert _empty(team.ok("GET", f"{MV}/search"), "model_versions")


# --- experiment 0 lives only in default ----------------------------------------------------


def test_experiment_zero_exists_only_in_default(
    ws_admin: Api, teams: tuple[Api, Api, str, str]
) -> None:
    team_a, _, _, _ = teams
    default = _experiment(ws_admin, "0")
    assert default["name"] == "Default"
    assert default["workspace"] == "default"
    message = team_a.error(
        404, "RESOURCE_DOES_NOT_EXIST", "GET", "/experiments/get", experiment_id="0"
    )
    assert message == "No Experiment with id=0 exists"
    team_a.error(
        404, "RESOURCE_DOES_NOT_EXIST", "GET", "/experiments/get-by-name", experiment_name="Default"
    )


def test_create_run_without_experiment_in_a_workspace_is_404(
    teams: tuple[Api, Api, str, str],
) -> None:
    team_a, _, _, _ = teams
    for body in ({"start_time": 1}, {"experiment_id": "0", "start_time": 1}):
        message = team_a.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", "/runs/create", body)
        assert message == "No Experiment with id=0 exists"
    assert _empty(team_a.ok("POST", "/runs/search", {"experiment_ids": ["0"]}), "runs")


def test_create_run_without_experiment_in_default_uses_experiment_zero(ws_admin: Api) -> None:
    run = ws_admin.ok("POST", "/runs/create", {"start_time": 1})["run"]
    assert run["info"]["experiment_id"] == "0"
    assert "workspace" not in run["info"]


# --- artifact locations ---------------------------------------------------------------------


def test_new_experiments_and_runs_land_under_their_workspace(
    ws_admin: Api, teams: tuple[Api, Api, str, str]
) -> None:
    team_a, _, a, _ = teams
    for ws, api in ((a, team_a), ("default", ws_admin)):
        experiment_id = api.create_experiment()
        experiment = _experiment(api, experiment_id)
        location = f"mlflow-artifacts:/workspaces/{ws}/{experiment_id}"
        assert experiment["artifact_location"] == location
        assert experiment["workspace"] == ws
        run = api.create_run(experiment_id)["info"]
        assert run["artifact_uri"] == f"{location}/{run['run_id']}/artifacts"
        model = api.ok("POST", LOGGED_MODELS, {"experiment_id": experiment_id})["model"]["info"]
        assert model["artifact_uri"] == f"{location}/models/{model['model_id']}/artifacts"


@pytest.mark.parametrize("root", ["s3://bucket/team-x", "/mnt/x", "mlflow-artifacts:/own-root"])
def test_a_workspace_root_is_used_without_the_prefix(
    ws_admin: Api, ws_clients: WorkspaceClients, root: str
) -> None:
    name = create_workspace(ws_admin, default_artifact_root=root)
    team = ws_clients(name)
    experiment_id = team.create_experiment()
    assert _experiment(team, experiment_id)["artifact_location"] == f"{root}/{experiment_id}"
    run = team.create_run(experiment_id)["info"]
    assert run["artifact_uri"] == f"{root}/{experiment_id}/{run['run_id']}/artifacts"


def test_a_root_change_only_affects_experiments_created_afterwards(
    ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    first = team.create_experiment()
    response = ws_admin.call(
        "PATCH", f"{WORKSPACES}/{name}", {"default_artifact_root": "s3://b/new"}
    )
    assert response.status_code == 200, response.text
    second = team.create_experiment()
    response = ws_admin.call("PATCH", f"{WORKSPACES}/{name}", {"default_artifact_root": ""})
    assert response.status_code == 200, response.text
    third = team.create_experiment()
    assert (
        _experiment(team, first)["artifact_location"]
        == f"mlflow-artifacts:/workspaces/{name}/{first}"
    )
    assert _experiment(team, second)["artifact_location"] == f"s3://b/new/{second}"
    assert (
        _experiment(team, third)["artifact_location"]
        == f"mlflow-artifacts:/workspaces/{name}/{third}"
    )


@pytest.mark.parametrize("location", ["s3://bucket/x", "/tmp/somewhere", "mlflow-artifacts:/x"])
def test_artifact_location_is_refused_in_every_workspace(
    ws_server: WorkspaceServer,
    ws_clients: WorkspaceClients,
    teams: tuple[Api, Api, str, str],
    location: str,
) -> None:
    team_a, _, _, _ = teams
    for api in (ws_clients(), ws_clients("default"), team_a):
        name = unique("located")
        message = api.error(
            400,
            "INVALID_PARAMETER_VALUE",
            "POST",
            "/experiments/create",
            {"name": name, "artifact_location": location},
        )
        assert message == ARTIFACT_LOCATION_REFUSED
        assert ws_server.experiment_rows(name) == []
