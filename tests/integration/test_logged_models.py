"""Logged models (MLflow 3.x) over HTTP: create, get, finalize, search, tags, params, delete."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.integration.conftest import LOGGED_MODELS, Api, unique


def _create(api: Api, experiment_id: str, **extra: Any) -> dict[str, Any]:
    model: dict[str, Any] = api.ok(
        "POST", LOGGED_MODELS, {"experiment_id": experiment_id, **extra}
    )["model"]
    return model


def _get(api: Api, model_id: str, **params: Any) -> dict[str, Any]:
    model: dict[str, Any] = api.ok("GET", f"{LOGGED_MODELS}/{model_id}", **params)["model"]
    return model


def _tags(model: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in model["info"].get("tags", [])}


def _params(model: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p.get("value", "") for p in model["data"].get("params", [])}


def _search(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    return api.ok("POST", f"{LOGGED_MODELS}/search", body)


def test_create_returns_pending_model_under_experiment_root(
    api: Api, experiment_id: str, run_id: str
) -> None:
    model = _create(
        api,
        experiment_id,
        name="model",
        model_type="sklearn",
        source_run_id=run_id,
        params=[{"key": "alpha", "value": "0.5"}],
        tags=[{"key": "mlflow.user", "value": "ada"}],
    )
    info = model["info"]
    model_id = info["model_id"]
    assert re.fullmatch(r"m-[0-9a-f]{32}", model_id)
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["experiment_id"] == experiment_id
    assert info["name"] == "model"
    assert info["model_type"] == "sklearn"
    assert info["source_run_id"] == run_id
    assert info["artifact_uri"].endswith(f"/models/{model_id}/artifacts")
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/models/{model_id}/artifacts"
    assert info["creation_timestamp_ms"] > 0
    assert info["last_updated_timestamp_ms"] >= info["creation_timestamp_ms"]
    assert _tags(model) == {"mlflow.user": "ada"}
    assert _params(model) == {"alpha": "0.5"}
    assert _get(api, model_id) == model


def test_create_without_name_generates_one(api: Api, experiment_id: str) -> None:
    name = _create(api, experiment_id)["info"]["name"]
    assert isinstance(name, str) and name


@pytest.mark.parametrize("name", ["a/b", "a:b", "a.b", "50%", 'q"uote', "it's"])
def test_create_with_forbidden_name_characters_is_400(
    api: Api, experiment_id: str, name: str
) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        LOGGED_MODELS,
        {"experiment_id": experiment_id, "name": name},
    )


def test_create_needs_an_existing_active_experiment(api: Api, experiment_id: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", LOGGED_MODELS, {"name": "m"})
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", LOGGED_MODELS, {"experiment_id": "987654321"})
    api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", LOGGED_MODELS, {"experiment_id": experiment_id}
    )


def test_get_missing_model_is_404(api: Api) -> None:
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{LOGGED_MODELS}/m-{'0' * 32}")


def test_finalize_sets_status(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id)["info"]["model_id"]
    finalized = api.ok(
        "PATCH",
        f"{LOGGED_MODELS}/{model_id}",
        {"model_id": model_id, "status": "LOGGED_MODEL_READY"},
    )["model"]
    assert finalized["info"]["status"] == "LOGGED_MODEL_READY"
    assert _get(api, model_id)["info"]["status"] == "LOGGED_MODEL_READY"
    failed = _create(api, experiment_id)["info"]["model_id"]
    api.ok(
        "PATCH",
        f"{LOGGED_MODELS}/{failed}",
        {"model_id": failed, "status": "LOGGED_MODEL_UPLOAD_FAILED"},
    )
    assert _get(api, failed)["info"]["status"] == "LOGGED_MODEL_UPLOAD_FAILED"


def test_finalize_rejects_bad_status_and_missing_model(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id)["info"]["model_id"]
    for status in ("READY", "LOGGED_MODEL_STATUS_UNSPECIFIED"):
        api.error(
            400,
            "INVALID_PARAMETER_VALUE",
            "PATCH",
            f"{LOGGED_MODELS}/{model_id}",
            {"model_id": model_id, "status": status},
        )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "PATCH",
        f"{LOGGED_MODELS}/{model_id}",
        {"model_id": model_id},
    )
    assert _get(api, model_id)["info"]["status"] == "LOGGED_MODEL_PENDING"
    missing = f"m-{'0' * 32}"
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "PATCH",
        f"{LOGGED_MODELS}/{missing}",
        {"model_id": missing, "status": "LOGGED_MODEL_READY"},
    )


def test_search_by_name_with_object_order_by(api: Api, experiment_id: str, run_id: str) -> None:
    first = _create(api, experiment_id, name="model", source_run_id=run_id)["info"]["model_id"]
    time.sleep(0.005)  # distinct creation timestamps, so the order is fully determined
    second = _create(api, experiment_id, name="model")["info"]["model_id"]
    _create(api, experiment_id, name="other")
    page = _search(api, {"experiment_ids": [experiment_id], "filter": "name = 'model'"})
    assert {m["info"]["model_id"] for m in page["models"]} == {first, second}
    assert "next_page_token" not in page
    ascending = _search(
        api,
        {
            "experiment_ids": [experiment_id],
            "filter": "name = 'model'",
            "order_by": [
                {"field_name": "creation_timestamp", "ascending": True},
                {"field_name": "model_id"},
            ],
        },
    )
    descending = _search(
        api,
        {
            "experiment_ids": [experiment_id],
            "filter": "name = 'model'",
            "order_by": [{"field_name": "creation_timestamp", "ascending": False}],
        },
    )
    ids_asc = [m["info"]["model_id"] for m in ascending["models"]]
    ids_desc = [m["info"]["model_id"] for m in descending["models"]]
    assert set(ids_asc) == {first, second}
    created = {mid: _get(api, mid)["info"]["creation_timestamp_ms"] for mid in (first, second)}
    assert created[first] < created[second]
    assert ids_asc == [first, second]
    assert ids_desc == [second, first]
    by_run = _search(
        api, {"experiment_ids": [experiment_id], "filter": f"source_run_id = '{run_id}'"}
    )
    assert [m["info"]["model_id"] for m in by_run["models"]] == [first]


def test_search_order_by_name_and_paging(api: Api, experiment_id: str) -> None:
    names = [f"m{i}" for i in range(5)]
    for name in reversed(names):
        _create(api, experiment_id, name=name)
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        body: dict[str, Any] = {
            "experiment_ids": [experiment_id],
            "order_by": [{"field_name": "name", "ascending": True}],
            "max_results": 2,
        }
        if token:
            body["page_token"] = token
        page = _search(api, body)
        seen += [m["info"]["name"] for m in page["models"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert seen == names


def test_search_filters_on_status_and_tags(api: Api, experiment_id: str) -> None:
    ready = _create(api, experiment_id, tags=[{"key": "flavor", "value": "sklearn"}])
    ready_id = ready["info"]["model_id"]
    api.ok(
        "PATCH",
        f"{LOGGED_MODELS}/{ready_id}",
        {"model_id": ready_id, "status": "LOGGED_MODEL_READY"},
    )
    _create(api, experiment_id, tags=[{"key": "flavor", "value": "torch"}])
    by_status = _search(
        api, {"experiment_ids": [experiment_id], "filter": "status = 'LOGGED_MODEL_READY'"}
    )
    assert [m["info"]["model_id"] for m in by_status["models"]] == [ready_id]
    by_tag = _search(api, {"experiment_ids": [experiment_id], "filter": "tags.flavor = 'sklearn'"})
    assert [m["info"]["model_id"] for m in by_tag["models"]] == [ready_id]


def test_search_is_not_mistaken_for_a_model_id(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id, name="found")["info"]["model_id"]
    page = _search(api, {"experiment_ids": [experiment_id]})
    assert [m["info"]["model_id"] for m in page["models"]] == [model_id]
    assert "model" not in page


def test_search_rejects_bad_requests(api: Api, experiment_id: str) -> None:
    for body in (
        {},
        {"experiment_ids": [experiment_id], "filter": "name === 'x'"},
        {"experiment_ids": [experiment_id], "order_by": [{"field_name": "bogus"}]},
        {"experiment_ids": [experiment_id], "max_results": 0},
        {"experiment_ids": [experiment_id], "order_by": "name"},
    ):
        api.error(400, "INVALID_PARAMETER_VALUE", "POST", f"{LOGGED_MODELS}/search", body)


def test_set_and_delete_tags(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id, tags=[{"key": "keep", "value": "1"}])["info"]["model_id"]
    versions = '[{"name": "M", "version": "1"}]'
    response = api.ok(
        "PATCH",
        f"{LOGGED_MODELS}/{model_id}/tags",
        {
            "tags": [
                {"key": "mlflow.modelVersions", "value": versions},
                {"key": "keep", "value": "2"},
            ]
        },
    )
    assert response == {} or _tags(response["model"])["keep"] == "2"
    assert _tags(_get(api, model_id)) == {"keep": "2", "mlflow.modelVersions": versions}
    assert api.ok("DELETE", f"{LOGGED_MODELS}/{model_id}/tags/mlflow.modelVersions") == {}
    assert _tags(_get(api, model_id)) == {"keep": "2"}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "DELETE", f"{LOGGED_MODELS}/{model_id}/tags/absent")


def test_tag_key_with_slashes_can_be_deleted(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id, tags=[{"key": "a/b", "value": "1"}])["info"]["model_id"]
    api.ok("DELETE", f"{LOGGED_MODELS}/{model_id}/tags/a/b")
    assert _tags(_get(api, model_id)) == {}


def test_tags_on_missing_model_are_404(api: Api) -> None:
    missing = f"m-{'0' * 32}"
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "PATCH",
        f"{LOGGED_MODELS}/{missing}/tags",
        {"tags": [{"key": "k", "value": "v"}]},
    )


def test_log_params(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id, params=[{"key": "p0", "value": "0"}])["info"]["model_id"]
    params = [{"key": f"p{i}", "value": str(i)} for i in range(1, 101)]
    assert (
        api.ok(
            "POST", f"{LOGGED_MODELS}/{model_id}/params", {"model_id": model_id, "params": params}
        )
        == {}
    )
    assert _params(_get(api, model_id)) == {f"p{i}": str(i) for i in range(101)}
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{LOGGED_MODELS}/{model_id}/params",
        {"model_id": model_id, "params": [{"key": "../bad", "value": "v"}]},
    )
    missing = f"m-{'0' * 32}"
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        f"{LOGGED_MODELS}/{missing}/params",
        {"model_id": missing, "params": [{"key": "k", "value": "v"}]},
    )


def test_delete_hides_model_unless_allow_deleted(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id, name=unique("gone"))["info"]["model_id"]
    assert api.ok("DELETE", f"{LOGGED_MODELS}/{model_id}", {"model_id": model_id}) == {}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{LOGGED_MODELS}/{model_id}")
    deleted = _get(api, model_id, allow_deleted="true")
    assert deleted["info"]["model_id"] == model_id
    assert _get(api, model_id, allow_deleted="True")["info"]["model_id"] == model_id
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{LOGGED_MODELS}/{model_id}", allow_deleted="false"
    )
    page = _search(api, {"experiment_ids": [experiment_id]})
    assert model_id not in {m["info"]["model_id"] for m in page.get("models", [])}
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "DELETE",
        f"{LOGGED_MODELS}/{model_id}",
        {"model_id": model_id},
    )


def test_delete_without_body(api: Api, experiment_id: str) -> None:
    model_id = _create(api, experiment_id)["info"]["model_id"]
    assert api.ok("DELETE", f"{LOGGED_MODELS}/{model_id}") == {}
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{LOGGED_MODELS}/{model_id}")
