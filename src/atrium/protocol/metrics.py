"""Wire requests of the metric-history endpoints (``/api/2.0/mlflow/metrics/...``)."""

from __future__ import annotations

from atrium.protocol.common import WirePage
from atrium.protocol.runs import RunRef


class GetMetricHistory(RunRef, WirePage):
    metric_key: str | None = None


class GetMetricHistoryBulkInterval(WirePage):
    run_ids: list[str] = []
    metric_key: str | None = None
    start_step: int | None = None
    end_step: int | None = None
