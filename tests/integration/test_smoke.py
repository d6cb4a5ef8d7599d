"""The server answers its probes and the Default experiment exists."""

from __future__ import annotations

from tests.integration.conftest import Api


def test_health_and_version(api: Api) -> None:
    assert api.http.get("/health").text == "OK"
    assert api.http.get("/version").text == "3.17.2"


def test_server_info_reports_workspaces_disabled(api: Api) -> None:
    info = api.http.get("/api/3.0/mlflow/server-info").json()
    assert info["workspaces_enabled"] is False


def test_default_experiment_exists(api: Api) -> None:
    experiment = api.ok("GET", "/experiments/get", experiment_id="0")["experiment"]
    assert experiment["name"] == "Default"
    assert experiment["lifecycle_stage"] == "active"


def test_log_and_read_back(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-metric", {"run_id": run_id, "key": "m", "value": 1.5, "timestamp": 5})
    run = api.get_run(run_id)
    assert run["data"]["metrics"] == [{"key": "m", "value": 1.5, "timestamp": 5, "step": 0}]


def test_openapi_document_is_self_contained(api: Api) -> None:
    import json
    import re

    document = api.http.get("/openapi.json").json()
    referenced = set(re.findall(r"#/components/schemas/([\w.-]+)", json.dumps(document)))
    assert referenced <= set(document["components"]["schemas"])
    assert "/api/2.0/mlflow/runs/log-batch" in document["paths"]
