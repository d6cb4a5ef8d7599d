"""Experiments over HTTP: create/get/search/update/delete/restore/tags and the ajax twin."""

from __future__ import annotations

import time
from typing import Any

from tests.integration.conftest import AJAX, API, Api, tag_map, unique


def _experiment(api: Api, experiment_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", "/experiments/get", experiment_id=experiment_id)[
        "experiment"
    ]
    return found


def _search(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    return api.ok("POST", "/experiments/search", body)


def _names(page: dict[str, Any]) -> list[str]:
    return [e["name"] for e in page.get("experiments", [])]


def _make_family(api: Api, size: int) -> tuple[str, list[str], list[str]]:
    """``size`` experiments sharing a fresh name prefix; returns (prefix, names, ids)."""
    prefix = unique("fam")
    names = [f"{prefix}-{i:02d}" for i in range(size)]
    ids = []
    for name in names:
        ids.append(api.create_experiment(name))
        time.sleep(0.003)  # distinct creation_time for the time filters and default order
    return prefix, names, ids


def test_create_returns_string_id_and_get_echoes_everything(api: Api) -> None:
    name = unique("exp")
    created = api.ok(
        "POST",
        "/experiments/create",
        {
            "name": name,
            "artifact_location": "s3://bucket/some/where",
            "tags": [{"key": "team", "value": "vision"}, {"key": "empty", "value": ""}],
        },
    )
    experiment_id = created["experiment_id"]
    assert isinstance(experiment_id, str) and experiment_id.isdigit()
    experiment = _experiment(api, experiment_id)
    assert experiment["experiment_id"] == experiment_id
    assert experiment["name"] == name
    assert experiment["artifact_location"] == "s3://bucket/some/where"
    assert experiment["lifecycle_stage"] == "active"
    assert tag_map(experiment, "") == {"team": "vision", "empty": ""}
    assert isinstance(experiment["creation_time"], int) and experiment["creation_time"] > 0
    assert experiment["last_update_time"] >= experiment["creation_time"]


def test_default_artifact_location_is_proxied(api: Api, experiment_id: str) -> None:
    experiment = _experiment(api, experiment_id)
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"
    assert tag_map(experiment, "") == {}


def test_get_missing_experiment_is_404(api: Api) -> None:
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", "/experiments/get", experiment_id="987654321")


def test_get_without_id_is_400(api: Api) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", "/experiments/get")


def test_get_by_name_finds_active_and_deleted(api: Api) -> None:
    name = unique("byname")
    experiment_id = api.create_experiment(name)
    found = api.ok("GET", "/experiments/get-by-name", experiment_name=name)["experiment"]
    assert found["experiment_id"] == experiment_id
    assert found["lifecycle_stage"] == "active"
    api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    found = api.ok("GET", "/experiments/get-by-name", experiment_name=name)["experiment"]
    assert found["experiment_id"] == experiment_id
    assert found["lifecycle_stage"] == "deleted"


def test_get_by_name_missing_is_json_resource_does_not_exist(api: Api) -> None:
    message = api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "GET",
        "/experiments/get-by-name",
        experiment_name=unique("nobody"),
    )
    assert "nobody" in message


def test_duplicate_create_is_resource_already_exists(api: Api) -> None:
    name = unique("dup")
    api.create_experiment(name)
    api.error(400, "RESOURCE_ALREADY_EXISTS", "POST", "/experiments/create", {"name": name})


def test_duplicate_of_deleted_experiment_is_resource_already_exists(api: Api) -> None:
    name = unique("dupdel")
    experiment_id = api.create_experiment(name)
    api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    api.error(400, "RESOURCE_ALREADY_EXISTS", "POST", "/experiments/create", {"name": name})


def test_create_without_name_is_400(api: Api) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/create", {})
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/create", {"name": ""})


def test_search_filters_on_name(api: Api) -> None:
    prefix, names, _ = _make_family(api, 4)
    upper = f"{prefix.upper()}-XX"
    api.create_experiment(upper)

    def search(filter_string: str) -> set[str]:
        return set(_names(_search(api, {"filter": filter_string, "max_results": 100})))

    assert search(f"name LIKE '{prefix}-%'") == set(names)
    assert search(f"name LIKE '{prefix}-0_'") == set(names)
    assert search(f"name ILIKE '{prefix}-%'") == {*names, upper}
    assert search(f"attribute.name = '{names[2]}'") == {names[2]}
    assert search(f"name = '{names[2].upper()}'") == set()
    assert search(f"name LIKE '{prefix}-%' AND name != '{names[0]}'") == set(names[1:])


