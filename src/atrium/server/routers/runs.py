"""Run endpoints: ``/runs/...`` (lifecycle, search, logging)."""

from __future__ import annotations

from typing import Any

from atrium.domain.entities import Dataset, DatasetInput, KeyValue, Metric, ModelOutput
from atrium.protocol import runs as p
from atrium.server import wire
from atrium.server.params import required, to_key_values
from atrium.server.routing import Call, WireRouter
from atrium.services import run_logging
from atrium.services import runs as svc

router = WireRouter()


@router.route("POST", "/runs/create", p.CreateRun, inline=True)
def create_run(req: p.CreateRun, call: Call) -> dict[str, Any]:
    created = svc.create_run(
        call.ctx,
        call.state.uow,
        req.experiment_id,
        req.user_id,
        req.run_name,
        req.start_time,
        to_key_values(req.tags),
    )
    return {"run": wire.run(created)}


@router.route("GET", "/runs/get", p.RunRef, inline=True)
def get_run(req: p.RunRef, call: Call) -> dict[str, Any]:
    return {"run": wire.run(svc.get_run(call.ctx, call.state.uow, required(req.id, "run_id")))}


@router.route("POST", "/runs/update", p.UpdateRun, inline=True)
def update_run(req: p.UpdateRun, call: Call) -> dict[str, Any]:
    info = svc.update_run(
        call.ctx, call.state.uow, required(req.id, "run_id"), req.status, req.end_time, req.run_name
    )
    return {"run_info": wire.run_info(info)}


@router.route("POST", "/runs/delete", p.RunRef, inline=True)
def delete_run(req: p.RunRef, call: Call) -> dict[str, Any]:
    svc.delete_run(call.ctx, call.state.uow, required(req.id, "run_id"))
    return {}


@router.route("POST", "/runs/restore", p.RunRef, inline=True)
def restore_run(req: p.RunRef, call: Call) -> dict[str, Any]:
    svc.restore_run(call.ctx, call.state.uow, required(req.id, "run_id"))
    return {}


@router.route("POST", "/runs/search", p.SearchRuns)
def search_runs(req: p.SearchRuns, call: Call) -> dict[str, Any]:
    found = svc.search_runs(
        call.ctx,
        call.state.uow,
        req.experiment_ids,
        req.filter,
        req.run_view_type,
        req.max_results,
        req.order_by,
        req.page_token,
    )
    return wire.page("runs", [wire.run(r) for r in found.items], found.next_page_token)


def batch_metric(m: p.BatchMetric) -> Metric:
    return Metric(
        key=required(m.get("key"), "metrics.key"),
        value=required(m.get("value"), "metrics.value"),
        timestamp=required(m.get("timestamp"), "metrics.timestamp"),
        step=m.get("step") or 0,
        model_id=m.get("model_id") or None,
        dataset_name=m.get("dataset_name") or None,
        dataset_digest=m.get("dataset_digest") or None,
    )


def to_metric(m: p.WireMetric) -> Metric:
    return Metric(
        key=required(m.key, "metrics.key"),
        value=required(m.value, "value"),
        timestamp=required(m.timestamp, "timestamp"),
        step=m.step or 0,
        model_id=m.model_id or None,
        dataset_name=m.dataset_name or None,
        dataset_digest=m.dataset_digest or None,
    )


@router.route("POST", "/runs/log-metric", p.LogMetric, inline=True)
def log_metric(req: p.LogMetric, call: Call) -> dict[str, Any]:
    run_logging.log_metric(call.ctx, call.state.uow, required(req.id, "run_id"), to_metric(req))
    return {}


@router.route("POST", "/runs/log-parameter", p.LogParam, inline=True)
def log_parameter(req: p.LogParam, call: Call) -> dict[str, Any]:
    param = KeyValue(required(req.key, "key"), req.value or "")
    run_logging.log_param(call.ctx, call.state.uow, required(req.id, "run_id"), param)
    return {}


@router.route("POST", "/runs/log-batch", p.LogBatch, inline=True)
def log_batch(req: p.LogBatch, call: Call) -> dict[str, Any]:
    run_logging.log_batch(
        call.ctx,
        call.state.uow,
        required(req.id, "run_id"),
        [batch_metric(m) for m in req.metrics],
        to_key_values(req.params, "params"),
        to_key_values(req.tags),
    )
    return {}


@router.route("POST", "/runs/set-tag", p.SetTag, inline=True)
def set_tag(req: p.SetTag, call: Call) -> dict[str, Any]:
    tag = KeyValue(required(req.key, "key"), req.value or "")
    run_logging.set_tag(call.ctx, call.state.uow, required(req.id, "run_id"), tag)
    return {}


@router.route("POST", "/runs/delete-tag", p.DeleteTag, inline=True)
def delete_tag(req: p.DeleteTag, call: Call) -> dict[str, Any]:
    run_logging.delete_tag(
        call.ctx, call.state.uow, required(req.id, "run_id"), required(req.key, "key")
    )
    return {}


def _dataset_input(item: p.WireDatasetInput) -> DatasetInput:
    d = required(item.dataset, "datasets.dataset")
    dataset = Dataset(
        name=required(d.name, "dataset.name"),
        digest=required(d.digest, "dataset.digest"),
        source_type=required(d.source_type, "dataset.source_type"),
        source=required(d.source, "dataset.source"),
        schema=d.schema_,
        profile=d.profile,
    )
    return DatasetInput(dataset, tuple(to_key_values(item.tags)))


@router.route("POST", "/runs/log-inputs", p.LogInputs, inline=True)
def log_inputs(req: p.LogInputs, call: Call) -> dict[str, Any]:
    run_logging.log_inputs(
        call.ctx,
        call.state.uow,
        required(req.id, "run_id"),
        [_dataset_input(d) for d in req.datasets],
        [required(m.model_id, "models.model_id") for m in req.models],
    )
    return {}


@router.route("POST", "/runs/outputs", p.LogOutputs, inline=True)
def log_outputs(req: p.LogOutputs, call: Call) -> dict[str, Any]:
    outputs = [
        ModelOutput(required(m.model_id, "models.model_id"), m.step or 0) for m in req.models
    ]
    run_logging.log_outputs(call.ctx, call.state.uow, required(req.id, "run_id"), outputs)
    return {}
