"""The model registry through the official client: register, stage, alias, load, search, delete.

Registered versions are copies: loading them keeps working after the run's artifacts are gone.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.pyfunc.model import PythonModel
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

DATA = [0.0, 1.5, -2.0]
PROXY_PREFIX = "mlflow-artifacts:/"


class ScaleModel(PythonModel):
    """y = factor * x + offset; type hints give it a signature (and avoid a client warning)."""

    def __init__(self, factor: float, offset: float = 0.0) -> None:
        self.factor = factor
        self.offset = offset

    def predict(
        self, context: Any, model_input: list[float], params: dict[str, Any] | None = None
    ) -> list[float]:
        return [self.factor * x + self.offset for x in model_input]


@contextmanager
def stages_deprecation() -> Iterator[None]:
    """Model stages are deprecated client-side (FutureWarning); the server must still serve them."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*is deprecated since 2\.9\.0", category=FutureWarning
        )
        yield


def _name(prefix: str = "reg") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _predict(uri: str) -> list[float]:
    with stages_deprecation():
        model = mlflow.pyfunc.load_model(uri)
    return [float(y) for y in model.predict(DATA)]


def _error_code(error: pytest.ExceptionInfo[MlflowException]) -> str:
    return str(error.value.error_code)


def test_register_logged_model_then_load_by_version_stage_and_alias(
    client: MlflowClient, experiment_id: str
) -> None:
    name = _name()
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=ScaleModel(2.0, 1.0))
    run_id = run.info.run_id

    version = mlflow.register_model(f"runs:/{run_id}/model", name)
    assert (version.name, version.version, version.status) == (name, "1", "READY")
    assert version.source == f"models:/{info.model_id}"
    assert version.run_id == run_id

    with pytest.warns(FutureWarning):
        moved = client.transition_model_version_stage(name, "1", "Production")
    assert moved.current_stage == "Production"
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"

    expected = [1.0, 4.0, -3.0]
    for uri in (f"models:/{name}/1", f"models:/{name}/Production", f"models:/{name}@champion"):
        assert _predict(uri) == expected, uri

    download_uri = client.get_model_version_download_uri(name, "1")
    logged_location = client.get_logged_model(info.model_id).artifact_location
    assert download_uri.startswith(PROXY_PREFIX)
    assert download_uri.rstrip("/") != logged_location.rstrip("/")

    # Delete the logged model's files: the registered version is a copy and still loads.
    get_artifact_repository(logged_location).delete_artifacts()
    assert mlflow.artifacts.list_artifacts(artifact_uri=logged_location) == []
    assert _predict(f"models:/{name}/1") == expected
    assert _predict(f"models:/{name}@champion") == expected


def test_create_model_version_from_logged_artifacts(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    mlflow.pyfunc.save_model(str(saved), python_model=ScaleModel(3.0))
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(saved), artifact_path="model")
    run_id = run.info.run_id
    artifact_uri = run.info.artifact_uri
    assert artifact_uri is not None
    source = f"{artifact_uri}/model"

    name = _name()
    client.create_registered_model(name, description="from log_artifacts")
    first = client.create_model_version(name, source=source, run_id=run_id)
    assert (first.version, first.status, first.source, first.run_id) == (
        "1",
        "READY",
        source,
        run_id,
    )
    # register_model of a run whose artifacts hold model/MLmodel uses the artifact location.
    second = mlflow.register_model(f"runs:/{run_id}/model", name)
    assert second.version == "2"

    # Delete the run's model files through the artifact repository; both versions survive.
    get_artifact_repository(artifact_uri).delete_artifacts("model")
    assert client.list_artifacts(run_id) == []
    assert _predict(f"models:/{name}/1") == [0.0, 4.5, -6.0]
    assert _predict(f"models:/{name}/2") == [0.0, 4.5, -6.0]
    assert _predict(f"models:/{name}/latest") == [0.0, 4.5, -6.0]


