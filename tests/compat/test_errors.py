"""Error paths as seen through the client: the error_code the server sends must survive."""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Param
from mlflow.exceptions import MlflowException


def test_get_missing_run_is_resource_does_not_exist(client: MlflowClient) -> None:
    for run_id in ("nonexistent", uuid.uuid4().hex):
        with pytest.raises(MlflowException) as info:
            client.get_run(run_id)
        assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST", info.value.message


def test_get_missing_experiment_is_resource_does_not_exist(client: MlflowClient) -> None:
    with pytest.raises(MlflowException) as info:
        client.get_experiment("987654321")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST", info.value.message


def test_relogging_param_with_other_value_is_invalid(
    client: MlflowClient, experiment_id: str
) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        mlflow.log_param("lr", "0.1")  # same value: a no-op, not an error
        with pytest.raises(MlflowException) as single:
            mlflow.log_param("lr", "0.2")
        assert single.value.error_code == "INVALID_PARAMETER_VALUE", single.value.message
        with pytest.raises(MlflowException) as batch:
            client.log_batch(run.info.run_id, params=[Param("lr", "0.3")])
        assert batch.value.error_code == "INVALID_PARAMETER_VALUE", batch.value.message
    assert client.get_run(run.info.run_id).data.params == {"lr": "0.1"}


def test_duplicate_experiment_is_resource_already_exists(
    client: MlflowClient, experiment_name: str
) -> None:
    exp_id = client.create_experiment(experiment_name)
    with pytest.raises(MlflowException) as info:
        client.create_experiment(experiment_name)
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS", info.value.message

    client.delete_experiment(exp_id)  # the name stays taken by the soft-deleted experiment
    with pytest.raises(MlflowException) as deleted_info:
        client.create_experiment(experiment_name)
    assert deleted_info.value.error_code == "RESOURCE_ALREADY_EXISTS", deleted_info.value.message


def test_writes_to_deleted_run_or_experiment_are_rejected(
    client: MlflowClient, experiment_name: str
) -> None:
    exp_id = client.create_experiment(experiment_name)
    run_id = client.create_run(exp_id).info.run_id
    client.delete_run(run_id)
    with pytest.raises(MlflowException) as log_info:
        client.log_param(run_id, "p", "v")
    assert log_info.value.error_code == "INVALID_PARAMETER_VALUE", log_info.value.message

    client.delete_experiment(exp_id)
    with pytest.raises(MlflowException) as create_info:
        client.create_run(exp_id)
    assert create_info.value.error_code == "INVALID_PARAMETER_VALUE", create_info.value.message
