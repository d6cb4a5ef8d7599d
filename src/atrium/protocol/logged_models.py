"""Wire requests of the 3.x logged-model endpoints (``/api/2.0/mlflow/logged-models...``)."""

from __future__ import annotations

from pydantic import Field

from atrium.protocol.common import WireKeyValue, WireModel, WirePage


class CreateLoggedModel(WireModel):
    experiment_id: str | None = None
    name: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    params: list[WireKeyValue] = []
    tags: list[WireKeyValue] = []


class GetLoggedModel(WireModel):
    allow_deleted: bool = False


class FinalizeLoggedModel(WireModel):
    status: str | None = None


class SetLoggedModelTags(WireModel):
    tags: list[WireKeyValue] = []


class LogLoggedModelParams(WireModel):
    params: list[WireKeyValue] = []


class WireOrderBy(WireModel):
    field_name: str | None = None
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


class SearchLoggedModels(WirePage):
    experiment_ids: list[str] = []
    filter: str | None = None
    order_by: list[WireOrderBy] = Field(default_factory=list)
