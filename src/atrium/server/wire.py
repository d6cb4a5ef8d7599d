"""Entities to wire JSON (dicts for orjson): field names as MLflow's protos, unset omitted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from atrium.domain.entities import (
    DatasetInput,
    Experiment,
    KeyValue,
    LoggedModel,
    Metric,
    MetricHistory,
    ModelVersion,
    RegisteredModel,
    Run,
    RunInfo,
)


def wire_float(value: float, is_nan: bool = False) -> float | str:
    """Non-finite doubles travel as the strings MLflow's client expects."""
    if is_nan or math.isnan(value):
        return "NaN"
    if math.isfinite(value):
        return value
    return "Infinity" if value > 0 else "-Infinity"


_MAX = float("inf")


def key_values(items: Sequence[KeyValue]) -> list[dict[str, str]]:
    return [{"key": item.key, "value": item.value} for item in items]


def experiment(e: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "last_update_time": e.last_update_time,
        "creation_time": e.creation_time,
        "tags": key_values(e.tags),
        "workspace": e.workspace,
    }


def metric(m: Metric) -> dict[str, Any]:
    value = m.value
    wire: dict[str, Any] = {
        "key": m.key,
        "value": value if -_MAX < value < _MAX else wire_float(value),
        "timestamp": m.timestamp,
        "step": m.step,
    }
    if m.model_id:
        wire["model_id"] = m.model_id
    if m.dataset_name:
        wire["dataset_name"] = m.dataset_name
    if m.dataset_digest:
        wire["dataset_digest"] = m.dataset_digest
    if m.run_id:
        wire["run_id"] = m.run_id
    return wire


def metric_history(history: MetricHistory) -> list[dict[str, Any]]:
    """A history page's points; one comprehension, because pages hold 25,000 points."""
    key = history.key
    if any(row[4] for row in history.rows):
        return [
            metric(Metric(key, math.nan if nan else value, timestamp, step, model_id))
            for value, nan, timestamp, step, model_id in history.rows
        ]
    return [
        {
            "key": key,
            "value": value if not nan and -_MAX < value < _MAX else wire_float(value, bool(nan)),
            "timestamp": timestamp,
            "step": step,
        }
        for value, nan, timestamp, step, _ in history.rows
    ]


def run_info(info: RunInfo) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": info.status,
        "start_time": info.start_time,
        "artifact_uri": info.artifact_uri,
        "lifecycle_stage": info.lifecycle_stage,
    }
    if info.end_time is not None:
        wire["end_time"] = info.end_time
    return wire


def _dataset_input(item: DatasetInput) -> dict[str, Any]:
    d = item.dataset
    dataset: dict[str, Any] = {
        "name": d.name,
        "digest": d.digest,
        "source_type": d.source_type,
        "source": d.source,
    }
    if d.schema is not None:
        dataset["schema"] = d.schema
    if d.profile is not None:
        dataset["profile"] = d.profile
    return {"tags": key_values(item.tags), "dataset": dataset}


def run(r: Run) -> dict[str, Any]:
    return {
        "info": run_info(r.info),
        "data": {
            "metrics": [metric(m) for m in r.metrics],
            "params": key_values(r.params),
            "tags": key_values(r.tags),
        },
        "inputs": {
            "dataset_inputs": [_dataset_input(d) for d in r.dataset_inputs],
            "model_inputs": [{"model_id": m} for m in r.model_inputs],
        },
        "outputs": {
            "model_outputs": [{"model_id": o.model_id, "step": o.step} for o in r.model_outputs]
        },
    }


def logged_model(m: LoggedModel) -> dict[str, Any]:
    info: dict[str, Any] = {
        "model_id": m.model_id,
        "experiment_id": m.experiment_id,
        "name": m.name,
        "creation_timestamp_ms": m.creation_timestamp_ms,
        "last_updated_timestamp_ms": m.last_updated_timestamp_ms,
        "artifact_uri": m.artifact_uri,
        "status": m.status,
        "tags": key_values(m.tags),
    }
    for field in ("model_type", "source_run_id", "status_message"):
        value = getattr(m, field)
        if value:
            info[field] = value
    return {
        "info": info,
        "data": {"params": key_values(m.params), "metrics": [metric(x) for x in m.metrics]},
    }


def page(items_key: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    wire: dict[str, Any] = {items_key: items}
    if token:
        wire["next_page_token"] = token
    return wire


def model_version(v: ModelVersion) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "name": v.name,
        "version": str(v.version),
        "creation_timestamp": v.creation_timestamp,
        "last_updated_timestamp": v.last_updated_timestamp,
        "current_stage": v.current_stage,
        "source": v.source,
        "status": v.status,
        "tags": key_values(v.tags) if v.tags else [],
        "aliases": list(v.aliases),
    }
    # Spelled out rather than looped over with getattr: a search page builds thousands.
    if v.user_id:
        wire["user_id"] = v.user_id
    if v.description:
        wire["description"] = v.description
    if v.run_id:
        wire["run_id"] = v.run_id
    if v.run_link:
        wire["run_link"] = v.run_link
    if v.model_id:
        wire["model_id"] = v.model_id
    if v.status_message:
        wire["status_message"] = v.status_message
    return wire


def registered_model(m: RegisteredModel) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "name": m.name,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
        "latest_versions": [model_version(v) for v in m.latest_versions],
        "tags": key_values(m.tags),
        "aliases": [{"alias": alias, "version": str(version)} for alias, version in m.aliases],
    }
    for field in ("description", "user_id", "deployment_job_id"):
        value = getattr(m, field)
        if value:
            wire[field] = value
    return wire
