"""Wire requests of the metric-history endpoints (``/api/2.0/mlflow/metrics/...``)."""

from __future__ import annotations

from atrium.protocol.common import Int64, WirePage
from atrium.protocol.runs import RunRef


class GetMetricHistory(RunRef, WirePage):
    metric_key: str | None = None


class GetMetricHistoryBulkInterval(WirePage):
    run_ids: list[str] = []
    metric_key: str | None = None
    start_step: Int64 | None = None
    end_step: Int64 | None = None
