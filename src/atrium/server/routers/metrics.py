"""Metric-history endpoints: ``/metrics/get-history`` and ``/metrics/get-history-bulk-interval``."""

from __future__ import annotations

from typing import Any

from atrium.protocol import metrics as p
from atrium.server import wire
from atrium.server.params import required
from atrium.server.routing import Call, WireRouter
from atrium.services import metrics as svc

router = WireRouter()


@router.route("GET", "/metrics/get-history", p.GetMetricHistory)
def get_metric_history(req: p.GetMetricHistory, call: Call) -> dict[str, Any]:
    found = svc.get_metric_history(
        call.ctx,
        call.state.uow,
        required(req.id, "run_id"),
        required(req.metric_key, "metric_key"),
        req.max_results,
        req.page_token,
    )
    return wire.page("metrics", wire.metric_history(found), found.next_page_token)


@router.route("GET", "/metrics/get-history-bulk-interval", p.GetMetricHistoryBulkInterval)
def get_metric_history_bulk_interval(
    req: p.GetMetricHistoryBulkInterval, call: Call
) -> dict[str, Any]:
    found = svc.get_metric_history_bulk_interval(
        call.ctx,
        call.state.uow,
        req.run_ids,
        req.metric_key,
        req.start_step,
        req.end_step,
        req.max_results,
    )
    return {"metrics": [wire.metric(m) for m in found]}
