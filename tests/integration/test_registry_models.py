"""Registered models over HTTP: create, get, rename, update, delete, tags, aliases, latest versions.

The helpers at the top are shared by the other ``test_registry_*`` modules.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.conftest import AJAX, API, ARTIFACTS, Api, unique

RM = f"{API}/registered-models"
MV = f"{API}/model-versions"
PENDING = "PENDING_REGISTRATION"
READY = "READY"
FAILED = "FAILED_REGISTRATION"
PROXY_PREFIX = "mlflow-artifacts:/"

MODEL_FILES: dict[str, bytes] = {
    "MLmodel": b"flavors:\n  python_function: {}\n",
    "data/weights.bin": bytes(range(256)) * 3,
}


# --------------------------------------------------------------------------------------------
# Shared helpers


def create_model(api: Api, name: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": name or unique("rm"), **extra}
    model: dict[str, Any] = api.ok("POST", f"{RM}/create", body)["registered_model"]
    return model


def get_model(api: Api, name: str) -> dict[str, Any]:
    model: dict[str, Any] = api.ok("GET", f"{RM}/get", name=name)["registered_model"]
    return model


def get_version(api: Api, name: str, version: str | int) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", f"{MV}/get", name=name, version=str(version))[
        "model_version"
    ]
    return found


def settle(api: Api, version: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
    """Re-read a version until it has left PENDING_REGISTRATION (the copy is finished)."""
    deadline = time.monotonic() + timeout
    while version["status"] == PENDING:
        assert time.monotonic() < deadline, f"version still pending: {version}"
        time.sleep(0.05)
        version = get_version(api, version["name"], version["version"])
    return version


def create_version(api: Api, name: str, source: str, **extra: Any) -> dict[str, Any]:
    """Create a version and wait until its registration has finished."""
    body = {"name": name, "source": source, **extra}
    created: dict[str, Any] = api.ok("POST", f"{MV}/create", body)["model_version"]
    assert created["status"] in (PENDING, READY, FAILED), created
    return settle(api, created)


def tags_of(entity: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in entity.get("tags", [])}


def aliases_of(model: dict[str, Any]) -> dict[str, str]:
    """``{alias: version}`` of a registered model (versions as the wire sends them)."""
    return {a["alias"]: a["version"] for a in model.get("aliases", [])}


def latest_of(model: dict[str, Any]) -> dict[str, str]:
    """``{stage: version}`` of a registered model's ``latest_versions``."""
    return {v["current_stage"]: v["version"] for v in model.get("latest_versions", [])}


def run_root(api: Api, run_id: str) -> str:
    """A run's artifact path relative to the proxy root (``<exp>/<run>/artifacts``)."""
    uri = str(api.get_run(run_id)["info"]["artifact_uri"])
    assert uri.startswith(PROXY_PREFIX)
    return uri.removeprefix(PROXY_PREFIX).strip("/")


