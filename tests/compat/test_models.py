"""MLflow 3 logged models: pyfunc.log_model, then load_model by runs:/ and models:/ URIs."""

from __future__ import annotations

from typing import Any

import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.pyfunc.model import PythonModel


class AffineModel(PythonModel):
    """y = 2x + 1; type hints give it a signature (and avoid a client warning)."""

    def predict(
        self, context: Any, model_input: list[float], params: dict[str, Any] | None = None
    ) -> list[float]:
        return [2.0 * x + 1.0 for x in model_input]


def test_pyfunc_log_and_load_model(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run() as run:
        # a metric logged before log_model exercises get-history + the model_id re-log
        mlflow.log_metric("score", 0.75, step=0)
        mlflow.log_param("kind", "affine")
        model_info = mlflow.pyfunc.log_model(name="model", python_model=AffineModel())
        mlflow.log_metric("after", 1.0, step=0)
    run_id = run.info.run_id
    model_id = model_info.model_id

    assert model_info.model_uri == f"models:/{model_id}"
    assert model_id.startswith("m-")
    logged = client.get_logged_model(model_id)
    assert logged.status == LoggedModelStatus.READY
    assert logged.source_run_id == run_id
    assert logged.experiment_id == experiment_id
    assert logged.name == "model"
    assert logged.params == {"kind": "affine"}

    outputs = client.get_run(run_id).outputs
    assert outputs is not None
    assert [(o.model_id, o.step) for o in outputs.model_outputs] == [(model_id, 0)]
    assert client.get_run(run_id).data.metrics == {"score": 0.75, "after": 1.0}

    found = client.search_logged_models(
        experiment_ids=[experiment_id], filter_string="name = 'model'"
    )
    assert [m.model_id for m in found] == [model_id]

    data = [0.0, 1.5, -2.0]
    expected = [1.0, 4.0, -3.0]
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert list(by_run.predict(data)) == expected
    by_model = mlflow.pyfunc.load_model(model_info.model_uri)
    assert list(by_model.predict(data)) == expected
    assert by_model.metadata.model_id == model_id
