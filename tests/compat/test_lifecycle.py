"""Soft delete / restore of runs and experiments, and how ViewType filters them."""

from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException


def _run_ids(client: MlflowClient, experiment_id: str, view: int) -> set[str]:
    return {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=view)}


def _experiment_ids(client: MlflowClient, name: str, view: int) -> set[str]:
    found = client.search_experiments(view_type=view, filter_string=f"name = '{name}'")
    return {e.experiment_id for e in found}


def test_delete_and_restore_run(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run() as kept:
        mlflow.log_metric("m", 1.0)
    with mlflow.start_run() as doomed:
        mlflow.log_metric("m", 2.0)
    kept_id, doomed_id = kept.info.run_id, doomed.info.run_id
    assert _run_ids(client, experiment_id, ViewType.ACTIVE_ONLY) == {kept_id, doomed_id}

    client.delete_run(doomed_id)
    deleted = client.get_run(doomed_id)  # still readable after a soft delete
    assert deleted.info.lifecycle_stage == "deleted"
    assert deleted.data.metrics == {"m": 2.0}
    assert _run_ids(client, experiment_id, ViewType.ACTIVE_ONLY) == {kept_id}
    assert _run_ids(client, experiment_id, ViewType.DELETED_ONLY) == {doomed_id}
    assert _run_ids(client, experiment_id, ViewType.ALL) == {kept_id, doomed_id}
    fluent = mlflow.search_runs(
        experiment_ids=[experiment_id], run_view_type=ViewType.DELETED_ONLY, output_format="list"
    )
    assert [r.info.run_id for r in fluent] == [doomed_id]

    client.restore_run(doomed_id)
    assert client.get_run(doomed_id).info.lifecycle_stage == "active"
    assert _run_ids(client, experiment_id, ViewType.ACTIVE_ONLY) == {kept_id, doomed_id}
    assert _run_ids(client, experiment_id, ViewType.DELETED_ONLY) == set()


def test_delete_and_restore_experiment(client: MlflowClient, experiment_name: str) -> None:
    exp_id = client.create_experiment(experiment_name, tags={"owner": "compat"})
    run = client.create_run(exp_id)
    assert _experiment_ids(client, experiment_name, ViewType.ACTIVE_ONLY) == {exp_id}

    client.delete_experiment(exp_id)
    deleted = client.get_experiment(exp_id)
    assert deleted.lifecycle_stage == "deleted"
    assert deleted.tags["owner"] == "compat"
    by_name = client.get_experiment_by_name(experiment_name)  # get-by-name returns deleted ones
    assert by_name is not None
    assert by_name.lifecycle_stage == "deleted"
    assert _experiment_ids(client, experiment_name, ViewType.ACTIVE_ONLY) == set()
    assert _experiment_ids(client, experiment_name, ViewType.DELETED_ONLY) == {exp_id}
    assert _experiment_ids(client, experiment_name, ViewType.ALL) == {exp_id}
    # the client refuses to activate a deleted experiment (it reads lifecycle_stage)
    with pytest.raises(MlflowException, match="deleted"):
        mlflow.set_experiment(experiment_name)

    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    assert _experiment_ids(client, experiment_name, ViewType.ACTIVE_ONLY) == {exp_id}
    assert _experiment_ids(client, experiment_name, ViewType.DELETED_ONLY) == set()
    assert mlflow.set_experiment(experiment_name).experiment_id == exp_id
    # the experiment's run survived the round trip
    assert client.get_run(run.info.run_id).info.experiment_id == exp_id


def test_delete_experiment_cascades_to_runs(client: MlflowClient, experiment_name: str) -> None:
    """Reference behaviour: deleting an experiment soft-deletes its runs; restoring restores."""
    exp_id = client.create_experiment(experiment_name)
    run_id = client.create_run(exp_id).info.run_id

    client.delete_experiment(exp_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    assert _run_ids(client, exp_id, ViewType.DELETED_ONLY) == {run_id}

    client.restore_experiment(exp_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert _run_ids(client, exp_id, ViewType.ACTIVE_ONLY) == {run_id}
