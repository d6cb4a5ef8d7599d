"""Metric history over HTTP: paged ``get-history`` and ``get-history-bulk-interval``."""

from __future__ import annotations

import random
from typing import Any

from tests.integration.conftest import METRICS, Api

POINTS = 2500


def _log_points(api: Api, run_id: str, key: str, steps: list[int]) -> None:
    """Log one point per step (timestamp = 10 * step + 1, value = step / 2), in batches."""
    metrics = [
        {"key": key, "value": step / 2, "timestamp": 10 * step + 1, "step": step} for step in steps
    ]
    for start in range(0, len(metrics), 1000):
        api.ok(
            "POST", "/runs/log-batch", {"run_id": run_id, "metrics": metrics[start : start + 1000]}
        )


def _pages(api: Api, run_id: str, key: str, max_results: int | None) -> list[dict[str, Any]]:
    pages = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"run_id": run_id, "run_uuid": run_id, "metric_key": key}
        if max_results is not None:
            params["max_results"] = max_results
        if token:
            params["page_token"] = token
        page = api.ok("GET", f"{METRICS}/get-history", **params)
        pages.append(page)
        token = page.get("next_page_token")
        if not token:
            return pages
        assert len(pages) < 100, "paging does not terminate"


def test_history_pages_cover_every_point_once_in_step_order(api: Api, run_id: str) -> None:
    steps = list(range(POINTS))
    random.Random(7).shuffle(steps)  # logged out of order
    _log_points(api, run_id, "loss", steps)

    pages = _pages(api, run_id, "loss", 1000)
    assert [len(p["metrics"]) for p in pages] == [1000, 1000, 500]
    assert "next_page_token" not in pages[-1]
    points = [m for p in pages for m in p["metrics"]]
    assert [m["step"] for m in points] == list(range(POINTS))
    for m in points:
        step = m["step"]
        assert (m["key"], m["value"], m["timestamp"]) == ("loss", step / 2, 10 * step + 1)
        assert m.get("run_id", run_id) == run_id

    everything = _pages(api, run_id, "loss", None)
    assert len(everything) == 1
    assert [m["step"] for m in everything[0]["metrics"]] == list(range(POINTS))

    large = _pages(api, run_id, "loss", 25000)
    assert len(large) == 1 and len(large[0]["metrics"]) == POINTS


def test_history_keeps_duplicate_points_per_step(api: Api, run_id: str) -> None:
    for value, timestamp in ((1.0, 5), (2.0, 6), (3.0, 6)):
        api.ok(
            "POST",
            "/runs/log-metric",
            {"run_id": run_id, "key": "m", "value": value, "timestamp": timestamp, "step": 0},
        )
    (page,) = _pages(api, run_id, "m", None)
    assert sorted(m["value"] for m in page["metrics"]) == [1.0, 2.0, 3.0]


def test_identical_points_are_stored_once(api: Api, run_id: str) -> None:
    """MLflow's SQL store keys points on (key, timestamp, step, value): exact repeats collapse."""
    for key, value in (("m", 1.5), ("n", "NaN")):
        point = {"key": key, "value": value, "timestamp": 1, "step": 0}
        api.ok("POST", "/runs/log-batch", {"run_id": run_id, "metrics": [point, point]})
        api.ok("POST", "/runs/log-metric", {"run_id": run_id, **point})
        (page,) = _pages(api, run_id, key, None)
        assert [m["value"] for m in page["metrics"]] == [value], key


def test_history_exact_multiple_of_page_size_ends_without_token(api: Api, run_id: str) -> None:
    _log_points(api, run_id, "m", list(range(20)))
    pages = _pages(api, run_id, "m", 10)
    assert [len(p["metrics"]) for p in pages] == [10, 10]
    assert [m["step"] for p in pages for m in p["metrics"]] == list(range(20))


def test_history_of_unknown_key_is_empty(api: Api, run_id: str) -> None:
    page = api.ok("GET", f"{METRICS}/get-history", run_id=run_id, metric_key="never")
    assert page.get("metrics", []) == []
    assert "next_page_token" not in page


