"""Experiments, runs, params, metrics, tags and search through the official client."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, RunStatus
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.tracking.rest_store import RestStore

N_HISTORY_POINTS = 30_000  # the client pages get-history by 25000: forces a second page
BATCH_SIZE = 1_000


def test_set_experiment_creates_then_reuses(client: MlflowClient, experiment_name: str) -> None:
    created = mlflow.set_experiment(experiment_name)
    assert created.name == experiment_name
    assert created.lifecycle_stage == "active"
    assert created.experiment_id
    assert created.artifact_location

    again = mlflow.set_experiment(experiment_name)
    assert again.experiment_id == created.experiment_id

    by_name = client.get_experiment_by_name(experiment_name)
    assert by_name is not None
    assert by_name.experiment_id == created.experiment_id
    by_id = client.get_experiment(created.experiment_id)
    assert by_id.name == experiment_name
    assert by_id.lifecycle_stage == "active"

    assert client.get_experiment_by_name(f"{experiment_name}-missing") is None

    default = client.get_experiment("0")  # runs started with no experiment chosen land here
    assert default.name == "Default"
    assert default.lifecycle_stage == "active"


def test_run_params_metrics_tags_round_trip(client: MlflowClient, experiment_id: str) -> None:
    before_ms = int(time.time() * 1000) - 1000
    with mlflow.start_run(run_name="round-trip") as run:
        run_id = run.info.run_id
        assert run.info.experiment_id == experiment_id
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"beta": "b", "gamma": 3})
        mlflow.log_metric("loss", 1.0, step=0)
        mlflow.log_metric("loss", 0.5, step=1)
        mlflow.log_metric("loss", 0.25, step=2)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=7)
        mlflow.set_tag("team", "atrium")
        mlflow.set_tags({"stage": "compat", "empty": ""})

        live = client.get_run(run_id)
        assert live.info.status == "RUNNING"
        assert live.info.end_time is None
        assert live.info.lifecycle_stage == "active"

    fetched = client.get_run(run_id)
    assert fetched.info.run_id == run_id
    assert fetched.info.run_name == "round-trip"
    assert fetched.info.experiment_id == experiment_id
    assert fetched.info.start_time >= before_ms
    assert fetched.data.params == {"alpha": "0.5", "beta": "b", "gamma": "3"}
    # run data carries the latest value per metric key
    assert fetched.data.metrics == {"loss": 0.25, "acc": 0.9, "f1": 0.8}
    tags = fetched.data.tags
    assert tags["team"] == "atrium"
    assert tags["stage"] == "compat"
    assert tags["empty"] == ""
    assert tags["mlflow.runName"] == "round-trip"
    assert "mlflow.user" in tags
    assert tags["mlflow.source.type"] == "LOCAL"

    history = client.get_metric_history(run_id, "loss")
    assert sorted((m.step, m.value) for m in history) == [(0, 1.0), (1, 0.5), (2, 0.25)]
    assert all(m.key == "loss" and m.timestamp >= before_ms for m in history)
    acc = client.get_metric_history(run_id, "acc")
    assert [(m.step, m.value) for m in acc] == [(7, 0.9)]
    assert client.get_metric_history(run_id, "never-logged") == []


def test_set_tag_overwrites(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run() as run:
        mlflow.set_tag("k", "v1")
        mlflow.set_tag("k", "v2")
        mlflow.set_tags({"k": "v3", "other": "x"})
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["k"] == "v3"
    assert tags["other"] == "x"
    # a run started without a name gets a generated one, mirrored in the mlflow.runName tag
    info = client.get_run(run.info.run_id).info
    assert info.run_name
    assert tags["mlflow.runName"] == info.run_name


def test_delete_tag_and_resume_run(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run() as run:
        mlflow.set_tag("temporary", "x")
        mlflow.log_metric("m", 1.0, step=0)
    run_id = run.info.run_id
    client.delete_tag(run_id, "temporary")
    assert "temporary" not in client.get_run(run_id).data.tags

    with mlflow.start_run(run_id=run_id) as resumed:  # resume a finished run
        assert resumed.info.run_id == run_id
        assert client.get_run(run_id).info.status == "RUNNING"
        mlflow.log_metric("m", 2.0, step=1)
    final = client.get_run(run_id)
    assert final.info.status == "FINISHED"
    assert final.data.metrics == {"m": 2.0}
    assert sorted((m.step, m.value) for m in client.get_metric_history(run_id, "m")) == [
        (0, 1.0),
        (1, 2.0),
    ]


def test_non_finite_metric_values(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metrics({"pos_inf": math.inf, "neg_inf": -math.inf})
    metrics = client.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"])
    # the reference server stores +-inf as +-max double; either representation is compatible
    assert metrics["pos_inf"] >= 1.7976931348623157e308
    assert metrics["neg_inf"] <= -1.7976931348623157e308


def test_nested_run_has_parent_tag(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            active = mlflow.active_run()
            assert active is not None
            assert active.info.run_id == child.info.run_id
        active = mlflow.active_run()
        assert active is not None
        assert active.info.run_id == parent.info.run_id

    child_run = client.get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child_run.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in client.get_run(parent.info.run_id).data.tags

    children = client.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert [r.info.run_id for r in children] == [child.info.run_id]


def test_end_run_sets_status_and_end_time(client: MlflowClient, experiment_id: str) -> None:
    run = mlflow.start_run()
    run_id = run.info.run_id
    mlflow.end_run()
    finished = client.get_run(run_id)
    assert finished.info.status == "FINISHED"
    assert finished.info.end_time is not None
    assert finished.info.end_time >= finished.info.start_time

    failed = mlflow.start_run()
    mlflow.end_run(status=RunStatus.to_string(RunStatus.FAILED))
    failed_run = client.get_run(failed.info.run_id)
    assert failed_run.info.status == "FAILED"
    assert failed_run.info.end_time is not None

    # MlflowClient path: create_run + set_terminated
    created = client.create_run(experiment_id, run_name="client-run")
    assert created.info.status == "RUNNING"
    client.set_terminated(created.info.run_id, status="KILLED")
    killed = client.get_run(created.info.run_id)
    assert killed.info.status == "KILLED"
    assert killed.info.end_time is not None


def test_search_runs_filter_and_order(
    client: MlflowClient, experiment_name: str, experiment_id: str
) -> None:
    specs = [("r1", "a", 0.10), ("r2", "a", 0.70), ("r3", "b", 0.95), ("r4", "a", 0.40)]
    ids: dict[str, str] = {}
    for name, kind, acc in specs:
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_param("kind", kind)
            mlflow.log_metric("acc", acc)
            ids[name] = run.info.run_id

    desc = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string="params.kind = 'a' AND metrics.acc > 0.2",
        order_by=["metrics.acc DESC"],
        output_format="list",
    )
    assert [r.info.run_id for r in desc] == [ids["r2"], ids["r4"]]

    # default pandas output, experiment addressed by name (get-by-name first)
    frame = mlflow.search_runs(
        experiment_names=[experiment_name],
        filter_string="metrics.acc >= 0.4",
        order_by=["metrics.acc ASC"],
    )
    assert list(frame["run_id"]) == [ids["r4"], ids["r2"], ids["r3"]]
    assert list(frame["params.kind"]) == ["a", "a", "b"]
    assert list(frame["metrics.acc"]) == [0.40, 0.70, 0.95]

    asc = client.search_runs(
        [experiment_id], filter_string="params.kind = 'a'", order_by=["metrics.acc ASC"]
    )
    assert [r.info.run_name for r in asc] == ["r1", "r4", "r2"]

    by_name = client.search_runs(
        [experiment_id], filter_string="attributes.run_name = 'r3'", order_by=["params.kind"]
    )
    assert [r.info.run_id for r in by_name] == [ids["r3"]]
    assert by_name[0].data.metrics == {"acc": 0.95}
    assert by_name[0].data.params == {"kind": "b"}

    everything = client.search_runs([experiment_id], order_by=["params.kind DESC", "metrics.acc"])
    assert [r.info.run_name for r in everything] == ["r3", "r1", "r4", "r2"]

    paged = client.search_runs([experiment_id], max_results=3, order_by=["metrics.acc DESC"])
    assert [r.info.run_name for r in paged] == ["r3", "r2", "r4"]
    assert paged.token
    rest = client.search_runs(
        [experiment_id], max_results=3, order_by=["metrics.acc DESC"], page_token=paged.token
    )
    assert [r.info.run_name for r in rest] == ["r1"]
    assert not rest.token


def test_metric_history_paging_over_25000_points(
    client: MlflowClient, experiment_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = client.create_run(experiment_id)
    run_id = run.info.run_id
    ts = int(time.time() * 1000)
    for start in range(0, N_HISTORY_POINTS, BATCH_SIZE):
        client.log_batch(
            run_id,
            metrics=[
                Metric("big", float(step) * 0.5, ts + step, step)
                for step in range(start, start + BATCH_SIZE)
            ],
            synchronous=True,
        )
    client.set_terminated(run_id)

    pages: list[tuple[int, str | None]] = []
    real_get_history: Callable[..., PagedList[Metric]] = RestStore.get_metric_history

    def spy(self: RestStore, *args: Any, **kwargs: Any) -> PagedList[Metric]:
        page = real_get_history(self, *args, **kwargs)
        pages.append((len(page), page.token))
        return page

    monkeypatch.setattr(RestStore, "get_metric_history", spy)
    history = client.get_metric_history(run_id, "big")
    monkeypatch.undo()

    # the client asks for 25000 per page: the server must page, then stop with no token
    assert [size for size, _ in pages] == [25_000, N_HISTORY_POINTS - 25_000]
    assert pages[0][1]
    assert pages[-1][1] is None
    assert len(history) == N_HISTORY_POINTS
    points = sorted((m.step, m.value, m.timestamp) for m in history)
    assert points == [(s, s * 0.5, ts + s) for s in range(N_HISTORY_POINTS)]
    assert client.get_run(run_id).data.metrics == {"big": (N_HISTORY_POINTS - 1) * 0.5}
