"""A server without workspaces: a workspace header is refused, the workspace API is absent.

Deliberate deviations from MLflow 3.17.2 (research note §9): a named workspace is refused with
FEATURE_DISABLED as HTTP 400 (MLflow: 500, which its client retries), and the five workspace
routes answer a JSON 404 ENDPOINT_NOT_FOUND (MLflow: a plain-text 503, also retried).
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import (
    AJAX_SERVER_INFO,
    AJAX_WORKSPACES,
    ARTIFACTS,
    SERVER_INFO,
    WORKSPACE_HEADER,
    WORKSPACES,
    Api,
    raw_request,
    unique,
)

FEATURE_DISABLED_MESSAGE = (
    "Workspace APIs are not available: workspaces are not enabled on this server"
)


def _refused(response_status: int, payload: dict[str, object]) -> None:
    assert response_status == 400, payload
    assert payload["error_code"] == "FEATURE_DISABLED", payload
    assert payload["message"] == FEATURE_DISABLED_MESSAGE


NAMED = ["default", "team-a", "  default  ", "DEFAULT", "Bad_Name", "nope-x", "../x"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/version"),
        ("GET", "/api/2.0/mlflow/experiments/search"),
        ("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0"),
        ("GET", WORKSPACES),
        ("GET", ARTIFACTS),
    ],
)
def test_any_named_workspace_is_refused_with_feature_disabled(
    api: Api, method: str, path: str
) -> None:
    for header in NAMED:
        response = raw_request(str(api.http.base_url), method, path, [(WORKSPACE_HEADER, header)])
        _refused(response.status, response.json())


def test_refused_create_writes_nothing(api: Api) -> None:
    name = unique("disabled-ws")
    for header in ("default", "team-a"):
        response = api.http.post(
            "/api/2.0/mlflow/experiments/create",
            json={"name": name},
            headers={WORKSPACE_HEADER: header},
        )
        _refused(response.status_code, response.json())
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "GET",
        "/api/2.0/mlflow/experiments/get-by-name",
        experiment_name=name,
    )


@pytest.mark.parametrize("header", ["", "   ", "\t"])
def test_blank_header_means_single_tenant(api: Api, header: str) -> None:
    name = unique("blank-ws")
    response = raw_request(
        str(api.http.base_url),
        "POST",
        "/api/2.0/mlflow/experiments/create",
        [(WORKSPACE_HEADER, header)],
        {"name": name},
    )
    assert response.status == 200, response.body
    experiment_id = response.json()["experiment_id"]
    experiment = api.ok("GET", "/experiments/get", experiment_id=experiment_id)["experiment"]
    assert experiment["name"] == name
    assert experiment["workspace"] == "default"
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"


def test_experiment_json_names_the_default_workspace(api: Api) -> None:
    experiment = api.ok("GET", "/experiments/get", experiment_id="0")["experiment"]
    assert experiment["workspace"] == "default"


def test_artifact_location_is_accepted_without_workspaces(api: Api) -> None:
    experiment_id = api.create_experiment(artifact_location="s3://bucket/explicit")
    experiment = api.ok("GET", "/experiments/get", experiment_id=experiment_id)["experiment"]
    assert experiment["artifact_location"] == "s3://bucket/explicit"


@pytest.mark.parametrize("base", [WORKSPACES, AJAX_WORKSPACES])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("POST", "", {"name": "team-a"}),
        ("GET", "/team-a", None),
        ("PATCH", "/team-a", {"description": "x"}),
        ("DELETE", "/team-a", None),
        ("DELETE", "/default?mode=CASCADE", None),
    ],
)
def test_workspace_routes_are_json_endpoint_not_found(
    api: Api, base: str, method: str, suffix: str, body: dict[str, str] | None
) -> None:
    response = api.http.request(method, base + suffix, json=body)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    assert payload["error_code"] == "ENDPOINT_NOT_FOUND"
    assert "workspaces are not enabled" in payload["message"]


@pytest.mark.parametrize("path", [SERVER_INFO, AJAX_SERVER_INFO])
def test_server_info_reports_disabled_and_ignores_the_header(api: Api, path: str) -> None:
    for header in (None, "default", "team-a", "Bad_Name", "x" * 300):
        headers = [(WORKSPACE_HEADER, header)] if header is not None else []
        response = raw_request(str(api.http.base_url), "GET", path, headers)
        assert response.status == 200, (header, response.body)
        info = response.json()
        assert info["workspaces_enabled"] is False
        assert info["store_type"] == "SqlStore"