def put_artifact(api: Api, path: str, data: bytes) -> None:
    response = api.http.put(
        f"{ARTIFACTS}/{path}", content=data, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 200, response.text


def put_tree(api: Api, path: str, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        put_artifact(api, f"{path}/{rel}", data)


def read_tree(api: Api, path: str) -> dict[str, bytes]:
    """Every file below ``path`` (relative names), read through the artifact proxy."""
    files: dict[str, bytes] = {}
    pending = [""]
    while pending:
        rel = pending.pop()
        listed = api.http.get(ARTIFACTS, params={"path": f"{path}/{rel}".rstrip("/")})
        assert listed.status_code == 200, listed.text
        for entry in listed.json().get("files", []):
            child = f"{rel}/{entry['path']}".lstrip("/")
            if entry["is_dir"]:
                pending.append(child)
            else:
                response = api.http.get(f"{ARTIFACTS}/{path}/{child}")
                assert response.status_code == 200, response.text
                files[child] = response.content
    return files


def run_source(api: Api, run_id: str, files: dict[str, bytes] | None = None) -> str:
    """Upload a model directory into the run's artifacts; return its ``runs:/`` URI."""
    put_tree(api, f"{run_root(api, run_id)}/model", MODEL_FILES if files is None else files)
    return f"runs:/{run_id}/model"


def download_path(api: Api, name: str, version: str | int) -> str:
    """The proxy path of a version's download URI (asserting it is a proxied URI)."""
    uri = str(
        api.ok("GET", f"{MV}/get-download-uri", name=name, version=str(version))["artifact_uri"]
    )
    assert uri.startswith(PROXY_PREFIX), uri
    return uri.removeprefix(PROXY_PREFIX).strip("/")


def model_with_versions(api: Api, run_id: str, count: int, **extra: Any) -> str:
    """A new registered model with ``count`` READY versions of one run's model directory."""
    name = str(create_model(api, **extra)["name"])
    source = run_source(api, run_id)
    for number in range(1, count + 1):
        version = create_version(api, name, source, run_id=run_id)
        assert (version["version"], version["status"]) == (str(number), READY), version
    return name


# --------------------------------------------------------------------------------------------
# Create and get


def test_create_returns_model_and_get_reads_it_back(api: Api) -> None:
    name = unique("rm")
    before = int(time.time() * 1000)
    created = create_model(
        api,
        name,
        description="first model",
        tags=[{"key": "team", "value": "vision"}, {"key": "tier", "value": "gold"}],
    )
    assert created["name"] == name
    assert created["description"] == "first model"
    assert tags_of(created) == {"team": "vision", "tier": "gold"}
    assert int(created["creation_timestamp"]) >= before - 5000
    assert int(created["last_updated_timestamp"]) >= int(created["creation_timestamp"])
    assert created.get("latest_versions", []) == []
    assert created.get("aliases", []) == []
    fetched = get_model(api, name)
    assert fetched["name"] == name
    assert fetched["description"] == "first model"
    assert tags_of(fetched) == tags_of(created)
    assert fetched["creation_timestamp"] == created["creation_timestamp"]


def test_ajax_api_mirror_serves_the_registry(api: Api, run_id: str) -> None:
    name = str(create_model(api)["name"])
    create_version(api, name, run_source(api, run_id))
    response = api.http.get(f"{AJAX}/registered-models/get", params={"name": name})
    assert response.status_code == 200, response.text
    assert response.json()["registered_model"]["name"] == name
    versions = api.http.get(f"{AJAX}/model-versions/get", params={"name": name, "version": "1"})
    assert versions.status_code == 200, versions.text
    assert versions.json()["model_version"]["version"] == "1"
    created = api.http.post(f"{AJAX}/registered-models/create", json={"name": unique("ajax")})
    assert created.status_code == 200, created.text


def test_duplicate_name_is_already_exists_and_changes_nothing(api: Api) -> None:
    name = unique("rm")
    create_model(api, name, description="original", tags=[{"key": "k", "value": "v"}])
    before = get_model(api, name)
    message = api.error(
        400,
        "RESOURCE_ALREADY_EXISTS",
        "POST",
        f"{RM}/create",
        {"name": name, "description": "intruder", "tags": [{"key": "k", "value": "other"}]},
    )
    assert name in message
    assert get_model(api, name) == before


@pytest.mark.parametrize("name", ["", "a/b", "a:b"])
def test_create_with_invalid_name_is_400(api: Api, name: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{RM}/create", {"name": name})
    found = api.ok("GET", f"{RM}/search", filter=f"name = '{name}'")
    assert found.get("registered_models", []) == []


def test_create_without_name_is_400(api: Api) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{RM}/create", {"description": "x"})


# --------------------------------------------------------------------------------------------
# Rename, update, delete


def test_rename_moves_versions_aliases_and_tags(api: Api, run_id: str) -> None:
    old = model_with_versions(api, run_id, 2, tags=[{"key": "team", "value": "a"}])
    api.ok("POST", f"{RM}/alias", {"name": old, "alias": "champion", "version": "2"})
    files_before = read_tree(api, download_path(api, old, 2))
    new = unique("renamed")
    renamed = api.ok("POST", f"{RM}/rename", {"name": old, "new_name": new})["registered_model"]
    assert renamed["name"] == new

    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/get", name=old)
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=old, version="1")
    model = get_model(api, new)
    assert tags_of(model) == {"team": "a"}
    assert aliases_of(model) == {"champion": "2"}
    assert latest_of(model) == {"None": "2"}
    assert all(v["name"] == new for v in model["latest_versions"])
    version = get_version(api, new, 1)
    assert version["name"] == new
    by_alias = api.ok("GET", f"{RM}/alias", name=new, alias="champion")["model_version"]
    assert (by_alias["name"], by_alias["version"]) == (new, "2")
    found = api.ok("GET", f"{MV}/search", filter=f"name = '{new}'").get("model_versions", [])
    assert sorted(v["version"] for v in found) == ["1", "2"]
    assert api.ok("GET", f"{MV}/search", filter=f"name = '{old}'").get("model_versions", []) == []
    assert read_tree(api, download_path(api, new, 2)) == files_before == MODEL_FILES


def test_rename_onto_existing_name_is_already_exists(api: Api, run_id: str) -> None:
    first = model_with_versions(api, run_id, 1)
    second = str(create_model(api, description="second")["name"])
    before = (get_model(api, first), get_model(api, second))
    api.error(
        400, "RESOURCE_ALREADY_EXISTS", "POST", f"{RM}/rename", {"name": first, "new_name": second}
    )
    assert (get_model(api, first), get_model(api, second)) == before


def test_rename_errors(api: Api) -> None:
    name = str(create_model(api)["name"])
    missing = unique("missing")
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "POST", f"{RM}/rename", {"name": missing, "new_name": "z"}
    )
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{RM}/rename", {"name": name})
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", f"{RM}/rename", {"name": name, "new_name": "a/b"}
    )
    assert get_model(api, name)["name"] == name


