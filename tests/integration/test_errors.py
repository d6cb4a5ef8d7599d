"""Validation limits and malformed requests: always a 4xx MLflow error, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import API, METRICS, Api, tag_map

RUN_NAME_TAG = "mlflow.runName"


def _untouched(api: Api, run_id: str) -> None:
    run = api.get_run(run_id)
    assert run["data"].get("metrics", []) == []
    assert run["data"].get("params", []) == []
    assert set(tag_map(run)) == {RUN_NAME_TAG}


# --- key rules ------------------------------------------------------------------------------

BAD_KEYS = ["a" * 251, "bad!key", "semi;colon", "../x", "./x", "/abs", "a//b", "trail/", "..", "."]


def _log_with_key(kind: str, run_id: str, key: str) -> tuple[str, dict[str, Any]]:
    if kind == "metric":
        return "/runs/log-metric", {"run_id": run_id, "key": key, "value": 1.0, "timestamp": 1}
    if kind == "param":
        return "/runs/log-parameter", {"run_id": run_id, "key": key, "value": "v"}
    return "/runs/set-tag", {"run_id": run_id, "key": key, "value": "v"}


@pytest.mark.parametrize("kind", ["metric", "param", "tag"])
def test_bad_keys_are_rejected(api: Api, run_id: str, kind: str) -> None:
    for key in BAD_KEYS:
        path, body = _log_with_key(kind, run_id, key)
        response = api.call("POST", path, body)
        assert response.status_code == 400, (key, response.text)
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE", key
    _untouched(api, run_id)


@pytest.mark.parametrize("kind", ["metric", "param", "tag"])
def test_key_of_250_chars_and_odd_but_legal_keys_are_accepted(
    api: Api, run_id: str, kind: str
) -> None:
    for key in ["k" * 250, "with space", "a/b/c", "x:y", "dash-and_under.score", "a..b"]:
        path, body = _log_with_key(kind, run_id, key)
        api.ok("POST", path, body)


def test_bad_key_in_batch_params_and_tags(api: Api, run_id: str) -> None:
    for field in ("params", "tags"):
        api.error(
            400,
            "INVALID_PARAMETER_VALUE",
            "POST",
            "/runs/log-batch",
            {"run_id": run_id, field: [{"key": "../escape", "value": "v"}]},
        )
    _untouched(api, run_id)


# --- value limits ---------------------------------------------------------------------------


def test_param_value_limit(api: Api, run_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-parameter",
        {"run_id": run_id, "key": "long", "value": "v" * 6001},
    )
    _untouched(api, run_id)
    api.ok("POST", "/runs/log-parameter", {"run_id": run_id, "key": "long", "value": "v" * 6000})
    assert api.get_run(run_id)["data"]["params"] == [{"key": "long", "value": "v" * 6000}]


def test_tag_value_limit(api: Api, run_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/set-tag",
        {"run_id": run_id, "key": "long", "value": "v" * 8001},
    )
    _untouched(api, run_id)
    api.ok("POST", "/runs/set-tag", {"run_id": run_id, "key": "long", "value": "v" * 8000})
    assert tag_map(api.get_run(run_id))["long"] == "v" * 8000


def test_run_create_tag_value_limit(api: Api, experiment_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/create",
        {"experiment_id": experiment_id, "tags": [{"key": "t", "value": "v" * 8001}]},
    )
    page = api.ok("POST", "/runs/search", {"experiment_ids": [experiment_id]})
    assert page.get("runs", []) == []


def test_negative_metric_timestamp_is_400(api: Api, run_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-metric",
        {"run_id": run_id, "key": "m", "value": 1.0, "timestamp": -1},
    )
    _untouched(api, run_id)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/runs/log-metric", {"key": "m", "value": "abc", "timestamp": 1}),
        ("/runs/log-metric", {"key": "m", "value": 1.0, "timestamp": "x"}),
        ("/runs/log-metric", {"key": "m", "value": 1.0, "timestamp": 1, "step": "two"}),
        ("/runs/log-metric", {"key": "m", "value": [1], "timestamp": 1}),
        ("/runs/log-metric", {"key": "m", "timestamp": 1}),
        ("/runs/log-metric", {"key": "m", "value": 1.0}),
        ("/runs/log-metric", {"value": 1.0, "timestamp": 1}),
        ("/runs/log-metric", {"key": "m", "value": 1.0, "timestamp": 2**63}),
        ("/runs/log-batch", {"metrics": {"key": "m"}}),
        ("/runs/log-batch", {"params": "p=1"}),
        ("/runs/log-batch", {"tags": [["k", "v"]]}),
        ("/runs/log-parameter", {"key": {"nested": 1}, "value": "v"}),
        ("/runs/set-tag", {"key": "t", "value": {"nested": 1}}),
        ("/runs/update", {"end_time": "soon"}),
    ],
)
def test_wrong_types_are_invalid_parameter_value(
    api: Api, run_id: str, path: str, body: dict[str, Any]
) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", path, {"run_id": run_id, **body})
    _untouched(api, run_id)


def test_wrong_types_on_create(api: Api, experiment_id: str) -> None:
    for body in (
        {"experiment_id": experiment_id, "tags": "not-a-list"},
        {"experiment_id": experiment_id, "tags": [{"key": ["k"], "value": "v"}]},
        {"experiment_id": experiment_id, "start_time": "yesterday"},
    ):
        api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/runs/create", body)
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/create", {"name": "x", "tags": {}}
    )
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"max_results": "lots"}
    )
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/experiments/search", {"view_type": "SOME"})
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", "/experiments/search", max_results="many")


def test_numbers_as_strings_are_accepted(api: Api, run_id: str) -> None:
    """Proto JSON allows int64 as strings; the client may send them either way."""
    api.ok(
        "POST",
        "/runs/log-metric",
        {"run_id": run_id, "key": "m", "value": "2.5", "timestamp": "12", "step": "3"},
    )
    metric = api.get_run(run_id)["data"]["metrics"][0]
    assert (metric["value"], metric["timestamp"], metric["step"]) == (2.5, 12, 3)


BEYOND_INT64 = str(2**70)


@pytest.mark.parametrize("field", ["start_step", "end_step"])
def test_bulk_interval_steps_beyond_int64_are_400(api: Api, run_id: str, field: str) -> None:
    api.ok("POST", "/runs/log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1})
    for value in (BEYOND_INT64, f"-{BEYOND_INT64}"):
        api.error(
            400,
            "INVALID_PARAMETER_VALUE",
            "GET",
            f"{METRICS}/get-history-bulk-interval",
            run_ids=run_id,
            metric_key="m",
            **{field: value},
        )


@pytest.mark.parametrize("path", ["/runs/search", "/logged-models/search"])
def test_experiment_ids_beyond_int64_are_400(api: Api, path: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        API + path,
        {"experiment_ids": [BEYOND_INT64]},
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/runs/create", {"start_time": 2**70}),
        ("/runs/log-metric", {"key": "m", "value": 1, "timestamp": 1, "step": 2**70}),
        ("/runs/log-metric", {"key": "m", "value": 1, "timestamp": 2**70}),
        ("/runs/update", {"end_time": 2**70}),
    ],
)
def test_integers_beyond_int64_in_bodies_are_400(
    api: Api, experiment_id: str, run_id: str, path: str, body: dict[str, Any]
) -> None:
    target = {"experiment_id": experiment_id} if path == "/runs/create" else {"run_id": run_id}
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", path, {**target, **body})
    _untouched(api, run_id)


# --- malformed requests ---------------------------------------------------------------------


def _post_raw(api: Api, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return api.http.post(API + path, content=content, headers=headers)


def test_malformed_json_body_is_400(api: Api, run_id: str) -> None:
    for raw in (b"{", b'{"run_id": ', b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"42"):
        response = _post_raw(api, "/runs/set-tag", raw, {"Content-Type": "application/json"})
        assert response.status_code == 400, (raw, response.text)
        assert response.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST")
    _untouched(api, run_id)


def test_missing_content_type_on_post_is_400(api: Api, run_id: str) -> None:
    body = json.dumps({"run_id": run_id, "key": "t", "value": "v"}).encode()
    response = _post_raw(api, "/runs/set-tag", body, {})
    assert "content-type" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST")
    _untouched(api, run_id)


def test_wrong_content_type_on_post_is_400(api: Api, run_id: str) -> None:
    body = json.dumps({"run_id": run_id, "key": "t", "value": "v"}).encode()
    response = _post_raw(api, "/runs/set-tag", body, {"Content-Type": "text/plain"})
    assert response.status_code == 400, response.text
    _untouched(api, run_id)


def test_json_content_type_with_charset_is_accepted(api: Api, run_id: str) -> None:
    body = json.dumps({"run_id": run_id, "key": "t", "value": "v"}).encode()
    response = _post_raw(
        api, "/runs/set-tag", body, {"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200, response.text
    assert tag_map(api.get_run(run_id))["t"] == "v"


def test_unknown_fields_are_ignored(api: Api, run_id: str) -> None:
    api.ok(
        "POST",
        "/runs/log-metric",
        {
            "run_id": run_id,
            "key": "m",
            "value": 1.0,
            "timestamp": 1,
            "future_field": {"nested": [1, 2]},
            "another": None,
        },
    )
    assert api.get_run(run_id)["data"]["metrics"][0]["key"] == "m"
    run = api.ok("GET", "/runs/get", run_id=run_id, surprise="yes")["run"]
    assert run["info"]["run_id"] == run_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/2.0/mlflow/no-such-thing"),
        ("POST", "/api/2.0/mlflow/runs/no-such-verb"),
        ("GET", "/api/2.0/mlflow/experiments/get/extra"),
        ("GET", "/api/9.9/mlflow/experiments/get"),
        ("GET", "/totally/unknown"),
    ],
)
def test_unknown_route_is_404_not_resource_does_not_exist(api: Api, method: str, path: str) -> None:
    response = api.http.request(method, path)
    assert response.status_code == 404
    try:
        payload = response.json()
    except ValueError:
        return  # a non-JSON 404 is fine
    assert payload.get("error_code") == "ENDPOINT_NOT_FOUND", payload


def test_wrong_method_is_a_client_error(api: Api) -> None:
    response = api.http.delete(f"{API}/runs/get")
    assert 400 <= response.status_code < 500


# --- fuzzing: whatever arrives, no 5xx ------------------------------------------------------

FUZZ_ENDPOINTS = [
    ("POST", "/runs/create"),
    ("POST", "/runs/log-batch"),
    ("POST", "/runs/log-metric"),
    ("POST", "/runs/search"),
    ("POST", "/experiments/search"),
    ("POST", "/experiments/create"),
    ("POST", "/logged-models/search"),
]
GET_ENDPOINTS = ["/runs/get", "/metrics/get-history", "/experiments/search"]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "run_id",
        "experiment_id",
        "experiment_ids",
        "key",
        "value",
        "timestamp",
        "step",
        "metrics",
        "params",
        "tags",
        "filter",
        "order_by",
        "max_results",
        "page_token",
        "run_view_type",
        "view_type",
        "name",
        "start_time",
        "run_name",
    ]
)
json_objects = st.dictionaries(field_names | st.text(max_size=8), json_value, max_size=6)
FUZZ_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_random_json_objects_never_cause_5xx(api: Api, run_id: str) -> None:
    @FUZZ_SETTINGS
    @given(endpoint=st.sampled_from(FUZZ_ENDPOINTS), body=json_objects, use_run=st.booleans())
    def check(endpoint: tuple[str, str], body: dict[str, Any], use_run: bool) -> None:
        method, path = endpoint
        if use_run:
            body = {**body, "run_id": run_id}
        response = api.http.request(method, API + path, json=body)
        assert response.status_code < 500, (path, body, response.text)

    check()


def test_random_bytes_never_cause_5xx(api: Api) -> None:
    @FUZZ_SETTINGS
    @given(
        endpoint=st.sampled_from(FUZZ_ENDPOINTS),
        raw=st.binary(max_size=200),
        content_type=st.sampled_from(["application/json", "text/plain", None]),
    )
    def check(endpoint: tuple[str, str], raw: bytes, content_type: str | None) -> None:
        method, path = endpoint
        headers = {"Content-Type": content_type} if content_type else {}
        response = api.http.request(method, API + path, content=raw, headers=headers)
        assert response.status_code < 500, (path, raw, response.text)

    check()


def test_random_query_strings_never_cause_5xx(api: Api, run_id: str) -> None:
    @FUZZ_SETTINGS
    @given(
        path=st.sampled_from(GET_ENDPOINTS),
        params=st.lists(
            st.tuples(field_names | st.just("metric_key"), st.text(max_size=20)), max_size=5
        ),
        use_run=st.booleans(),
    )
    def check(path: str, params: list[tuple[str, str]], use_run: bool) -> None:
        if use_run:
            params = [("run_id", run_id), *params]
        url = (METRICS + "/get-history") if path.startswith("/metrics") else API + path
        response = api.http.get(url, params=params)
        assert response.status_code < 500, (path, params, response.text)

    check()
