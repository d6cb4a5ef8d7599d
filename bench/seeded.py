"""Read workloads on pre-seeded data: W4 (metric history) and W5 (search-runs).

The data is seeded once per server kind (untimed, concurrently); every repetition then starts
its server on a fresh copy of that seeded database.
"""

from __future__ import annotations

import random
import statistics
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from httpclient import HttpClient
from registry import w7_registry
from workloads import (
    API,
    INNER_REPEATS,
    PLAIN,
    SEED_THREADS,
    SEED_TIME_LIMIT_S,
    W4_PAGE,
    W5_FILTER,
    W5_ORDER,
    W5_PAGE,
    W5_PAGES,
    WORKLOAD_TIME_LIMIT_S,
    Ctx,
    Deadline,
    Result,
    create_experiment,
    create_run,
    dumps,
    metric_batch_body,
    now_ms,
    timer,
)


def seed(ctx: Ctx, workloads: set[str]) -> dict[str, str]:
    """Untimed seeding for the read workloads W4 (100k-point metric) and W5 (10k runs)."""
    ids: dict[str, str] = {}
    deadline = Deadline("seeding", SEED_TIME_LIMIT_S)
    local = threading.local()
    clients: list[HttpClient] = []
    lock = threading.Lock()

    def client() -> HttpClient:
        if not hasattr(local, "c"):
            local.c = ctx.client()
            with lock:
                clients.append(local.c)
        c: HttpClient = local.c
        return c

    def post(path: str, body: bytes) -> None:
        deadline.check()
        client().call("POST", path, body)

    def w5_run(i: int, exp: str, rnd_m: float) -> None:
        deadline.check()
        run = create_run(client(), exp, f"s{i}")
        post(f"{API}/runs/log-batch", dumps({
            "run_id": run,
            "metrics": [{"key": "m", "value": rnd_m, "timestamp": now_ms(), "step": 0}],
            "params": [{"key": "p", "value": "a" if i % 2 == 0 else "b"}],
        }))  # fmt: skip

    try:
        with ctx.client() as c, ThreadPoolExecutor(SEED_THREADS) as pool:
            futures = []
            if "W4" in workloads:
                run = create_run(c, create_experiment(c, "w4"), "w4")
                ids["w4_run"] = run
                total = ctx.n(100_000)
                for start in range(0, total, 1000):
                    steps = range(start, min(total, start + 1000))
                    body = metric_batch_body(run, lambda s: "hist", steps)
                    futures.append(pool.submit(post, f"{API}/runs/log-batch", body))
            if "W5" in workloads:
                exp = create_experiment(c, "w5")
                ids["w5_exp"] = exp
                rnd = random.Random(5)
                for i in range(ctx.n(10_000)):
                    futures.append(pool.submit(w5_run, i, exp, rnd.random()))
            for fut in futures:
                fut.result()
    finally:
        for cl in clients:
            cl.close()
    return ids


def w4_history(ctx: Ctx) -> Result:
    run, expected = ctx.seeded["w4_run"], ctx.n(100_000)
    times: list[float] = []
    deadline = Deadline("W4", WORKLOAD_TIME_LIMIT_S)
    with ctx.client() as c:
        for _ in range(INNER_REPEATS):
            got, token = 0, ""
            with timer() as t:
                for _page in range(expected // W4_PAGE + 2):
                    params = {"run_id": run, "run_uuid": run, "metric_key": "hist",
                              "max_results": W4_PAGE}  # fmt: skip
                    if token:
                        params["page_token"] = token
                    resp = c.get_json(f"{API}/metrics/get-history", params)
                    got += len(resp.get("metrics", []))
                    token = resp.get("next_page_token", "")
                    deadline.check()
                    if not token:
                        break
            if got != expected:
                raise RuntimeError(f"W4 got {got} history points, expected {expected}")
            times.append(t[0])
    return {"W4": statistics.median(times)}


def w5_search(ctx: Ctx) -> Result:
    exp = ctx.seeded["w5_exp"]
    per_page: list[float] = []
    deadline = Deadline("W5", WORKLOAD_TIME_LIMIT_S)
    with ctx.client() as c:
        for _ in range(INNER_REPEATS):
            token, pages, last = "", 0, float("inf")
            with timer() as t:
                for _page in range(W5_PAGES):
                    body: dict[str, Any] = {
                        "experiment_ids": [exp],
                        "filter": W5_FILTER,
                        "run_view_type": "ACTIVE_ONLY",
                        "max_results": W5_PAGE,
                        "order_by": [W5_ORDER],
                    }
                    if token:
                        body["page_token"] = token
                    resp = c.post_json(f"{API}/runs/search", body)
                    pages += 1
                    last = _check_search_page(resp, last)
                    token = resp.get("next_page_token", "")
                    deadline.check()
                    if not token:
                        break
            per_page.append(t[0] / pages)
    return {"W5": statistics.median(per_page)}


def _check_search_page(resp: dict[str, Any], prev: float) -> float:
    runs = resp.get("runs", [])
    if not runs:
        raise RuntimeError(f"W5 search page is empty: {str(resp)[:300]}")
    for run in runs:
        data = run.get("data", {})
        m = next((float(x["value"]) for x in data.get("metrics", []) if x["key"] == "m"), None)
        p = next((x["value"] for x in data.get("params", []) if x["key"] == "p"), None)
        if m is None or not (m > 0.5) or p != "a" or m > prev:
            raise RuntimeError(f"W5 result violates filter/order (m={m}, p={p}, prev={prev})")
        prev = m
    return prev


SEEDED: dict[str, Callable[[Ctx], Result]] = {"W4": w4_history, "W5": w5_search}
WORKLOADS: dict[str, Callable[[Ctx], Result]] = {**PLAIN, "W7": w7_registry, **SEEDED}
WORKLOADS = {k: WORKLOADS[k] for k in sorted(WORKLOADS)}