def _tiny_model_source(tmp_path: Path) -> tuple[str, str]:
    """Log a directory that looks like a model; return ``(run_id, source URI)``."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "MLmodel").write_text("flavors: {}\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(folder), artifact_path="model")
    assert run.info.artifact_uri is not None
    return run.info.run_id, f"{run.info.artifact_uri}/model"


def test_registry_client_operations(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    run_id, source = _tiny_model_source(tmp_path)
    prefix = _name("ops")
    name = f"{prefix}-model"
    client.create_registered_model(name, tags={"team": "vision"})
    for _ in range(3):
        client.create_model_version(name, source=source, run_id=run_id, tags={"k": "v"})
    with pytest.warns(FutureWarning):
        client.transition_model_version_stage(name, "1", "Staging")
    with pytest.warns(FutureWarning):
        client.transition_model_version_stage(name, "2", "Production")
    with pytest.warns(FutureWarning):
        latest = client.get_latest_versions(name)
    assert sorted((v.current_stage, v.version) for v in latest) == [
        ("None", "3"),
        ("Production", "2"),
        ("Staging", "1"),
    ]
    with pytest.warns(FutureWarning):
        production = client.get_latest_versions(name, stages=["Production"])
    assert [v.version for v in production] == ["2"]

    client.set_registered_model_alias(name, "champion", "3")
    assert client.get_model_version_by_alias(name, "champion").version == "3"
    assert client.get_registered_model(name).aliases == {"champion": "3"}

    found = client.search_model_versions(f"name = '{name}'")
    assert sorted(v.version for v in found) == ["1", "2", "3"]
    assert all(v.tags == {"k": "v"} for v in found)
    assert sorted(v.version for v in client.search_model_versions(f"run_id = '{run_id}'")) == [
        "1",
        "2",
        "3",
    ]

    # search_registered_models appends the prompt clause to the filter (or sends it alone).
    models = client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'")
    assert [m.name for m in models] == [name]
    assert models[0].tags == {"team": "vision"}
    assert name in {m.name for m in client.search_registered_models(max_results=1000)}

    download_uri = client.get_model_version_download_uri(name, "1")
    assert download_uri.startswith(PROXY_PREFIX)
    assert download_uri.rstrip("/") != source.rstrip("/")

    new_name = f"{prefix}-renamed"
    client.rename_registered_model(name, new_name)  # MlflowClient returns None here
    assert client.get_registered_model(new_name).name == new_name
    with pytest.raises(MlflowException) as missing:
        client.get_registered_model(name)
    assert _error_code(missing) == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_model_version(new_name, "3").aliases == ["champion"]

    client.delete_model_version(new_name, "3")
    assert sorted(v.version for v in client.search_model_versions(f"name = '{new_name}'")) == [
        "1",
        "2",
    ]
    with pytest.raises(MlflowException) as gone:
        client.get_model_version_by_alias(new_name, "champion")
    assert _error_code(gone) == "RESOURCE_DOES_NOT_EXIST"
    assert client.create_model_version(new_name, source=source, run_id=run_id).version == "4"

    client.delete_registered_model(new_name)
    with pytest.raises(MlflowException) as deleted:
        client.get_registered_model(new_name)
    assert _error_code(deleted) == "RESOURCE_DOES_NOT_EXIST"
    assert client.search_model_versions(f"name = '{new_name}'") == []
    # Models registered after the delete get fresh storage for their versions.
    for again in (new_name, _name()):
        client.create_registered_model(again)
        version = client.create_model_version(again, source=source, run_id=run_id)
        assert (version.version, version.status) == ("1", "READY")


def test_registry_errors_through_the_client(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    run_id, source = _tiny_model_source(tmp_path)
    name = _name()
    client.create_registered_model(name)
    client.create_model_version(name, source=source, run_id=run_id)
    with pytest.raises(MlflowException) as duplicate:
        client.create_registered_model(name)
    assert _error_code(duplicate) == "RESOURCE_ALREADY_EXISTS"
    # register_model tolerates the existing model and adds a version.
    assert mlflow.register_model(f"runs:/{run_id}/model", name).version == "2"

    for alias in ("latest", "v1", "bad alias"):
        with pytest.raises(MlflowException) as bad_alias:
            client.set_registered_model_alias(name, alias, "1")
        assert _error_code(bad_alias) == "INVALID_PARAMETER_VALUE", alias
    with pytest.raises(MlflowException) as bad_stage, stages_deprecation():
        client.transition_model_version_stage(name, "1", "Prod")
    assert _error_code(bad_stage) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as no_version:
        client.get_model_version(name, "9")
    assert _error_code(no_version) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as outside:
        client.create_model_version(name, source="/etc", run_id=run_id)
    assert _error_code(outside) == "INVALID_PARAMETER_VALUE"
    assert sorted(v.version for v in client.search_model_versions(f"name = '{name}'")) == [
        "1",
        "2",
    ]
    assert client.get_registered_model(name).aliases == {}
