"""Model versions over HTTP: create, get, update, delete, numbering, stages, tags, errors."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Api, unique
from tests.integration.test_registry_models import (
    MV,
    READY,
    RM,
    create_model,
    create_version,
    get_model,
    get_version,
    latest_of,
    model_with_versions,
    run_source,
    tags_of,
)

STAGES = ("None", "Staging", "Production", "Archived")


def _transition(
    api: Api, name: str, version: str, stage: str, archive: bool = False
) -> dict[str, Any]:
    body = {"name": name, "version": version, "stage": stage, "archive_existing_versions": archive}
    moved: dict[str, Any] = api.ok("POST", f"{MV}/transition-stage", body)["model_version"]
    return moved


def _stages(api: Api, name: str, count: int) -> list[str]:
    return [get_version(api, name, n)["current_stage"] for n in range(1, count + 1)]


def _snapshot(api: Api, name: str, count: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return get_model(api, name), [get_version(api, name, n) for n in range(1, count + 1)]


# --------------------------------------------------------------------------------------------
# Create, get, update


def test_create_version_returns_ready_version_with_all_fields(api: Api, run_id: str) -> None:
    name = str(create_model(api)["name"])
    source = run_source(api, run_id)
    before = int(time.time() * 1000)
    body = {
        "name": name,
        "source": source,
        "run_id": run_id,
        "run_link": "http://example.invalid/run",
        "description": "first cut",
        "tags": [{"key": "owner", "value": "ada"}, {"key": "data", "value": "v2"}],
    }
    created = api.ok("POST", f"{MV}/create", body)["model_version"]
    # The official client polls (3 s per round) unless create answers READY.
    assert created["status"] == READY, created
    assert created["name"] == name
    assert created["version"] == "1"
    assert created["source"] == source
    assert created["run_id"] == run_id
    assert created["run_link"] == "http://example.invalid/run"
    assert created["description"] == "first cut"
    assert created["current_stage"] == "None"
    assert tags_of(created) == {"owner": "ada", "data": "v2"}
    assert created.get("aliases", []) == []
    assert int(created["creation_timestamp"]) >= before - 5000
    assert int(created["last_updated_timestamp"]) >= int(created["creation_timestamp"])

    fetched = get_version(api, name, "1")
    for field in ("name", "version", "source", "run_id", "run_link", "description", "status"):
        assert fetched[field] == created[field], field
    assert fetched["current_stage"] == "None"
    assert tags_of(fetched) == tags_of(created)
    assert latest_of(get_model(api, name)) == {"None": "1"}


def test_create_version_errors_create_nothing(api: Api, run_id: str) -> None:
    missing = unique("missing")
    source = run_source(api, run_id)
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "POST", f"{MV}/create", {"name": missing, "source": source}
    )
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/get", name=missing)
    name = str(create_model(api)["name"])
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{MV}/create", {"name": name})
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{MV}/create", {"name": name, "source": ""})
    assert get_model(api, name).get("latest_versions", []) == []
    assert api.ok("GET", f"{MV}/search", filter=f"name='{name}'").get("model_versions", []) == []
    assert create_version(api, name, source)["version"] == "1"


def test_version_numbers_count_up_and_are_never_reused(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 3)
    source = run_source(api, run_id)
    assert api.ok("DELETE", f"{MV}/delete", {"name": name, "version": "2"}) == {}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=name, version="2")
    assert create_version(api, name, source)["version"] == "4"
    # Deleting the highest version does not hand its number out again either.
    api.ok("DELETE", f"{MV}/delete", {"name": name, "version": "4"})
    assert create_version(api, name, source)["version"] == "5"
    found = api.ok("GET", f"{MV}/search", filter=f"name = '{name}'")["model_versions"]
    assert sorted(int(v["version"]) for v in found) == [1, 3, 5]
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "DELETE", f"{MV}/delete", {"name": name, "version": "2"}
    )


def test_numbering_is_per_model(api: Api, run_id: str) -> None:
    first = model_with_versions(api, run_id, 2)
    second = model_with_versions(api, run_id, 1)
    assert get_version(api, first, 2)["name"] == first
    assert get_version(api, second, 1)["name"] == second
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=second, version="2")


def test_update_version_description(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 2)
    before = get_version(api, name, 1)
    updated = api.ok(
        "PATCH", f"{MV}/update", {"name": name, "version": "1", "description": "better"}
    )["model_version"]
    assert (updated["name"], updated["version"], updated["description"]) == (name, "1", "better")
    after = get_version(api, name, 1)
    assert after["description"] == "better"
    assert after["source"] == before["source"]
    assert int(after["last_updated_timestamp"]) >= int(before["last_updated_timestamp"])
    assert get_version(api, name, 2).get("description", "") == ""


def test_delete_version_removes_its_aliases(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 3)
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "champion", "version": "2"})
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "shadow", "version": "2"})
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "old", "version": "1"})
    api.ok("DELETE", f"{MV}/delete", {"name": name, "version": "2"})
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=name, alias="champion")
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{RM}/alias", name=name, alias="shadow")
    model = get_model(api, name)
    assert {a["alias"]: a["version"] for a in model.get("aliases", [])} == {"old": "1"}
    # A later version with the same number cannot exist, but a new one must not inherit them.
    new = create_version(api, name, run_source(api, run_id))
    assert new["version"] == "4"
    assert new.get("aliases", []) == []


def test_concurrent_creates_get_distinct_numbers(api: Api, server_url: str, run_id: str) -> None:
    name = str(create_model(api)["name"])
    source = run_source(api, run_id)

    def create(_: int) -> dict[str, Any]:
        with httpx.Client(base_url=server_url, timeout=30) as client:
            response = client.post(f"{MV}/create", json={"name": name, "source": source})
            assert response.status_code == 200, response.text
            version: dict[str, Any] = response.json()["model_version"]
            return version

    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(create, range(6)))
    assert sorted(int(v["version"]) for v in created) == [1, 2, 3, 4, 5, 6]
    assert {get_version(api, name, n)["status"] for n in range(1, 7)} == {READY}


def test_concurrent_alias_moves_leave_exactly_one_target(
    api: Api, server_url: str, run_id: str
) -> None:
    name = model_with_versions(api, run_id, 3)

    def point(index: int) -> None:
        body = {"name": name, "alias": "champion", "version": str(index % 3 + 1)}
        with httpx.Client(base_url=server_url, timeout=30) as client:
            response = client.post(f"{RM}/alias", json=body)
            assert response.status_code == 200, response.text

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(point, range(18)))
    holders = [n for n in range(1, 4) if "champion" in get_version(api, name, n)["aliases"]]
    assert len(holders) == 1
    assert get_model(api, name)["aliases"] == [{"alias": "champion", "version": str(holders[0])}]
    by_alias = api.ok("GET", f"{RM}/alias", name=name, alias="champion")["model_version"]
    assert by_alias["version"] == str(holders[0])


# --------------------------------------------------------------------------------------------
# Stages


def test_transition_through_every_stage(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 1)
    for spelled, canonical in (
        ("Staging", "Staging"),
        ("production", "Production"),
        ("ARCHIVED", "Archived"),
        ("none", "None"),
        ("Production", "Production"),
    ):
        moved = _transition(api, name, "1", spelled)
        assert (moved["version"], moved["current_stage"]) == ("1", canonical)
        assert get_version(api, name, 1)["current_stage"] == canonical
    assert latest_of(get_model(api, name)) == {"Production": "1"}


def test_archive_existing_versions_moves_others_in_the_target_stage(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 4)
    _transition(api, name, "1", "Production")
    _transition(api, name, "2", "Production")
    _transition(api, name, "3", "Staging")
    # Without archiving, several versions can share a stage.
    assert _stages(api, name, 4) == ["Production", "Production", "Staging", "None"]
    moved = _transition(api, name, "4", "Production", archive=True)
    assert moved["current_stage"] == "Production"
    assert _stages(api, name, 4) == ["Archived", "Archived", "Staging", "Production"]
    _transition(api, name, "1", "Staging", archive=True)
    assert _stages(api, name, 4) == ["Staging", "Archived", "Archived", "Production"]
    assert latest_of(get_model(api, name)) == {
        "Staging": "1",
        "Archived": "3",
        "Production": "4",
    }


@pytest.mark.parametrize("stage", ["None", "Archived", "archived"])
def test_archive_existing_with_none_or_archived_is_400(api: Api, run_id: str, stage: str) -> None:
    name = model_with_versions(api, run_id, 2)
    _transition(api, name, "1", "Production")
    before = _snapshot(api, name, 2)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{MV}/transition-stage",
        {"name": name, "version": "2", "stage": stage, "archive_existing_versions": True},
    )
    assert _snapshot(api, name, 2) == before


@pytest.mark.parametrize("stage", ["Prod", "Deleted", "", "Productions", "Staging!"])
def test_invalid_stage_is_400(api: Api, run_id: str, stage: str) -> None:
    name = model_with_versions(api, run_id, 1)
    before = _snapshot(api, name, 1)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{MV}/transition-stage",
        {"name": name, "version": "1", "stage": stage, "archive_existing_versions": False},
    )
    assert _snapshot(api, name, 1) == before


# --------------------------------------------------------------------------------------------
# Tags


def test_version_tags(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 2)
    assert (
        api.ok("POST", f"{MV}/set-tag", {"name": name, "version": "1", "key": "k", "value": "a"})
        == {}
    )
    api.ok("POST", f"{MV}/set-tag", {"name": name, "version": "1", "key": "k", "value": "b"})
    api.ok("POST", f"{MV}/set-tag", {"name": name, "version": "1", "key": "gone", "value": "x"})
    assert tags_of(get_version(api, name, 1)) == {"k": "b", "gone": "x"}
    assert tags_of(get_version(api, name, 2)) == {}
    assert api.ok("DELETE", f"{MV}/delete-tag", {"name": name, "version": "1", "key": "gone"}) == {}
    assert tags_of(get_version(api, name, 1)) == {"k": "b"}
    before = get_version(api, name, 1)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{MV}/set-tag",
        {"name": name, "version": "1", "key": "../bad", "value": "v"},
    )
    assert get_version(api, name, 1) == before


# --------------------------------------------------------------------------------------------
# Unknown models and versions


ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "get", {}),
    ("PATCH", "update", {"description": "x"}),
    ("DELETE", "delete", {}),
    ("POST", "transition-stage", {"stage": "Staging", "archive_existing_versions": False}),
    ("POST", "set-tag", {"key": "k", "value": "v"}),
    ("DELETE", "delete-tag", {"key": "k"}),
    ("GET", "get-download-uri", {}),
]


@pytest.mark.parametrize(("method", "endpoint", "extra"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_unknown_version_or_model_is_404_and_changes_nothing(
    api: Api, run_id: str, method: str, endpoint: str, extra: dict[str, Any]
) -> None:
    name = model_with_versions(api, run_id, 1)
    before = _snapshot(api, name, 1)
    for model, version in ((name, "2"), (name, "999"), (unique("missing"), "1")):
        request = {"name": model, "version": version, **extra}
        if method == "GET":
            api.error(404, "RESOURCE_DOES_NOT_EXIST", method, f"{MV}/{endpoint}", **request)
        else:
            api.error(404, "RESOURCE_DOES_NOT_EXIST", method, f"{MV}/{endpoint}", request)
    assert _snapshot(api, name, 1) == before


@pytest.mark.parametrize("version", ["abc", "0", "-1", "1.5"])
def test_malformed_version_is_400(api: Api, run_id: str, version: str) -> None:
    name = model_with_versions(api, run_id, 1)
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{MV}/get", name=name, version=version)


def test_version_json_shape(api: Api, run_id: str) -> None:
    name = model_with_versions(api, run_id, 1)
    api.ok("POST", f"{RM}/alias", {"name": name, "alias": "a1", "version": "1"})
    version = get_version(api, name, 1)
    assert isinstance(version["version"], str)
    assert version["aliases"] == ["a1"]
    assert version["status"] == READY
    assert version["current_stage"] == "None"
    model = get_model(api, name)
    assert model["aliases"] == [{"alias": "a1", "version": "1"}]
    latest = model["latest_versions"]
    assert [(v["name"], v["version"], v["current_stage"]) for v in latest] == [(name, "1", "None")]
