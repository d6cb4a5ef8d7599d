"""Logging into runs over HTTP: params, metrics, batches (limits, atomicity), inputs, outputs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import (
    LOGGED_MODELS,
    METRICS,
    Api,
    metric_map,
    param_map,
    tag_map,
)

RUN_NAME_TAG = "mlflow.runName"


def _assert_untouched(api: Api, run_id: str) -> None:
    """The run still holds nothing but its creation tag."""
    run = api.get_run(run_id)
    assert run["data"].get("metrics", []) == []
    assert run["data"].get("params", []) == []
    assert set(tag_map(run)) == {RUN_NAME_TAG}


def _history(api: Api, run_id: str, key: str) -> list[dict[str, Any]]:
    page = api.ok("GET", f"{METRICS}/get-history", run_id=run_id, metric_key=key)
    metrics: list[dict[str, Any]] = page.get("metrics", [])
    return metrics


def test_log_parameter_same_value_twice_is_a_no_op(api: Api, run_id: str) -> None:
    body = {"run_id": run_id, "run_uuid": run_id, "key": "lr", "value": "0.1"}
    assert api.ok("POST", "/runs/log-parameter", body) == {}
    assert api.ok("POST", "/runs/log-parameter", body) == {}
    assert api.get_run(run_id)["data"]["params"] == [{"key": "lr", "value": "0.1"}]


def test_log_parameter_with_a_different_value_is_400(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
    message = api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-parameter",
        {"run_id": run_id, "key": "lr", "value": "0.2"},
    )
    assert "lr" in message
    assert param_map(api.get_run(run_id)) == {"lr": "0.1"}


def test_log_parameter_with_empty_value(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-parameter", {"run_id": run_id, "key": "empty", "value": ""})
    assert param_map(api.get_run(run_id)) == {"empty": ""}


def test_log_metric_round_trips(api: Api, run_id: str) -> None:
    body = {"run_id": run_id, "key": "loss", "value": 0.25, "timestamp": 77, "step": 3}
    assert api.ok("POST", "/runs/log-metric", body) == {}
    metric = metric_map(api.get_run(run_id))["loss"]
    assert metric == {"key": "loss", "value": 0.25, "timestamp": 77, "step": 3}


def test_log_metric_step_defaults_to_zero(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1})
    assert metric_map(api.get_run(run_id))["m"]["step"] == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_metric_values_travel_as_strings(api: Api, run_id: str, value: str) -> None:
    api.ok(
        "POST",
        "/runs/log-metric",
        {"run_id": run_id, "key": "weird", "value": value, "timestamp": 10, "step": 1},
    )
    assert metric_map(api.get_run(run_id))["weird"]["value"] == value
    assert [m["value"] for m in _history(api, run_id, "weird")] == [value]


def test_non_finite_values_in_a_batch(api: Api, run_id: str) -> None:
    metrics = [
        {"key": "nan", "value": "NaN", "timestamp": 1, "step": 0},
        {"key": "inf", "value": "Infinity", "timestamp": 1, "step": 0},
        {"key": "ninf", "value": "-Infinity", "timestamp": 1, "step": 0},
    ]
    api.ok("POST", "/runs/log-batch", {"run_id": run_id, "metrics": metrics})
    values = {k: m["value"] for k, m in metric_map(api.get_run(run_id)).items()}
    assert values == {"nan": "NaN", "inf": "Infinity", "ninf": "-Infinity"}


def test_latest_metric_is_max_by_step_then_timestamp_then_value(api: Api, run_id: str) -> None:
    points = [
        (2, 10, 1.0),
        (1, 100, 5.0),  # newer timestamp but lower step: not the latest
        (2, 10, 3.0),  # same step and timestamp, larger value: the latest
        (2, 5, 99.0),  # same step, older timestamp
        (0, 1000, 50.0),
    ]
    for step, timestamp, value in points:
        api.ok(
            "POST",
            "/runs/log-metric",
            {"run_id": run_id, "key": "acc", "value": value, "timestamp": timestamp, "step": step},
        )
    latest = metric_map(api.get_run(run_id))["acc"]
    assert (latest["step"], latest["timestamp"], latest["value"]) == (2, 10, 3.0)
    assert len(_history(api, run_id, "acc")) == len(points)


def test_latest_metric_from_batch_logged_out_of_order(api: Api, run_id: str) -> None:
    metrics = [
        {"key": "k", "value": 7.0, "timestamp": 50, "step": 9},
        {"key": "k", "value": 1.0, "timestamp": 60, "step": 2},
        {"key": "k", "value": 2.0, "timestamp": 70, "step": 9},
    ]
    api.ok("POST", "/runs/log-batch", {"run_id": run_id, "metrics": metrics})
    latest = metric_map(api.get_run(run_id))["k"]
    assert (latest["step"], latest["timestamp"], latest["value"]) == (9, 70, 2.0)


def test_log_batch_writes_metrics_params_and_tags(api: Api, run_id: str) -> None:
    body = {
        "run_id": run_id,
        "metrics": [
            {"key": "a", "value": 1.5, "timestamp": 1, "step": 0, "run_id": run_id},
            {"key": "b", "value": -2, "timestamp": 2, "step": 4},
        ],
        "params": [{"key": "p1", "value": "x"}, {"key": "p2", "value": "y"}],
        "tags": [{"key": "t1", "value": "z"}],
    }
    assert api.ok("POST", "/runs/log-batch", body) == {}
    run = api.get_run(run_id)
    assert {k: (m["value"], m["step"]) for k, m in metric_map(run).items()} == {
        "a": (1.5, 0),
        "b": (-2, 4),
    }
    assert param_map(run) == {"p1": "x", "p2": "y"}
    assert tag_map(run)["t1"] == "z"


def test_log_batch_at_the_limits_is_accepted(api: Api, run_id: str) -> None:
    body = {
        "run_id": run_id,
        "metrics": [{"key": "m", "value": i, "timestamp": i, "step": i} for i in range(800)],
        "params": [{"key": f"p{i}", "value": "v"} for i in range(100)],
        "tags": [{"key": f"t{i}", "value": "v"} for i in range(100)],
    }
    api.ok("POST", "/runs/log-batch", body)
    run = api.get_run(run_id)
    assert len(param_map(run)) == 100
    assert len(tag_map(run)) == 101
    assert len(_history(api, run_id, "m")) == 800


@pytest.mark.parametrize(
    "body",
    [
        {"metrics": [{"key": f"m{i}", "value": 1, "timestamp": 1} for i in range(1001)]},
        {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]},
        {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]},
        {
            "metrics": [{"key": f"m{i}", "value": 1, "timestamp": 1} for i in range(900)],
            "params": [{"key": f"p{i}", "value": "v"} for i in range(100)],
            "tags": [{"key": "t", "value": "v"}],
        },
    ],
    ids=["1001-metrics", "101-params", "101-tags", "1001-entities"],
)
def test_oversized_batch_is_400_and_writes_nothing(
    api: Api, run_id: str, body: dict[str, Any]
) -> None:
    message = api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/runs/log-batch", {"run_id": run_id, **body}
    )
    assert "at most" in message
    _assert_untouched(api, run_id)


def test_batch_with_one_invalid_metric_key_writes_nothing(api: Api, run_id: str) -> None:
    metrics = [{"key": f"ok{i}", "value": i, "timestamp": 1} for i in range(5)]
    metrics.insert(3, {"key": "bad!key", "value": 1, "timestamp": 1})
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-batch",
        {
            "run_id": run_id,
            "metrics": metrics,
            "params": [{"key": "p", "value": "v"}],
            "tags": [{"key": "t", "value": "v"}],
        },
    )
    _assert_untouched(api, run_id)


def test_batch_with_one_invalid_metric_value_writes_nothing(api: Api, run_id: str) -> None:
    metrics: list[dict[str, Any]] = [{"key": "a", "value": 1, "timestamp": 1}]
    metrics.append({"key": "b", "value": "abc", "timestamp": 1})
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-batch",
        {"run_id": run_id, "metrics": metrics},
    )
    _assert_untouched(api, run_id)


def test_batch_with_duplicate_param_keys_is_400(api: Api, run_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-batch",
        {
            "run_id": run_id,
            "params": [{"key": "p", "value": "1"}, {"key": "p", "value": "1"}],
            "metrics": [{"key": "m", "value": 1, "timestamp": 1}],
        },
    )
    _assert_untouched(api, run_id)


def test_batch_conflicting_with_logged_params_writes_nothing(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-parameter", {"run_id": run_id, "key": "fixed", "value": "1"})
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-batch",
        {
            "run_id": run_id,
            "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": 0}],
            "params": [{"key": "new", "value": "a"}, {"key": "fixed", "value": "2"}],
            "tags": [{"key": "t", "value": "v"}],
        },
    )
    run = api.get_run(run_id)
    assert run["data"].get("metrics", []) == []
    assert param_map(run) == {"fixed": "1"}
    assert set(tag_map(run)) == {RUN_NAME_TAG}
    assert _history(api, run_id, "m") == []


def test_batch_relogging_same_param_value_is_fine(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/log-parameter", {"run_id": run_id, "key": "fixed", "value": "1"})
    api.ok(
        "POST",
        "/runs/log-batch",
        {"run_id": run_id, "params": [{"key": "fixed", "value": "1"}, {"key": "n", "value": "2"}]},
    )
    assert param_map(api.get_run(run_id)) == {"fixed": "1", "n": "2"}


def test_batch_missing_run_is_404(api: Api) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/runs/log-batch",
        {"run_id": "f" * 32, "params": [{"key": "p", "value": "v"}]},
    )


def test_empty_batch_is_ok(api: Api, run_id: str) -> None:
    assert api.ok("POST", "/runs/log-batch", {"run_id": run_id}) == {}
    _assert_untouched(api, run_id)


def test_log_inputs_reads_back_datasets_with_tags(api: Api, run_id: str) -> None:
    dataset = {
        "name": "iris",
        "digest": "d1g3st",
        "source_type": "local",
        "source": '{"uri": "/data/iris.csv"}',
        "schema": '{"mlflow_colspec": []}',
        "profile": '{"num_rows": 150}',
    }
    body = {
        "run_id": run_id,
        "datasets": [
            {"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": dataset}
        ],
    }
    assert api.ok("POST", "/runs/log-inputs", body) == {}
    inputs = api.get_run(run_id)["inputs"]["dataset_inputs"]
    assert len(inputs) == 1
    assert inputs[0]["dataset"] == dataset
    assert inputs[0]["tags"] == [{"key": "mlflow.data.context", "value": "training"}]


def test_log_inputs_twice_keeps_one_input_per_dataset(api: Api, run_id: str) -> None:
    dataset = {"name": "d", "digest": "1", "source_type": "local", "source": "s"}
    body = {"run_id": run_id, "datasets": [{"dataset": dataset}]}
    api.ok("POST", "/runs/log-inputs", body)
    api.ok("POST", "/runs/log-inputs", body)
    inputs = api.get_run(run_id)["inputs"]["dataset_inputs"]
    assert [i["dataset"]["name"] for i in inputs] == ["d"]


def test_log_inputs_requires_dataset_fields(api: Api, run_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/log-inputs",
        {"run_id": run_id, "datasets": [{"dataset": {"name": "d"}}]},
    )
    assert api.get_run(run_id)["inputs"].get("dataset_inputs", []) == []


def _logged_model(api: Api, experiment_id: str, run_id: str) -> str:
    model = api.ok(
        "POST",
        LOGGED_MODELS,
        {"experiment_id": experiment_id, "name": "model", "source_run_id": run_id},
    )["model"]
    return str(model["info"]["model_id"])


def test_outputs_read_back(api: Api, experiment_id: str, run_id: str) -> None:
    first = _logged_model(api, experiment_id, run_id)
    second = _logged_model(api, experiment_id, run_id)
    body = {"run_id": run_id, "models": [{"model_id": first, "step": 0}]}
    assert api.ok("POST", "/runs/outputs", body) == {}
    api.ok("POST", "/runs/outputs", {"run_id": run_id, "models": [{"model_id": second, "step": 5}]})
    outputs = api.get_run(run_id)["outputs"]["model_outputs"]
    assert sorted((o["model_id"], o["step"]) for o in outputs) == sorted([(first, 0), (second, 5)])


def test_model_inputs_read_back(api: Api, experiment_id: str, run_id: str) -> None:
    model_id = _logged_model(api, experiment_id, run_id)
    api.ok("POST", "/runs/log-inputs", {"run_id": run_id, "models": [{"model_id": model_id}]})
    assert api.get_run(run_id)["inputs"]["model_inputs"] == [{"model_id": model_id}]


def test_outputs_with_unknown_model_is_404(api: Api, run_id: str) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/runs/outputs",
        {"run_id": run_id, "models": [{"model_id": "m-" + "0" * 32, "step": 0}]},
    )
    assert api.get_run(run_id)["outputs"].get("model_outputs", []) == []


def test_metric_with_model_id_round_trips(api: Api, experiment_id: str, run_id: str) -> None:
    model_id = _logged_model(api, experiment_id, run_id)
    api.ok(
        "POST",
        "/runs/log-metric",
        {"run_id": run_id, "key": "auc", "value": 0.9, "timestamp": 3, "model_id": model_id},
    )
    (point,) = _history(api, run_id, "auc")
    assert point["model_id"] == model_id
    assert point["value"] == 0.9