def test_search_filters_on_tags(api: Api) -> None:
    prefix = unique("tagged")
    a = api.create_experiment(f"{prefix}-a", tags=[{"key": "team", "value": "vision"}])
    b = api.create_experiment(f"{prefix}-b", tags=[{"key": "team", "value": "nlp"}])
    c = api.create_experiment(f"{prefix}-c")
    within = f"name LIKE '{prefix}-%'"

    def ids(filter_string: str) -> set[str]:
        page = _search(api, {"filter": f"{within} AND {filter_string}", "max_results": 100})
        return {e["experiment_id"] for e in page.get("experiments", [])}

    assert ids("tags.team = 'vision'") == {a}
    assert ids("tag.team != 'vision'") == {b}
    assert ids("tags.team LIKE '%l%'") == {b}
    assert ids("tags.team ILIKE 'VIS%'") == {a}
    assert ids("tags.team IS NULL") == {c}
    assert ids("tags.team IS NOT NULL") == {a, b}


def test_search_filters_on_creation_time(api: Api) -> None:
    prefix, _, ids = _make_family(api, 3)
    times = {i: _experiment(api, i)["creation_time"] for i in ids}
    pivot = times[ids[1]]
    page = _search(
        api,
        {"filter": f"name LIKE '{prefix}-%' AND creation_time > {pivot}", "max_results": 100},
    )
    assert {e["experiment_id"] for e in page["experiments"]} == {
        i for i, t in times.items() if t > pivot
    }
    page = _search(
        api,
        {"filter": f"name LIKE '{prefix}-%' AND creation_time <= {pivot}", "max_results": 100},
    )
    assert {e["experiment_id"] for e in page["experiments"]} == {
        i for i, t in times.items() if t <= pivot
    }


def test_search_order_by_name_and_default_order(api: Api) -> None:
    prefix, names, ids = _make_family(api, 4)
    body: dict[str, Any] = {"filter": f"name LIKE '{prefix}-%'", "max_results": 100}
    assert _names(_search(api, {**body, "order_by": ["name ASC"]})) == sorted(names)
    assert _names(_search(api, {**body, "order_by": ["name DESC"]})) == sorted(names)[::-1]
    assert _names(_search(api, {**body, "order_by": ["name"]})) == sorted(names)
    # Default: creation_time DESC (the family was created in order, a few ms apart).
    default = _search(api, body)["experiments"]
    assert [e["experiment_id"] for e in default] == ids[::-1]


def test_search_view_types(api: Api) -> None:
    prefix, names, ids = _make_family(api, 5)
    for experiment_id in ids[:2]:
        api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    body = {"filter": f"name LIKE '{prefix}-%'", "max_results": 100}
    assert set(_names(_search(api, body))) == set(names[2:])
    assert set(_names(_search(api, {**body, "view_type": "ACTIVE_ONLY"}))) == set(names[2:])
    assert set(_names(_search(api, {**body, "view_type": "DELETED_ONLY"}))) == set(names[:2])
    assert set(_names(_search(api, {**body, "view_type": "ALL"}))) == set(names)


def test_search_paging_walks_every_page_once(api: Api) -> None:
    prefix, names, _ = _make_family(api, 7)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        body: dict[str, Any] = {
            "filter": f"name LIKE '{prefix}-%'",
            "max_results": 3,
            "order_by": ["name ASC"],
            "view_type": "ACTIVE_ONLY",
        }
        if token:
            body["page_token"] = token
        page = _search(api, body)
        pages += 1
        batch = _names(page)
        assert len(batch) <= 3
        seen += batch
        token = page.get("next_page_token")
        if not token:
            break
        assert pages < 10
    assert pages == 3
    assert seen == sorted(names)
    assert len(set(seen)) == len(seen)


def test_search_last_full_page_has_no_token(api: Api) -> None:
    prefix, names, _ = _make_family(api, 3)
    page = _search(api, {"filter": f"name LIKE '{prefix}-%'", "max_results": 3})
    assert set(_names(page)) == set(names)
    assert not page.get("next_page_token")


def test_search_with_get_and_repeated_query_params(api: Api) -> None:
    prefix, names, _ = _make_family(api, 3)
    response = api.call(
        "GET",
        "/experiments/search",
        [
            ("filter", f"name LIKE '{prefix}-%'"),
            ("max_results", "2"),
            ("order_by", "name DESC"),
            ("view_type", "ALL"),
        ],
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert _names(page) == sorted(names)[::-1][:2]
    token = page["next_page_token"]
    rest = api.ok(
        "GET",
        "/experiments/search",
        filter=f"name LIKE '{prefix}-%'",
        max_results="2",
        order_by="name DESC",
        page_token=token,
    )
    assert _names(rest) == sorted(names)[::-1][2:]
    assert "next_page_token" not in rest


def test_search_rejects_bad_input(api: Api) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"filter": "name =="})
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/experiments/search",
        {"filter": "metrics.x > 1"},
    )
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"max_results": 50001})
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"max_results": 0})
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"order_by": ["bogus"]}
    )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/experiments/search",
        {"page_token": "not-a-token!"},
    )