def test_update_sets_description(api: Api) -> None:
    name = str(create_model(api, description="old")["name"])
    before = get_model(api, name)
    time.sleep(0.01)
    updated = api.ok("PATCH", f"{RM}/update", {"name": name, "description": "new text"})[
        "registered_model"
    ]
    assert updated["name"] == name
    assert updated["description"] == "new text"
    after = get_model(api, name)
    assert after["description"] == "new text"
    assert int(after["last_updated_timestamp"]) >= int(before["last_updated_timestamp"])
    assert after["creation_timestamp"] == before["creation_timestamp"]
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "PATCH",
        f"{RM}/update",
        {"name": unique("missing"), "description": "x"},
    )


def test_delete_removes_model_and_its_versions(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 2)
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "prod", "version": "1"})
    assert api.ok("DELETE", f"{RM}/delete", {"name": name}) == {}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/get", name=name)
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=name, version="1")
    assert api.ok("GET", f"{MV}/search", filter=f"name = '{name}'").get("model_versions", []) == []
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "DELETE", f"{RM}/delete", {"name": name})
    # The name is free again; the new model starts its own numbering.
    create_model(api, name)
    assert get_model(api, name).get("aliases", []) == []
    version = create_version(api, name, run_source(api, run_id))
    assert (version["version"], version["status"]) == ("1", READY), version
    assert version.get("aliases", []) == []
    assert read_tree(api, download_path(api, name, 1)) == MODEL_FILES


# --------------------------------------------------------------------------------------------
# Tags


def test_set_overwrite_and_delete_tags(api: Api) -> None:
    name = str(create_model(api, tags=[{"key": "keep", "value": "1"}])["name"])
    assert api.ok("POST", f"{RM}/set-tag", {"name": name, "key": "stage", "value": "dev"}) == {}
    api.ok("POST", f"{RM}/set-tag", {"name": name, "key": "stage", "value": "prod"})
    api.ok("POST", f"{RM}/set-tag", {"name": name, "key": "empty", "value": ""})
    assert tags_of(get_model(api, name)) == {"keep": "1", "stage": "prod", "empty": ""}
    assert api.ok("DELETE", f"{RM}/delete-tag", {"name": name, "key": "stage"}) == {}
    assert tags_of(get_model(api, name)) == {"keep": "1", "empty": ""}


def test_tag_errors_change_nothing(api: Api) -> None:
    name = str(create_model(api, tags=[{"key": "keep", "value": "1"}])["name"])
    before = get_model(api, name)
    missing = unique("missing")
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        f"{RM}/set-tag",
        {"name": missing, "key": "k", "value": "v"},
    )
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "DELETE", f"{RM}/delete-tag", {"name": missing, "key": "k"}
    )
    for key in ("", "../up", "/abs", "bad\nkey"):
        api.error(
            400,
            "INVALID_PARAMETER_VALUE",
            "POST",
            f"{RM}/set-tag",
            {"name": name, "key": key, "value": "v"},
        )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{RM}/set-tag",
        {"name": name, "key": "big", "value": "x" * 100_001},
    )
    assert get_model(api, name) == before


# --------------------------------------------------------------------------------------------
# Aliases


