"""Wire requests of the experiment endpoints (``/api/2.0/mlflow/experiments/...``)."""

from __future__ import annotations

from typing import Literal

from atrium.protocol.common import WireKeyValue, WireModel, WirePage

ViewType = Literal["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]


class CreateExperiment(WireModel):
    name: str | None = None
    artifact_location: str | None = None
    tags: list[WireKeyValue] = []


class ExperimentId(WireModel):
    experiment_id: str | None = None


class GetExperimentByName(WireModel):
    experiment_name: str | None = None


class SearchExperiments(WirePage):
    filter: str | None = None
    order_by: list[str] = []
    view_type: ViewType | None = None


class UpdateExperiment(WireModel):
    experiment_id: str | None = None
    new_name: str | None = None


class SetExperimentTag(WireModel):
    experiment_id: str | None = None
    key: str | None = None
    value: str | None = None


class DeleteExperimentTag(WireModel):
    experiment_id: str | None = None
    key: str | None = None