def test_update_renames(api: Api, experiment_id: str) -> None:
    before = _experiment(api, experiment_id)
    new_name = unique("renamed")
    assert (
        api.ok(
            "POST", "/experiments/update", {"experiment_id": experiment_id, "new_name": new_name}
        )
        == {}
    )
    after = _experiment(api, experiment_id)
    assert after["name"] == new_name
    assert after["last_update_time"] >= before["last_update_time"]
    found = api.ok("GET", "/experiments/get-by-name", experiment_name=new_name)["experiment"]
    assert found["experiment_id"] == experiment_id
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "GET",
        "/experiments/get-by-name",
        experiment_name=before["name"],
    )


def test_update_to_taken_name_is_resource_already_exists(api: Api, experiment_id: str) -> None:
    other = unique("taken")
    api.create_experiment(other)
    api.error(
        400,
        "RESOURCE_ALREADY_EXISTS",
        "POST",
        "/experiments/update",
        {"experiment_id": experiment_id, "new_name": other},
    )
    assert _experiment(api, experiment_id)["name"] != other


def test_update_missing_experiment_is_404(api: Api) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/experiments/update",
        {"experiment_id": "987654321", "new_name": unique("x")},
    )


def test_delete_and_restore_cascade_to_runs(api: Api, experiment_id: str) -> None:
    run_ids = [api.create_run(experiment_id)["info"]["run_id"] for _ in range(2)]
    assert api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id}) == {}
    assert _experiment(api, experiment_id)["lifecycle_stage"] == "deleted"
    for run_id in run_ids:
        assert api.get_run(run_id)["info"]["lifecycle_stage"] == "deleted"
    assert api.ok("POST", "/experiments/restore", {"experiment_id": experiment_id}) == {}
    assert _experiment(api, experiment_id)["lifecycle_stage"] == "active"
    for run_id in run_ids:
        assert api.get_run(run_id)["info"]["lifecycle_stage"] == "active"


def test_delete_and_restore_missing_experiment_is_404(api: Api) -> None:
    for path in ("/experiments/delete", "/experiments/restore"):
        api.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", path, {"experiment_id": "987654321"})


def test_set_and_delete_experiment_tag(api: Api, experiment_id: str) -> None:
    body = {"experiment_id": experiment_id, "key": "owner", "value": "ada"}
    assert api.ok("POST", "/experiments/set-experiment-tag", body) == {}
    assert tag_map(_experiment(api, experiment_id), "") == {"owner": "ada"}
    api.ok("POST", "/experiments/set-experiment-tag", {**body, "value": "grace"})
    assert tag_map(_experiment(api, experiment_id), "") == {"owner": "grace"}
    assert (
        api.ok(
            "POST",
            "/experiments/delete-experiment-tag",
            {"experiment_id": experiment_id, "key": "owner"},
        )
        == {}
    )
    assert tag_map(_experiment(api, experiment_id), "") == {}
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/experiments/delete-experiment-tag",
        {"experiment_id": experiment_id, "key": "owner"},
    )


def test_experiment_tag_rules(api: Api, experiment_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/experiments/set-experiment-tag",
        {"experiment_id": experiment_id, "key": "bad!key", "value": "v"},
    )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/experiments/set-experiment-tag",
        {"experiment_id": experiment_id, "key": "big", "value": "x" * 20001},
    )
    api.ok(
        "POST",
        "/experiments/set-experiment-tag",
        {"experiment_id": experiment_id, "key": "big", "value": "x" * 20000},
    )
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/experiments/set-experiment-tag",
        {"experiment_id": "987654321", "key": "k", "value": "v"},
    )


def test_ajax_twin_answers_identically(api: Api) -> None:
    name = unique("ajax")
    created = api.ok("POST", f"{AJAX}/experiments/create", {"name": name})
    experiment_id = created["experiment_id"]
    via_api = api.call("GET", f"{API}/experiments/get", experiment_id=experiment_id)
    via_ajax = api.call("GET", f"{AJAX}/experiments/get", experiment_id=experiment_id)
    assert via_api.status_code == via_ajax.status_code == 200
    assert via_api.json() == via_ajax.json()
    assert via_api.json()["experiment"]["name"] == name

    by_name_api = api.call("GET", f"{API}/experiments/get-by-name", experiment_name=name)
    by_name_ajax = api.call("GET", f"{AJAX}/experiments/get-by-name", experiment_name=name)
    assert by_name_api.json() == by_name_ajax.json()

    missing_api = api.call("GET", f"{API}/experiments/get", experiment_id="987654321")
    missing_ajax = api.call("GET", f"{AJAX}/experiments/get", experiment_id="987654321")
    assert missing_api.status_code == missing_ajax.status_code == 404
    assert missing_api.json() == missing_ajax.json()

    body = {"filter": f"name = '{name}'", "max_results": 10}
    search_api = api.call("POST", f"{API}/experiments/search", body)
    search_ajax = api.call("POST", f"{AJAX}/experiments/search", body)
    assert search_api.json() == search_ajax.json()
    assert [e["name"] for e in search_api.json()["experiments"]] == [name]
