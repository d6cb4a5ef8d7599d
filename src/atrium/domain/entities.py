"""Tracking entities as plain dataclasses: what stores return and services pass around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

DEFAULT_WORKSPACE = "default"

RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
ACTIVE = "active"
DELETED = "deleted"

LOGGED_MODEL_STATUSES = (
    "LOGGED_MODEL_STATUS_UNSPECIFIED",
    "LOGGED_MODEL_PENDING",
    "LOGGED_MODEL_READY",
    "LOGGED_MODEL_UPLOAD_FAILED",
)


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int
    last_update_time: int
    workspace: str
    tags: tuple[KeyValue, ...] = ()


class Metric(NamedTuple):
    """A NamedTuple, not a dataclass: histories build it 100,000 times per request."""

    key: str
    value: float
    timestamp: int
    step: int
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    run_name: str
    experiment_id: str
    user_id: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInput:
    dataset: Dataset
    tags: tuple[KeyValue, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelOutput:
    model_id: str
    step: int


@dataclass(frozen=True, slots=True)
class Run:
    info: RunInfo
    metrics: tuple[Metric, ...] = ()
    params: tuple[KeyValue, ...] = ()
    tags: tuple[KeyValue, ...] = ()
    dataset_inputs: tuple[DatasetInput, ...] = ()
    model_inputs: tuple[str, ...] = ()
    model_outputs: tuple[ModelOutput, ...] = ()


@dataclass(frozen=True, slots=True)
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    artifact_uri: str
    status: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: tuple[KeyValue, ...] = ()
    params: tuple[KeyValue, ...] = ()
    metrics: tuple[Metric, ...] = ()


HistoryRow = tuple[float, bool, int, int, "str | None"]  # value, is_nan, timestamp, step, model_id


@dataclass(slots=True)
class MetricHistory:
    """One page of one metric's points, as plain rows: histories run to 100,000 points, so
    they are not wrapped in an object per point on their way to the wire."""

    key: str
    rows: list[HistoryRow]
    next_page_token: str | None = None


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None = None


STAGES = ("None", "Staging", "Production", "Archived")
VERSION_READY = "READY"
VERSION_PENDING = "PENDING_REGISTRATION"
VERSION_FAILED = "FAILED_REGISTRATION"


@dataclass(slots=True)  # not frozen: frozen construction costs 3x, and searches build 100s
class ModelVersion:
    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str
    source: str
    status: str
    user_id: str | None = None
    description: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    model_id: str | None = None
    status_message: str | None = None
    storage_location: str | None = None
    tags: tuple[KeyValue, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    user_id: str | None = None
    deployment_job_id: str | None = None
    tags: tuple[KeyValue, ...] = ()
    aliases: tuple[tuple[str, int], ...] = ()
    latest_versions: tuple[ModelVersion, ...] = ()
