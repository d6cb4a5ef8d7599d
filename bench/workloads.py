"""The benchmark workloads (W1-W8), their untimed seeding, and the server warm-up.

Every workload gets its own experiment, pre-encodes its request bodies before the timer starts,
checks that every answer is HTTP 200, and is bounded both in request count and wall time.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from httpclient import HttpClient

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
WORKLOAD_TIME_LIMIT_S = 900.0
SEED_TIME_LIMIT_S = 2400.0
SEED_THREADS = 8
W5_FILTER = "metrics.m > 0.5 and params.p = 'a'"
W5_ORDER = "metrics.m DESC"
W5_PAGE = 100
W5_PAGES = 3
W4_PAGE = 25000
INNER_REPEATS = 3  # W4/W5 are short read-only timings: median of 3 inside each repetition

Result = dict[str, float]


@dataclass
class Ctx:
    base_url: str
    client_kind: str
    scale: float
    scratch: Path  # client-side scratch dir (holds the W8 upload file)
    seeded: dict[str, str] = field(default_factory=dict)  # ids from seed()
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request (auth)

    def client(self, timeout: float = 120.0) -> HttpClient:
        return HttpClient(
            self.base_url, kind=self.client_kind, timeout=timeout, headers=self.headers
        )

    def n(self, base: int, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))


class Deadline:
    def __init__(self, what: str, seconds: float) -> None:
        self.what = what
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TimeoutError(f"{self.what} exceeded its {self.seconds:.0f}s time limit")


@contextmanager
def timer() -> Iterator[list[float]]:
    out: list[float] = []
    start = time.perf_counter()
    yield out
    out.append(time.perf_counter() - start)


def now_ms() -> int:
    return int(time.time() * 1000)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def create_experiment(client: HttpClient, prefix: str) -> str:
    name = f"{prefix}-{os.getpid()}-{time.time_ns()}"
    return str(client.post_json(f"{API}/experiments/create", {"name": name})["experiment_id"])


def run_create_body(exp_id: str, name: str) -> bytes:
    """The body the official client sends for mlflow.start_run(run_name=...)."""
    return dumps({
        "experiment_id": exp_id,
        "user_id": "bench",
        "run_name": name,
        "start_time": now_ms(),
        "tags": [
            {"key": "mlflow.user", "value": "bench"},
            {"key": "mlflow.source.name", "value": "bench/run.py"},
            {"key": "mlflow.source.type", "value": "LOCAL"},
            {"key": "mlflow.runName", "value": name},
        ],
    })  # fmt: skip


def create_run(client: HttpClient, exp_id: str, name: str) -> str:
    resp = client.call("POST", f"{API}/runs/create", run_create_body(exp_id, name)).json()
    return str(resp["run"]["info"]["run_id"])


def log_metric_body(run_id: str, key: str, value: float, step: int) -> bytes:
    return dumps({"run_id": run_id, "run_uuid": run_id, "key": key, "value": value,
                  "timestamp": now_ms(), "step": step})  # fmt: skip


def metric_batch_body(run_id: str, key_of: Callable[[int], str], steps: range) -> bytes:
    ts = now_ms()
    metrics = [{"key": key_of(s), "value": (s % 977) / 977.0, "timestamp": ts, "step": s}
               for s in steps]  # fmt: skip
    return dumps({"run_id": run_id, "metrics": metrics})


def sequential_posts(client: HttpClient, path: str, bodies: list[bytes], what: str) -> float:
    """POST every body in order on one keep-alive connection; return elapsed seconds."""
    deadline = Deadline(what, WORKLOAD_TIME_LIMIT_S)
    with timer() as t:
        for body in bodies:
            client.call("POST", path, body)
            deadline.check()
    return t[0]


# ---------------------------------------------------------------------------------------------
def warm_up(ctx: Ctx) -> list[str]:
    """A few requests of each kind, from several connections (reaches every worker process).

    Returns the failures (warm-up problems are reported but do not stop the benchmark).
    """
    errors: list[str] = []

    def one(i: int) -> None:
        with ctx.client() as c:
            for _ in range(3):
                c.call("GET", "/health")
            exp = create_experiment(c, f"warmup{i}")
            run = create_run(c, exp, "warmup")
            art = f"{ARTIFACTS}/{exp}/{run}/artifacts/w.txt"
            steps: list[tuple[str, Callable[[], object]]] = [
                ("log-metric", lambda: c.call("POST", f"{API}/runs/log-metric",
                                              log_metric_body(run, "w", 1.0, 0))),
                ("log-batch", lambda: c.call("POST", f"{API}/runs/log-batch",
                                             metric_batch_body(run, lambda s: "b", range(5)))),
                ("runs/get", lambda: c.get_json(f"{API}/runs/get", {"run_id": run})),
                ("get-history", lambda: c.get_json(f"{API}/metrics/get-history",
                                                   {"run_id": run, "metric_key": "b"})),
                ("runs/search", lambda: c.post_json(f"{API}/runs/search", {
                    "experiment_ids": [exp], "max_results": 10, "filter": "metrics.w > 0",
                    "order_by": [W5_ORDER]})),
                ("artifact put", lambda: c.call("PUT", art, b"warm", None, "text/plain")),
                ("artifact get", lambda: c.download(art)),
            ]  # fmt: skip
            for name, step in steps:
                try:
                    step()
                except Exception as exc:
                    errors.append(f"warm-up {name}: {exc}")

    with ThreadPoolExecutor(4) as pool:
        for fut in [pool.submit(one, i) for i in range(4)]:
            try:
                fut.result()
            except Exception as exc:
                errors.append(f"warm-up: {exc}")
    return sorted(set(errors))


def w1_create_runs(ctx: Ctx) -> Result:
    with ctx.client() as c:
        exp = create_experiment(c, "w1")
        bodies = [run_create_body(exp, f"run-{i}") for i in range(ctx.n(2000))]
        dt = sequential_posts(c, f"{API}/runs/create", bodies, "W1")
    return {"W1": len(bodies) / dt}


def w2_log_batch(ctx: Ctx) -> Result:
    per, count = 1000, ctx.n(200)
    with ctx.client() as c:
        run = create_run(c, create_experiment(c, "w2"), "w2")
        bodies = [metric_batch_body(run, lambda s: f"m{s % 10}", range(i * per, (i + 1) * per))
                  for i in range(count)]  # fmt: skip
        dt = sequential_posts(c, f"{API}/runs/log-batch", bodies, "W2")
    return {"W2": count * per / dt}


def w3_log_metric(ctx: Ctx) -> Result:
    with ctx.client() as c:
        run = create_run(c, create_experiment(c, "w3"), "w3")
        bodies = [log_metric_body(run, "loss", 1.0 / (i + 1), i) for i in range(ctx.n(5000))]
        dt = sequential_posts(c, f"{API}/runs/log-metric", bodies, "W3")
    return {"W3": len(bodies) / dt}


def w6_concurrent(ctx: Ctx) -> Result:
    threads, per = 8, ctx.n(500)
    with ctx.client() as c:
        exp = create_experiment(c, "w6")
        runs = [create_run(c, exp, f"w6-{t}") for t in range(threads)]
    barrier = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    deadline = Deadline("W6", WORKLOAD_TIME_LIMIT_S)

    def worker(t: int) -> None:
        bodies = [log_metric_body(runs[t], "acc", i / per, i) for i in range(per)]
        lat = latencies[t]
        try:
            with ctx.client() as cl:
                cl.call("GET", "/health")  # open the connection before the clock starts
                barrier.wait()
                for body in bodies:
                    start = time.perf_counter()
                    cl.call("POST", f"{API}/runs/log-metric", body)
                    lat.append(time.perf_counter() - start)
                    if errors:
                        return
                    deadline.check()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    pool = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for th in pool:
        th.start()
    barrier.wait()
    with timer() as t:
        for th in pool:
            th.join()
    if errors:
        raise errors[0]
    flat = sorted(x for lat in latencies for x in lat)
    p99 = flat[min(len(flat) - 1, int(0.99 * len(flat)))]
    return {"W6": len(flat) / t[0], "W6p99": p99 * 1000.0}


def big_file(ctx: Ctx) -> Path:
    """The W8 upload file (random bytes, written once per bench run in the scratch dir)."""
    size = ctx.n(100 * 1000 * 1000, minimum=1 << 20)
    path = ctx.scratch / f"big-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        rnd = random.Random(8)
        with path.open("wb") as fh:
            left = size
            while left > 0:
                chunk = min(left, 1 << 20)
                fh.write(rnd.randbytes(chunk))
                left -= chunk
    return path


def w8_artifacts(ctx: Ctx) -> Result:
    src = big_file(ctx)
    size = src.stat().st_size
    with ctx.client(timeout=600.0) as c:
        exp = create_experiment(c, "w8")
        run = create_run(c, exp, "w8")
        path = f"{ARTIFACTS}/{exp}/{run}/artifacts/big.bin"
        with timer() as up:
            c.upload_file(path, src)
        with timer() as down:
            got = c.download(path)
    if got != size:
        raise RuntimeError(f"W8 downloaded {got} bytes, uploaded {size}")
    return {"W8up": size / 1e6 / up[0], "W8down": size / 1e6 / down[0]}


PLAIN: dict[str, Callable[[Ctx], Result]] = {
    "W1": w1_create_runs,
    "W2": w2_log_batch,
    "W3": w3_log_metric,
    "W6": w6_concurrent,
    "W8": w8_artifacts,
}
