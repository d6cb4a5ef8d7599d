"""The workspace REST API (``/api/3.0/mlflow/workspaces`` and its ``/ajax-api`` twin).

Research note §2. Deliberate deviation (§9): a delete refused because of the resources a
workspace still owns is INVALID_STATE with HTTP 409 (MLflow: 500, which its client retries).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import (
    AJAX_SERVER_INFO,
    AJAX_WORKSPACES,
    ARTIFACTS,
    LOGGED_MODELS,
    SERVER_INFO,
    WORKSPACE_HEADER,
    WORKSPACES,
    Api,
    WorkspaceClients,
    WorkspaceServer,
    create_workspace,
    raw_request,
    unique,
    workspace_name,
)

RM = "/api/2.0/mlflow/registered-models"
MV = "/api/2.0/mlflow/model-versions"
PATTERN_MESSAGE = (
    "must match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ "
    "(lowercase alphanumeric with optional internal hyphens)."
)


def _get(api: Api, name: str, base: str = WORKSPACES) -> dict[str, Any]:
    response = api.call("GET", f"{base}/{name}")
    assert response.status_code == 200, response.text
    workspace: dict[str, Any] = response.json()["workspace"]
    return workspace


def _listed(api: Api, base: str = WORKSPACES) -> list[dict[str, Any]]:
    response = api.call("GET", base)
    assert response.status_code == 200, response.text
    workspaces: list[dict[str, Any]] = response.json()["workspaces"]
    return workspaces


def _delete(api: Api, name: str, mode: str | None = None) -> Any:
    query = f"?mode={mode}" if mode is not None else ""
    return api.http.delete(f"{WORKSPACES}/{name}{query}")


# --- list / create / get --------------------------------------------------------------------


def test_default_always_exists_and_the_list_is_sorted_by_name(ws_admin: Api) -> None:
    later = create_workspace(ws_admin, f"zz-{unique('w')}")
    earlier = create_workspace(ws_admin, f"aa-{unique('w')}")
    listed = _listed(ws_admin)
    names = [w["name"] for w in listed]
    assert names == sorted(names)
    assert {"default", earlier, later} <= set(names)
    assert names.index(earlier) < names.index("default") < names.index(later)
    default = next(w for w in listed if w["name"] == "default")
    assert default == {"name": "default", "description": "Default workspace for legacy resources"}


def test_create_answers_201_with_the_workspace(ws_admin: Api) -> None:
    name = workspace_name()
    response = ws_admin.call("POST", WORKSPACES, {"name": name, "description": "Team A"})
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"workspace": {"name": name, "description": "Team A"}}
    assert _get(ws_admin, name) == {"name": name, "description": "Team A"}
    assert {"name": name, "description": "Team A"} in _listed(ws_admin)


def test_create_without_description_omits_it(ws_admin: Api) -> None:
    name = create_workspace(ws_admin)
    assert _get(ws_admin, name) == {"name": name}


@pytest.mark.parametrize("root", ["s3://bucket/team-x", "/mnt/x", "mlflow-artifacts:/team-x"])
def test_create_with_an_artifact_root_echoes_it(ws_admin: Api, root: str) -> None:
    name = create_workspace(ws_admin, default_artifact_root=root)
    assert _get(ws_admin, name) == {"name": name, "default_artifact_root": root}


def test_create_with_a_blank_artifact_root_omits_it(ws_admin: Api) -> None:
    name = create_workspace(ws_admin, default_artifact_root="")
    assert _get(ws_admin, name) == {"name": name}


@pytest.mark.parametrize(
    ("root", "fragment"),
    [
        ("relative/path", "Expected a URI"),
        ("team-a", "Expected a URI"),
        ("s3://b/a#frag", "can't include fragments or params"),
    ],
)
def test_create_refuses_a_bad_artifact_root(ws_admin: Api, root: str, fragment: str) -> None:
    name = workspace_name()
    message = ws_admin.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        WORKSPACES,
        {"name": name, "default_artifact_root": root},
    )
    assert fragment in message
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{name}")


def test_duplicate_create_is_resource_already_exists(ws_admin: Api) -> None:
    name = create_workspace(ws_admin, description="first")
    message = ws_admin.error(
        400,
        "RESOURCE_ALREADY_EXISTS",
        "POST",
        WORKSPACES,
        {"name": name, "description": "second"},
    )
    assert message.startswith(f"Workspace '{name}' already exists")
    assert _get(ws_admin, name)["description"] == "first"


def test_default_cannot_be_created(ws_admin: Api) -> None:
    message = ws_admin.error(
        400, "INVALID_PARAMETER_VALUE", "POST", WORKSPACES, {"name": "default"}
    )
    assert message == "The 'default' workspace is reserved and cannot be created"


@pytest.mark.parametrize("name", ["team--a", "123", "b" * 63, "a1", "0-0"])
def test_unusual_but_valid_names_are_accepted(ws_admin: Api, name: str) -> None:
    create_workspace(ws_admin, name)  # fixed names: the workspace server's database is fresh
    assert _get(ws_admin, name) == {"name": name}
    assert _delete(ws_admin, name).status_code == 204


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Team-B", f"Workspace name 'Team-B' {PATTERN_MESSAGE}"),
        ("-ab", f"Workspace name '-ab' {PATTERN_MESSAGE}"),
        ("team-", f"Workspace name 'team-' {PATTERN_MESSAGE}"),
        ("team_a", f"Workspace name 'team_a' {PATTERN_MESSAGE}"),
        ("team a", f"Workspace name 'team a' {PATTERN_MESSAGE}"),
        ("DEFAULT", f"Workspace name 'DEFAULT' {PATTERN_MESSAGE}"),
        ("a", "Workspace name 'a' must be between 2 and 63 characters."),
        ("a" * 64, f"Workspace name '{'a' * 64}' must be between 2 and 63 characters."),
        ("api", "Workspace name 'api' is reserved and cannot be used."),
        ("workspaces", "Workspace name 'workspaces' is reserved and cannot be used."),
        ("ajax-api", "Workspace name 'ajax-api' is reserved and cannot be used."),
        ("static-files", "Workspace name 'static-files' is reserved and cannot be used."),
    ],
)
def test_invalid_names_are_refused_with_the_validator_message(
    ws_admin: Api, name: str, message: str
) -> None:
    got = ws_admin.error(400, "INVALID_PARAMETER_VALUE", "POST", WORKSPACES, {"name": name})
    assert got == message
    assert name not in {w["name"] for w in _listed(ws_admin)}


def test_missing_name_is_refused(ws_admin: Api) -> None:
    message = ws_admin.error(
        400, "INVALID_PARAMETER_VALUE", "POST", WORKSPACES, {"description": "x"}
    )
    assert message.startswith("Missing value for required parameter 'name'")


@pytest.mark.parametrize("name", [12, 5, None, ["ab"], {"n": "ab"}, True])
def test_a_name_that_is_not_a_string_is_refused(ws_admin: Api, name: object) -> None:
    ws_admin.error(400, "INVALID_PARAMETER_VALUE", "POST", WORKSPACES, {"name": name})
    assert str(name) not in {w["name"] for w in _listed(ws_admin)}


def test_get_unknown_is_404_and_invalid_is_400(ws_admin: Api) -> None:
    missing = workspace_name("nope")
    message = ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{missing}")
    assert message == f"Workspace '{missing}' not found"
    message = ws_admin.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{WORKSPACES}/Bad_Name")
    assert message == f"Workspace name 'Bad_Name' {PATTERN_MESSAGE}"


def test_get_default(ws_admin: Api) -> None:
    assert _get(ws_admin, "default")["name"] == "default"


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_the_given_keys(ws_admin: Api) -> None:
    name = create_workspace(ws_admin, description="d1", default_artifact_root="s3://b/one")
    response = ws_admin.call("PATCH", f"{WORKSPACES}/{name}", {"description": "d2"})
    assert response.status_code == 200, response.text
    expected = {"name": name, "description": "d2", "default_artifact_root": "s3://b/one"}
    assert response.json() == {"workspace": expected}
    assert _get(ws_admin, name) == expected
    response = ws_admin.call("PATCH", f"{WORKSPACES}/{name}", {"default_artifact_root": "/mnt/x"})
    assert response.status_code == 200, response.text
    assert _get(ws_admin, name) == {**expected, "default_artifact_root": "/mnt/x"}


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_root_clears_it_and_the_field_is_omitted(ws_admin: Api, blank: str) -> None:
    name = create_workspace(ws_admin, description="keep", default_artifact_root="s3://b/x")
    response = ws_admin.call("PATCH", f"{WORKSPACES}/{name}", {"default_artifact_root": blank})
    assert response.status_code == 200, response.text
    assert response.json() == {"workspace": {"name": name, "description": "keep"}}
    assert _get(ws_admin, name) == {"name": name, "description": "keep"}


def test_empty_description_is_kept_not_cleared(ws_admin: Api) -> None:
    name = create_workspace(ws_admin, description="something")
    response = ws_admin.call("PATCH", f"{WORKSPACES}/{name}", {"description": ""})
    assert response.status_code == 200, response.text
    assert _get(ws_admin, name) == {"name": name, "description": ""}


@pytest.mark.parametrize("body", [{}, {"workspace_name": "x"}, {"unknown": 1}])
def test_update_without_any_key_is_refused(ws_admin: Api, body: dict[str, Any]) -> None:
    name = create_workspace(ws_admin, description="same")
    message = ws_admin.error(400, "INVALID_PARAMETER_VALUE", "PATCH", f"{WORKSPACES}/{name}", body)
    assert message == "Workspace update must have at least one key"
    assert _get(ws_admin, name) == {"name": name, "description": "same"}


def test_update_unknown_is_404(ws_admin: Api) -> None:
    missing = workspace_name("nope")
    message = ws_admin.error(
        404, "RESOURCE_DOES_NOT_EXIST", "PATCH", f"{WORKSPACES}/{missing}", {"description": "x"}
    )
    assert message == f"Workspace '{missing}' not found"
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{missing}")


def test_update_refuses_a_bad_root(ws_admin: Api) -> None:
    name = create_workspace(ws_admin, default_artifact_root="s3://b/ok")
    ws_admin.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "PATCH",
        f"{WORKSPACES}/{name}",
        {"default_artifact_root": "relative/path"},
    )
    assert _get(ws_admin, name)["default_artifact_root"] == "s3://b/ok"


def test_default_can_be_updated(ws_admin: Api) -> None:
    original = _get(ws_admin, "default")
    try:
        response = ws_admin.call("PATCH", f"{WORKSPACES}/default", {"description": "d2"})
        assert response.status_code == 200, response.text
        assert _get(ws_admin, "default")["description"] == "d2"
    finally:
        response = ws_admin.call(
            "PATCH", f"{WORKSPACES}/default", {"description": original["description"]}
        )
        assert response.status_code == 200, response.text
    assert _get(ws_admin, "default") == original


# --- delete ---------------------------------------------------------------------------------


def test_delete_empty_workspace_is_204_with_an_empty_body(ws_admin: Api) -> None:
    name = create_workspace(ws_admin)
    response = _delete(ws_admin, name)
    assert response.status_code == 204
    assert response.content == b""
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{name}")
    assert name not in {w["name"] for w in _listed(ws_admin)}


def test_delete_default_is_refused(ws_admin: Api) -> None:
    for mode in (None, "CASCADE", "SET_DEFAULT", "RESTRICT"):
        response = _delete(ws_admin, "default", mode)
        assert response.status_code == 400, response.text
        assert response.json() == {
            "error_code": "INVALID_PARAMETER_VALUE",
            "message": "The 'default' workspace is reserved and cannot be deleted",
        }
    assert _get(ws_admin, "default")["name"] == "default"
    ws_admin.ok("GET", "/experiments/get", experiment_id="0")


def test_delete_unknown_is_404(ws_admin: Api) -> None:
    missing = workspace_name("nope")
    response = _delete(ws_admin, missing)
    assert response.status_code == 404, response.text
    assert response.json()["message"] == f"Workspace '{missing}' not found"


@pytest.mark.parametrize("mode", ["BOGUS", "set_default", "cascade", "Restrict"])
def test_delete_with_a_bad_mode_is_refused(ws_admin: Api, mode: str) -> None:
    name = create_workspace(ws_admin)
    response = _delete(ws_admin, name, mode)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": f"Invalid deletion mode '{mode}'. Must be one of: SET_DEFAULT, CASCADE, "
        "RESTRICT",
    }
    assert _get(ws_admin, name) == {"name": name}


def test_a_deleted_name_can_be_created_again_and_starts_empty(
    ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin, description="first")
    team = ws_clients(name)
    experiment_id = team.create_experiment()
    assert _delete(ws_admin, name, "CASCADE").status_code == 204
    create_workspace(ws_admin, name, description="second")
    assert _get(ws_admin, name) == {"name": name, "description": "second"}
    assert team.ok("POST", "/experiments/search", {}).get("experiments", []) == []
    team.error(
        404, "RESOURCE_DOES_NOT_EXIST", "GET", "/experiments/get", experiment_id=experiment_id
    )


def _populate(team: Api, experiment_name: str, model_name: str) -> dict[str, str]:
    experiment_id = team.create_experiment(experiment_name)
    run_id = str(team.create_run(experiment_id)["info"]["run_id"])
    team.ok(
        "POST",
        "/runs/log-metric",
        {"run_id": run_id, "key": "m", "value": 1.5, "timestamp": 1, "step": 0},
    )
    artifacts = team.get_run(run_id)["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    response = team.http.put(f"{ARTIFACTS}/{artifacts}/model/MLmodel", content=b"flavors: {}")
    assert response.status_code == 200, response.text
    team.ok("POST", f"{RM}/create", {"name": model_name})
    version = team.ok(
        "POST", f"{MV}/create", {"name": model_name, "source": f"runs:/{run_id}/model"}
    )["model_version"]
    assert version["status"] == "READY", version
    team.ok("POST", f"{RM}/alias", {"name": model_name, "alias": "champion", "version": "1"})
    model_id = team.ok("POST", LOGGED_MODELS, {"experiment_id": experiment_id})["model"]["info"][
        "model_id"
    ]
    return {"experiment_id": experiment_id, "run_id": run_id, "model_id": str(model_id)}


def _has_no_rows(server: WorkspaceServer, name: str) -> None:
    rows = server.workspace_rows(name)
    assert "experiments" in rows and "model_versions" in rows
    assert {table: found for table, found in rows.items() if found} == {}


def test_restrict_refuses_while_resources_remain(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    ids = _populate(team, unique("exp"), unique("model"))
    before = ws_server.workspace_rows(name)
    for mode in (None, "RESTRICT"):
        response = _delete(ws_admin, name, mode)
        assert response.status_code == 409, response.text
        payload = response.json()
        assert payload["error_code"] == "INVALID_STATE"
        assert payload["message"] == (
            f"Cannot delete workspace '{name}': table 'registered_models' still contains 1 "
            "resource(s). Remove or reassign them before deleting the workspace."
        )
    assert _get(ws_admin, name) == {"name": name}
    assert ws_server.workspace_rows(name) == before
    team.ok("GET", "/runs/get", run_id=ids["run_id"])


def test_restrict_counts_deleted_experiments(ws_admin: Api, ws_clients: WorkspaceClients) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    experiment_id = team.create_experiment()
    team.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    response = _delete(ws_admin, name)
    assert response.status_code == 409, response.text
    assert response.json()["error_code"] == "INVALID_STATE"
    assert "table 'experiments' still contains 1 resource(s)" in response.json()["message"]
    assert _get(ws_admin, name) == {"name": name}


def test_cascade_removes_only_that_workspaces_resources(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    doomed, kept = create_workspace(ws_admin), create_workspace(ws_admin)
    experiment_name, model_name = unique("exp"), unique("model")
    gone = _populate(ws_clients(doomed), experiment_name, model_name)
    survivor_team = ws_clients(kept)
    survivor = _populate(survivor_team, experiment_name, model_name)
    in_default = _populate(ws_admin, experiment_name, model_name)

    response = _delete(ws_admin, doomed, "CASCADE")
    assert response.status_code == 204, response.text
    assert response.content == b""
    _has_no_rows(ws_server, doomed)
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{doomed}")
    for team, ids in ((survivor_team, survivor), (ws_admin, in_default)):
        run = team.get_run(ids["run_id"])
        assert run["data"]["metrics"][0]["value"] == 1.5
        got = team.ok("GET", "/experiments/get-by-name", experiment_name=experiment_name)
        assert got["experiment"]["experiment_id"] == ids["experiment_id"]
        team.ok("GET", f"{RM}/get", name=model_name)
        team.ok("GET", f"{RM}/alias", name=model_name, alias="champion")
        team.ok("GET", f"{LOGGED_MODELS}/{ids['model_id']}")
    # The removed run is gone from everywhere, not moved.
    for team in (survivor_team, ws_admin):
        team.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", "/runs/get", run_id=gone["run_id"])
    assert sorted(ws_server.experiment_rows(experiment_name)) == sorted(
        [(survivor["experiment_id"], kept), (in_default["experiment_id"], "default")]
    )


def test_set_default_moves_resources_into_default(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    experiment_name, model_name = unique("exp"), unique("model")
    ids = _populate(team, experiment_name, model_name)
    location = team.ok("GET", "/experiments/get", experiment_id=ids["experiment_id"])["experiment"][
        "artifact_location"
    ]
    assert location == f"mlflow-artifacts:/workspaces/{name}/{ids['experiment_id']}"

    response = _delete(ws_admin, name, "SET_DEFAULT")
    assert response.status_code == 204, response.text
    assert response.content == b""
    moved = ws_admin.ok("GET", "/experiments/get", experiment_id=ids["experiment_id"])
    assert moved["experiment"]["workspace"] == "default"
    assert moved["experiment"]["name"] == experiment_name
    assert moved["experiment"]["artifact_location"] == location  # never rewritten
    assert ws_admin.get_run(ids["run_id"])["data"]["metrics"][0]["value"] == 1.5
    ws_admin.ok("GET", f"{RM}/get", name=model_name)
    moved_version = ws_admin.ok("GET", f"{RM}/alias", name=model_name, alias="champion")
    assert moved_version["model_version"]["status"] == "READY"
    ws_admin.ok("GET", f"{LOGGED_MODELS}/{ids['model_id']}")
    _has_no_rows(ws_server, name)
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{name}")


def test_set_default_with_name_conflicts_is_refused_and_moves_nothing(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    name = create_workspace(ws_admin)
    team = ws_clients(name)
    experiment_name, model_name = unique("exp"), unique("model")
    ids = _populate(team, experiment_name, model_name)
    team.create_experiment(unique("free"))  # no conflict: must not move either
    ws_admin.create_experiment(experiment_name)
    ws_admin.ok("POST", f"{RM}/create", {"name": model_name})
    before = ws_server.workspace_rows(name)

    response = _delete(ws_admin, name, "SET_DEFAULT")
    assert response.status_code == 409, response.text
    payload = response.json()
    assert payload["error_code"] == "INVALID_STATE"
    message = payload["message"]
    assert message.startswith(
        f"Cannot reassign resources from workspace '{name}' to 'default': the following names "
        "already exist in the default workspace and would cause conflicts:\n"
    )
    assert f"\n  - experiments: '{experiment_name}'" in message
    assert f"\n  - registered_models: '{model_name}'" in message
    assert message.endswith("Rename or remove the conflicting resources before retrying.")

    assert ws_server.workspace_rows(name) == before
    assert _get(ws_admin, name) == {"name": name}
    got = team.ok("GET", "/experiments/get", experiment_id=ids["experiment_id"])
    assert got["experiment"]["workspace"] == name
    team.ok("GET", "/runs/get", run_id=ids["run_id"])


# --- the ajax-api twin and the header on these routes --------------------------------------


def test_ajax_twin_serves_the_same_catalog(ws_admin: Api) -> None:
    name = workspace_name()
    response = ws_admin.call("POST", AJAX_WORKSPACES, {"name": name, "description": "via ajax"})
    assert response.status_code == 201, response.text
    assert _get(ws_admin, name) == _get(ws_admin, name, AJAX_WORKSPACES)
    assert _listed(ws_admin) == _listed(ws_admin, AJAX_WORKSPACES)
    response = ws_admin.call("PATCH", f"{AJAX_WORKSPACES}/{name}", {"description": "patched"})
    assert response.status_code == 200, response.text
    assert _get(ws_admin, name)["description"] == "patched"
    assert ws_admin.http.delete(f"{AJAX_WORKSPACES}/{name}").status_code == 204
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{name}")


def test_the_header_is_still_resolved_on_workspace_routes(
    ws_server: WorkspaceServer, ws_admin: Api
) -> None:
    name = workspace_name()
    for header, status, code in (
        ("nope-x", 404, "RESOURCE_DOES_NOT_EXIST"),
        ("Bad_Name", 400, "INVALID_PARAMETER_VALUE"),
    ):
        response = raw_request(
            ws_server.url, "POST", WORKSPACES, [(WORKSPACE_HEADER, header)], {"name": name}
        )
        assert response.status == status, response.body
        assert response.json()["error_code"] == code
    ws_admin.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{WORKSPACES}/{name}")


@pytest.mark.parametrize("path", [SERVER_INFO, AJAX_SERVER_INFO])
def test_server_info_reports_enabled_and_ignores_the_header(
    ws_server: WorkspaceServer, path: str
) -> None:
    for header in (None, "default", "nope-x", "Bad_Name", "../x", "x" * 200):
        headers = [(WORKSPACE_HEADER, header)] if header is not None else []
        response = raw_request(ws_server.url, "GET", path, headers)
        assert response.status == 200, (header, response.body)
        info = response.json()
        assert info["workspaces_enabled"] is True
        assert info["store_type"] == "SqlStore"
