"""Wire requests of the model registry (``/registered-models/...``, ``/model-versions/...``)."""

from __future__ import annotations

from atrium.protocol.common import WireKeyValue, WireModel, WirePage


class ModelName(WireModel):
    name: str | None = None


class CreateRegisteredModel(ModelName):
    tags: list[WireKeyValue] = []
    description: str | None = None
    deployment_job_id: str | None = None


class RenameRegisteredModel(ModelName):
    new_name: str | None = None


class UpdateRegisteredModel(ModelName):
    description: str | None = None
    deployment_job_id: str | None = None


class RegistrySearch(WirePage):
    filter: str | None = None
    order_by: list[str] = []


class GetLatestVersions(ModelName):
    stages: list[str] = []


class ModelTag(ModelName):
    key: str | None = None
    value: str | None = None


class ModelAlias(ModelName):
    alias: str | None = None
    version: str | None = None


class VersionRef(ModelName):
    version: str | None = None


class CreateModelVersion(ModelName):
    source: str | None = None
    run_id: str | None = None
    tags: list[WireKeyValue] = []
    run_link: str | None = None
    description: str | None = None
    model_id: str | None = None


class UpdateModelVersion(VersionRef):
    description: str | None = None


class TransitionStage(VersionRef):
    stage: str | None = None
    archive_existing_versions: bool = False


class VersionTag(VersionRef):
    key: str | None = None
    value: str | None = None
