"""Metric history use cases: paged history of one key, and sampled history across runs."""

from __future__ import annotations

from collections.abc import Sequence

from atrium.domain.entities import Metric, MetricHistory
from atrium.errors import InvalidParameterValue
from atrium.services.context import RequestContext
from atrium.services.runs import require_run
from atrium.stores.base import UnitOfWork

MAX_HISTORY_PAGE = 2**31 - 1
MAX_BULK_RUNS = 100
MAX_BULK_RESULTS = 2500
DEFAULT_BULK_RESULTS = 320


def get_metric_history(
    ctx: RequestContext,
    uow: UnitOfWork,
    run_id: str | None,
    metric_key: str | None,
    max_results: int | None,
    page_token: str | None,
) -> MetricHistory:
    if not metric_key:
        raise InvalidParameterValue("Missing value for required parameter 'metric_key'.")
    if max_results is not None and max_results < 1:
        raise InvalidParameterValue(
            f"Invalid value {max_results} for parameter 'max_results' supplied."
        )
    limit = min(max_results or MAX_HISTORY_PAGE, MAX_HISTORY_PAGE)
    with uow.read() as repos:
        record = require_run(repos, ctx, run_id)
        return repos.metrics.history(record.pk, metric_key, limit, page_token)


def get_metric_history_bulk_interval(
    ctx: RequestContext,
    uow: UnitOfWork,
    run_ids: Sequence[str],
    metric_key: str | None,
    start_step: int | None,
    end_step: int | None,
    max_results: int | None,
) -> list[Metric]:
    if not run_ids:
        raise InvalidParameterValue("GetMetricHistoryBulkInterval request must specify run_ids.")
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidParameterValue(
            "GetMetricHistoryBulkInterval request cannot specify more than "
            f"{MAX_BULK_RUNS} run_ids."
        )
    if not metric_key:
        raise InvalidParameterValue("Missing value for required parameter 'metric_key'.")
    limit = max_results if max_results is not None else DEFAULT_BULK_RESULTS
    if not 1 <= limit <= MAX_BULK_RESULTS:
        raise InvalidParameterValue(
            f"max_results must be between 1 and {MAX_BULK_RESULTS}, got {limit}."
        )
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidParameterValue("end_step must be greater than or equal to start_step.")
    with uow.read() as repos:
        pks = {require_run(repos, ctx, run_id).pk: run_id for run_id in dict.fromkeys(run_ids)}
        return repos.metrics.bulk_interval(pks, metric_key, start_step, end_step, limit)
