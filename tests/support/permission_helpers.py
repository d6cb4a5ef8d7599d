"""Shared pieces of the permission suites: paths, small HTTP helpers and checks."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.auth_helpers import (
    API,
    API3,
    WORKSPACES,
    AuthClient,
    Person,
    Site,
    unique_name,
)

EXPERIMENTS = f"{API}/experiments"
RUNS = f"{API}/runs"
RM = f"{API}/registered-models"
MV = f"{API}/model-versions"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
CURRENT_PERMISSIONS = f"{API3}/users/current/permissions"
PROXY = "mlflow-artifacts:/"
MODEL_FILES = {"MLmodel": b"flavors:\n  python_function: {}\n", "data/w.bin": b"\x00\x01\x02"}
UNKNOWN_PERMISSION = (
    "Invalid permission 'FOO'. Valid permissions are: "
    "('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS', 'DENY')"
)


def error(response: httpx.Response, status: int, code: str, message: str | None = None) -> str:
    """An MLflow JSON error with this status and code (and message, when given)."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error_code", "message"}, body
    assert body["error_code"] == code, body
    if message is not None:
        assert body["message"] == message
    return str(body["message"])


def listed(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The rows of a search answer (an empty answer may omit the list)."""
    assert set(body) <= {key, "next_page_token"}, body
    rows: list[dict[str, Any]] = body.get(key, [])
    return rows


def experiment_names(client: AuthClient, **body: Any) -> list[str]:
    found = client.ok("POST", f"{EXPERIMENTS}/search", body)
    return [e["name"] for e in listed(found, "experiments")]


def model_names(client: AuthClient) -> list[str]:
    found = client.ok("GET", f"{RM}/search")
    return sorted(m["name"] for m in listed(found, "registered_models"))


def version_names(client: AuthClient) -> list[tuple[str, str]]:
    found = client.ok("GET", f"{MV}/search")
    return sorted((v["name"], v["version"]) for v in listed(found, "model_versions"))


def workspace_names(client: AuthClient) -> list[str] | None:
    """The listed workspaces; None for the empty answer ``{}``."""
    found = client.ok("GET", WORKSPACES)
    if found == {}:
        return None
    return [w["name"] for w in found["workspaces"]]


def create_experiment(client: AuthClient, name: str | None = None) -> tuple[str, str]:
    name = name or unique_name("exp")
    return client.create_experiment(name), name


def get_experiment(client: AuthClient, experiment_id: str) -> httpx.Response:
    return client.call("GET", f"{EXPERIMENTS}/get", {"experiment_id": experiment_id})


def experiment_named(site: Site, workspace: str | None, name: str) -> dict[str, Any] | None:
    response = site.admin(workspace).call(
        "GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": name}
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["experiment"]
    return found


def run_in(client: AuthClient, experiment_id: str) -> str:
    run = client.ok("POST", f"{RUNS}/create", {"experiment_id": experiment_id, "start_time": 1})
    return str(run["run"]["info"]["run_id"])


def run_path(client: AuthClient, run_id: str) -> str:
    """The run's artifact folder as the proxy names it (``workspaces/<ws>/<exp>/<run>/...``)."""
    uri = str(client.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]["info"]["artifact_uri"])
    assert uri.startswith(PROXY), uri
    return uri.removeprefix(PROXY).strip("/")


def upload_model(client: AuthClient, run_id: str) -> str:
    """Model files under the run's ``model`` folder; returns the ``runs:/`` source."""
    root = run_path(client, run_id)
    for rel, data in MODEL_FILES.items():
        put = client.http.put(f"{ARTIFACTS}/{root}/model/{rel}", content=data)
        assert put.status_code == 200, put.text
    return f"runs:/{run_id}/model"


def create_version(client: AuthClient, name: str, source: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "source": source, **extra}
    version: dict[str, Any] = client.ok("POST", f"{MV}/create", body)["model_version"]
    deadline = time.monotonic() + 20
    while version["status"] == "PENDING_REGISTRATION":
        assert time.monotonic() < deadline, version
        time.sleep(0.05)
        version = client.ok("GET", f"{MV}/get", name=name, version=version["version"])[
            "model_version"
        ]
    assert version["status"] == "READY", version
    return version


def grant_body(person: Person, resource_type: str, resource_id: str, level: str) -> Any:
    return {
        "username": person.username,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "permission": level,
    }


def role_rows(site: Site, workspace: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """``(name, [(type, pattern, level)])`` of every role of ``workspace``, by name."""
    return sorted(
        (
            role["name"],
            [
                (p["resource_type"], p["resource_pattern"], p["permission"])
                for p in role["permissions"]
            ],
        )
        for role in site.roles(workspace)
    )
