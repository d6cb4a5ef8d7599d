"""Medians, Atrium/MLflow ratios and the markdown tables."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# results[config name][metric key] -> one value per successful repetition
Results = dict[str, dict[str, list[float]]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    kind: str  # "throughput" (higher better) | "time" (lower better) | "memory" (lower better)
    target: float | None  # None = informational row

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "throughput"

    @property
    def rule(self) -> str:
        return "MLflow/Atrium" if self.kind == "time" else "Atrium/MLflow"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "(info)"
        return f"≤ {self.target:g}" if self.kind == "memory" else f"≥ {self.target:g}x"

    def ratio(self, atrium: float, mlflow: float) -> float:
        num, den = (mlflow, atrium) if self.kind == "time" else (atrium, mlflow)
        return num / den if den > 0 else float("inf")

    def met(self, ratio: float) -> bool | None:
        if self.target is None:
            return None
        return ratio <= self.target if self.kind == "memory" else ratio >= self.target

    def better(self, a: float, b: float) -> bool:
        """Is figure `a` better than `b` for this metric?"""
        return a > b if self.higher_is_better else a < b


METRICS: list[Metric] = [
    Metric("W1", "W1 create 2,000 runs", "runs/s", "throughput", 10),
    Metric("W2", "W2 log-batch 200 x 1,000 metrics", "metrics/s", "throughput", 10),
    Metric("W3", "W3 5,000 x log-metric", "req/s", "throughput", 10),
    Metric("W4", "W4 get-history 100k points (25k pages)", "s", "time", 10),
    Metric("W5", "W5 search-runs 10k runs, filter+order", "s/page", "time", 10),
    Metric("W6", "W6 8 threads x log-metric: throughput", "req/s", "throughput", 10),
    Metric("W6p99", "W6 8 threads x log-metric: p99 latency", "ms", "time", 10),
    Metric("W7create", "W7 create 500 model versions one by one", "versions/s", "throughput", 10),
    Metric("W7search", "W7 search-model-versions, filtered, per page", "s/page", "time", 5),
    Metric("W8up", "W8 100 MB artifact upload", "MB/s", "throughput", 1),
    Metric("W8down", "W8 100 MB artifact download", "MB/s", "throughput", 1),
    Metric("MEM", "Peak RSS of server process tree", "MB", "memory", 0.2),
    Metric("MEMcore", "Peak RSS without MLflow job-runner/huey procs", "MB", "memory", None),
]
METRIC: dict[str, Metric] = {m.key: m for m in METRICS}
METRICS_OF: dict[str, list[str]] = {
    "W1": ["W1"], "W2": ["W2"], "W3": ["W3"], "W4": ["W4"], "W5": ["W5"],
    "W6": ["W6", "W6p99"], "W7": ["W7create", "W7search"], "W8": ["W8up", "W8down"],
}  # fmt: skip


def worse_by(metric: Metric, a: float, b: float) -> float:
    """How many times figure `a` is worse than figure `b` (< 1: `a` is better)."""
    num, den = (b, a) if metric.higher_is_better else (a, b)
    return num / den if den > 0 else float("inf")


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value == float("inf"):
        return "inf"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def best_mlflow(metric: Metric, results: Results, mlflow_configs: list[str]) -> tuple[float, str]:
    best: tuple[float, str] | None = None
    for name in mlflow_configs:
        med = median(results.get(name, {}).get(metric.key))
        if med is not None and (best is None or metric.better(med, best[0])):
            best = (med, name)
    return best if best is not None else (float("nan"), "")


def ratio_table(
    results: Results, atrium: str | None, mlflow_configs: list[str], metric_keys: list[str]
) -> str:
    head = (
        "| Metric | Unit | Atrium median | MLflow median (better config) | MLflow config "
        "| Ratio rule | Ratio (> 1 = Atrium better; memory row: Atrium/MLflow, < 1 = better) "
        "| Target | Met? |\n|---|---|---:|---:|---|---|---:|---|---|\n"
    )
    rows = []
    for metric in METRICS:
        if metric.key not in metric_keys:
            continue
        a = median(results.get(atrium, {}).get(metric.key)) if atrium else None
        m, m_cfg = best_mlflow(metric, results, mlflow_configs)
        have_m = bool(m_cfg)
        ratio = metric.ratio(a, m) if a is not None and have_m else None
        ok = None if ratio is None else metric.met(ratio)
        met = "—" if ok is None else ("yes" if ok else "**NO**")
        rows.append(
            f"| {metric.label} | {metric.unit} | {fmt(a)} | {fmt(m) if have_m else 'n/a'} "
            f"| {m_cfg or '—'} | {metric.rule} | {fmt(ratio)}{'x' if ratio else ''} "
            f"| {metric.target_text} | {met} |"
        )
    return head + "\n".join(rows) + "\n"


def detail_table(results: Results, configs: list[str], metric_keys: list[str]) -> str:
    head = "| Metric | Unit | " + " | ".join(configs) + " |\n"
    head += "|---|---|" + "---:|" * len(configs) + "\n"
    rows = []
    for metric in METRICS:
        if metric.key not in metric_keys:
            continue
        cells = []
        for name in configs:
            values = results.get(name, {}).get(metric.key)
            if not values:
                cells.append("n/a")
                continue
            reps = ", ".join(fmt(v) for v in values)
            cells.append(f"**{fmt(median(values))}** ({reps})")
        rows.append(f"| {metric.label} | {metric.unit} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


AUTH_OVERHEAD_TARGET = 0.20  # permission checks may cost Atrium < 20% of its own throughput


def auth_overhead(metric: Metric, plain: float, auth: float) -> float:
    """Throughput lost to auth: 1 - auth/plain throughput (for a time figure, 1/time)."""
    if metric.higher_is_better:
        return 1.0 - auth / plain if plain > 0 else float("nan")
    return 1.0 - plain / auth if auth > 0 else float("nan")


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value * 100:.1f}%"


def auth_table(results: Results, names: list[str], metric_keys: list[str]) -> str:
    """`names`: the Atrium, Atrium+auth, MLflow, MLflow+auth configurations ("" = not run).
    Rows: their medians, both auth overheads, and the Atrium+auth/MLflow+auth ratio."""
    head = (
        "| Metric | Unit | Atrium | Atrium + auth | Atrium auth overhead | Target | Met? "
        "| MLflow | MLflow + auth | MLflow auth overhead "
        "| Atrium+auth vs MLflow+auth (> 1 = Atrium better) |\n"
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|\n"
    )
    rows = []
    for metric in METRICS:
        if metric.key not in metric_keys or metric.kind == "memory":
            continue
        a, a_auth, m, m_auth = (median(results.get(n, {}).get(metric.key)) for n in names)
        a_over = auth_overhead(metric, a, a_auth) if a and a_auth else None
        m_over = auth_overhead(metric, m, m_auth) if m and m_auth else None
        ratio = metric.ratio(a_auth, m_auth) if a_auth and m_auth else None
        met = "—" if a_over is None else ("yes" if a_over < AUTH_OVERHEAD_TARGET else "**NO**")
        rows.append(
            f"| {metric.label} | {metric.unit} | {fmt(a)} | {fmt(a_auth)} | {_pct(a_over)} "
            f"| < {AUTH_OVERHEAD_TARGET:.0%} | {met} | {fmt(m)} | {fmt(m_auth)} | {_pct(m_over)} "
            f"| {f'{fmt(ratio)}x ({metric.rule})' if ratio else 'n/a'} |"
        )
    return head + "\n".join(rows) + "\n"