def test_history_of_unknown_run_is_404(api: Api) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "GET",
        f"{METRICS}/get-history",
        run_id="f" * 32,
        metric_key="m",
    )


def test_history_requires_metric_key_and_sane_paging(api: Api, run_id: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{METRICS}/get-history", run_id=run_id)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "GET",
        f"{METRICS}/get-history",
        run_id=run_id,
        metric_key="m",
        page_token="garbage!!",
    )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "GET",
        f"{METRICS}/get-history",
        run_id=run_id,
        metric_key="m",
        max_results="ten",
    )


def _bulk(api: Api, run_ids: list[str], **params: Any) -> list[dict[str, Any]]:
    query = [("run_ids", r) for r in run_ids] + [(k, str(v)) for k, v in params.items()]
    response = api.call("GET", f"{METRICS}/get-history-bulk-interval", query)
    assert response.status_code == 200, response.text
    metrics: list[dict[str, Any]] = response.json().get("metrics", [])
    return metrics


def test_bulk_interval_returns_points_of_each_run(api: Api, experiment_id: str) -> None:
    runs = [api.create_run(experiment_id)["info"]["run_id"] for _ in range(2)]
    _log_points(api, runs[0], "acc", list(range(30)))
    _log_points(api, runs[1], "acc", list(range(0, 60, 2)))
    metrics = _bulk(api, runs, metric_key="acc", max_results=1000)
    by_run: dict[str, list[int]] = {}
    for m in metrics:
        assert m["key"] == "acc"
        by_run.setdefault(m["run_id"], []).append(m["step"])
    assert sorted(by_run[runs[0]]) == list(range(30))
    assert sorted(by_run[runs[1]]) == list(range(0, 60, 2))


def test_bulk_interval_single_run_id_is_a_list(api: Api, run_id: str) -> None:
    _log_points(api, run_id, "acc", [0, 1, 2])
    metrics = _bulk(api, [run_id], metric_key="acc")
    assert sorted(m["step"] for m in metrics) == [0, 1, 2]
    assert {m["run_id"] for m in metrics} == {run_id}


def test_bulk_interval_respects_max_results_and_step_window(api: Api, experiment_id: str) -> None:
    runs = [api.create_run(experiment_id)["info"]["run_id"] for _ in range(2)]
    for run_id in runs:
        _log_points(api, run_id, "acc", list(range(200)))
    metrics = _bulk(api, runs, metric_key="acc", max_results=10)
    for run_id in runs:
        steps = sorted(m["step"] for m in metrics if m["run_id"] == run_id)
        assert 0 < len(steps) <= 10
        assert steps[0] == 0 and steps[-1] == 199, steps  # MLflow keeps both ends
        assert len(set(steps)) == len(steps)
    windowed = _bulk(api, runs, metric_key="acc", start_step=50, end_step=59, max_results=100)
    for run_id in runs:
        steps = sorted(m["step"] for m in windowed if m["run_id"] == run_id)
        assert steps == list(range(50, 60))


def test_bulk_interval_limits(api: Api, run_id: str) -> None:
    path = f"{METRICS}/get-history-bulk-interval"
    too_many = [("run_ids", run_id)] * 101 + [("metric_key", "m")]
    response = api.call("GET", path, too_many)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    at_limit = [("run_ids", run_id)] * 100 + [("metric_key", "m")]
    assert api.call("GET", path, at_limit).status_code == 200
    for bad in ("0", "2501", "x"):
        response = api.call(
            "GET", path, [("run_ids", run_id), ("metric_key", "m"), ("max_results", bad)]
        )
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert (
        api.call(
            "GET", path, [("run_ids", run_id), ("metric_key", "m"), ("max_results", "2500")]
        ).status_code
        == 200
    )
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", path, metric_key="m")
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", path, run_ids=run_id)
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", path, run_ids="f" * 32, metric_key="m")
