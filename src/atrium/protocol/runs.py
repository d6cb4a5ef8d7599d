"""Wire requests of the run endpoints (``/api/2.0/mlflow/runs/...``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from typing_extensions import TypedDict

from atrium.protocol.common import Int64, WireFloat, WireKeyValue, WireModel, WirePage

RunStatus = Literal["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]


class RunRef(WireModel):
    """Run endpoints accept the legacy ``run_uuid`` beside ``run_id``."""

    run_id: str | None = None
    run_uuid: str | None = None

    @property
    def id(self) -> str | None:
        return self.run_id or self.run_uuid


class CreateRun(WireModel):
    experiment_id: str | None = None
    user_id: str | None = None
    run_name: str | None = None
    start_time: Int64 | None = None
    tags: list[WireKeyValue] = []


class UpdateRun(RunRef):
    status: RunStatus | None = None
    end_time: Int64 | None = None
    run_name: str | None = None


class SearchRuns(WirePage):
    experiment_ids: list[str] = []
    filter: str | None = None
    run_view_type: Literal["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] | None = None
    order_by: list[str] = []


class WireMetric(WireModel):
    key: str | None = None
    value: WireFloat | None = None
    timestamp: Int64 | None = None
    step: Int64 | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


class LogMetric(RunRef, WireMetric):
    pass


class LogParam(RunRef):
    key: str | None = None
    value: str | None = None


class SetTag(RunRef):
    key: str | None = None
    value: str | None = None


class DeleteTag(RunRef):
    key: str | None = None


class BatchMetric(TypedDict, total=False):
    """A log-batch metric: validated into a plain dict, since batches carry 1,000 of them."""

    key: str
    value: float
    timestamp: Int64
    step: Int64
    model_id: str
    dataset_name: str
    dataset_digest: str


class LogBatch(RunRef):
    metrics: list[BatchMetric] = []
    params: list[WireKeyValue] = []
    tags: list[WireKeyValue] = []


class WireDataset(WireModel):
    name: str | None = None
    digest: str | None = None
    source_type: str | None = None
    source: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    profile: str | None = None


class WireDatasetInput(WireModel):
    tags: list[WireKeyValue] = []
    dataset: WireDataset | None = None


class WireModelRef(WireModel):
    model_id: str | None = None
    step: Int64 | None = None


class LogInputs(RunRef):
    datasets: list[WireDatasetInput] = []
    models: list[WireModelRef] = []


class LogOutputs(RunRef):
    models: list[WireModelRef] = []