def test_alias_set_get_move_and_delete(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 2)
    assert api.ok("POST", f"{RM}/alias", {"name": name, "alias": "champion", "version": "1"}) == {}
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "Chal-lenger_2", "version": "1"})

    by_alias = api.ok("GET", f"{RM}/alias", name=name, alias="champion")["model_version"]
    assert (by_alias["name"], by_alias["version"]) == (name, "1")
    assert sorted(by_alias["aliases"]) == ["Chal-lenger_2", "champion"]
    assert aliases_of(get_model(api, name)) == {"champion": "1", "Chal-lenger_2": "1"}

    # Setting an existing alias moves it: exactly one version carries it afterwards.
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "champion", "version": "2"})
    moved = api.ok("GET", f"{RM}/alias", name=name, alias="champion")["model_version"]
    assert moved["version"] == "2"
    assert get_version(api, name, 1).get("aliases", []) == ["Chal-lenger_2"]
    assert get_version(api, name, 2).get("aliases", []) == ["champion"]
    assert aliases_of(get_model(api, name)) == {"champion": "2", "Chal-lenger_2": "1"}

    assert api.ok("DELETE", f"{RM}/alias", {"name": name, "alias": "champion"}) == {}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=name, alias="champion")
    assert get_version(api, name, 2).get("aliases", []) == []
    assert aliases_of(get_model(api, name)) == {"Chal-lenger_2": "1"}


def test_alias_latest_resolves_to_the_highest_version(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 3)
    found = api.ok("GET", f"{RM}/alias", name=name, alias="latest")["model_version"]
    assert found["version"] == "3"


@pytest.mark.parametrize(
    "alias",
    [
        "latest",
        "LATEST",
        "Latest",
        "v1",
        "V12",
        "v007",
        "bad alias",
        "a.b",
        "a/b",
        "é!",
        "",
        "x" * 256,
    ],
)
def test_invalid_alias_is_400_and_changes_nothing(api: Api, run_id: str, alias: str) -> None:
    name = model_with_versions(api, run_id, 1)
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "keep", "version": "1"})
    before = get_model(api, name)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{RM}/alias",
        {"name": name, "alias": alias, "version": "1"},
    )
    after = get_model(api, name)
    assert after == before
    assert aliases_of(after) == {"keep": "1"}
    assert get_version(api, name, 1)["aliases"] == ["keep"]


def test_alias_errors(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 1)
    missing = unique("missing")
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        f"{RM}/alias",
        {"name": name, "alias": "ghost", "version": "7"},
    )
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        f"{RM}/alias",
        {"name": missing, "alias": "a", "version": "1"},
    )
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=name, alias="nobody")
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=missing, alias="a")
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "DELETE", f"{RM}/alias", {"name": missing, "alias": "a"}
    )
    assert get_model(api, name).get("aliases", []) == []


# --------------------------------------------------------------------------------------------
# Latest versions


def _stage(api: Api, name: str, version: str, stage: str, archive: bool = False) -> dict[str, Any]:
    body = {"name": name, "version": version, "stage": stage, "archive_existing_versions": archive}
    moved: dict[str, Any] = api.ok("POST", f"{MV}/transition-stage", body)["model_version"]
    return moved


def test_latest_versions_per_stage(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 5)
    _stage(api, name, "1", "Production")
    _stage(api, name, "2", "Production")
    _stage(api, name, "3", "Staging")
    _stage(api, name, "4", "Archived")
    # Version 5 stays in None.
    assert latest_of(get_model(api, name)) == {
        "None": "5",
        "Staging": "3",
        "Production": "2",
        "Archived": "4",
    }

    def latest(method: str, **request: Any) -> list[tuple[str, str]]:
        path = f"{RM}/get-latest-versions"
        if method == "GET":
            payload = api.ok("GET", path, name=name, **request)
        else:
            payload = api.ok("POST", path, {"name": name, **request})
        return sorted((v["current_stage"], v["version"]) for v in payload["model_versions"])

    everything = [("Archived", "4"), ("None", "5"), ("Production", "2"), ("Staging", "3")]
    for method in ("POST", "GET"):
        assert latest(method, stages=["Production"]) == [("Production", "2")]
        assert latest(method, stages=["production", "STAGING"]) == [
            ("Production", "2"),
            ("Staging", "3"),
        ]
        assert latest(method) == everything
    # A stage nobody is in yields nothing for it.
    _stage(api, name, "3", "Production")
    assert latest("POST", stages=["Staging"]) == []
    assert latest("GET", stages=["Staging", "Production"]) == [("Production", "3")]


def test_latest_versions_errors(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 1)
    path = f"{RM}/get-latest-versions"
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", path, {"name": name, "stages": ["Prod"]})
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", path, name=name, stages=["Bogus"])
    missing = unique("missing")
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", path, {"name": missing})
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", path, name=missing)


def test_latest_versions_exclude_deleted(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 3)
    api.ok("DELETE", f"{MV}/delete", {"name": name, "version": "3"})
    assert latest_of(get_model(api, name)) == {"None": "2"}
    payload = api.ok("POST", f"{RM}/get-latest-versions", {"name": name, "stages": ["None"]})
    assert [v["version"] for v in payload["model_versions"]] == ["2"]
