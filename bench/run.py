"""Atrium vs. MLflow 3.17.2 benchmark: same machine, same SQLite setup, same client.

Usage: /work/venv/bin/python bench/run.py [--reps 3] [--only W1,W3] [--skip-mlflow]
       [--scale 0.1] [--keep] [--auth]   (see bench/README.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from basicauth import BENCH_USER, CACHE_TTL_S, DEFAULT_PERMISSION
from report import (
    METRIC,
    METRICS_OF,
    Results,
    auth_table,
    detail_table,
    ratio_table,
    worse_by,
)
from seeded import SEEDED, WORKLOADS, seed
from servers import (
    BENCH_DIR,
    MLFLOW_VERSION,
    RunningServer,
    ServerConfig,
    ensure_mlflow_venv,
    start_server,
    stop_server,
    wait_idle,
)
from workloads import Ctx, Result, warm_up

ATRIUM = ServerConfig("atrium (1 worker)", "atrium", 1)
MLFLOW_1 = ServerConfig("mlflow (1 worker)", "mlflow", 1)
MLFLOW_DEFAULT = ServerConfig("mlflow (default: 4 workers)", "mlflow", None)
ATRIUM_AUTH = ServerConfig("atrium (1 worker, basic-auth)", "atrium", 1, auth=True)
MLFLOW_1_AUTH = ServerConfig("mlflow (1 worker, basic-auth)", "mlflow", 1, auth=True)
SEEDERS = {"atrium": ATRIUM, "mlflow": MLFLOW_DEFAULT}  # W4/W5 data goes in through these
AUTH_WORKLOADS = "W3,W5"
PRUNE_FACTOR = 1.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--reps", type=int, default=3, help="timed repetitions per server (>= 1)")
    p.add_argument("--only", default="", help="comma-separated subset, e.g. W1,W3 (default: all)")
    p.add_argument("--skip-mlflow", action="store_true", help="benchmark Atrium only")
    p.add_argument("--mlflow-only", action="store_true", help="benchmark MLflow only (debug)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every workload's counts")
    p.add_argument("--no-prune", action="store_true",
                   help="run every workload on both MLflow configurations in every repetition "
                   f"(default: drop the one >= {PRUNE_FACTOR}x worse after rep 1)")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the temporary server directories")
    p.add_argument("--client", choices=["httpclient", "httpx"], default="httpclient",
                   help="HTTP client implementation (same one for both servers)")  # fmt: skip
    p.add_argument("--atrium-python", default=sys.executable,
                   help="interpreter that runs `-m atrium server` (default: this one)")  # fmt: skip
    p.add_argument("--auth", action="store_true",
                   help="basic-auth mode: Atrium and MLflow (1 worker each) without and with "
                   f"`--app-name basic-auth`, workloads as a non-admin user (default --only "
                   f"{AUTH_WORKLOADS}, --out bench/results-auth.md)")  # fmt: skip
    p.add_argument("--auth-cache-ttl", type=int, default=CACHE_TTL_S, metavar="S",
                   help=f"auth_cache_ttl_seconds in both auth inis (default {CACHE_TTL_S}; "
                   "0 = MLflow's default: password hash checked per request)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None,
                   help="markdown report (default bench/results.md; with --auth "
                   "bench/results-auth.md)")  # fmt: skip
    args = p.parse_args(argv)
    if args.out is None:
        args.out = BENCH_DIR / ("results-auth.md" if args.auth else "results.md")
    only = args.only or (AUTH_WORKLOADS if args.auth else "")
    args.workloads = [w.strip().upper() for w in only.split(",") if w.strip()] or list(WORKLOADS)
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    if args.reps < 1 or args.scale <= 0 or args.auth_cache_ttl < 0:
        p.error("--reps must be >= 1, --scale > 0 and --auth-cache-ttl >= 0")
    if args.skip_mlflow and args.mlflow_only:
        p.error("--skip-mlflow and --mlflow-only exclude each other")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.scratch = tmp / "scratch"
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.configs: list[ServerConfig] = []
        if not args.mlflow_only:
            self.configs += [ATRIUM, ATRIUM_AUTH] if args.auth else [ATRIUM]
        if not args.skip_mlflow:  # under auth, MLflow's slower 4-worker default is left out
            self.configs += [MLFLOW_1, MLFLOW_1_AUTH] if args.auth else [MLFLOW_1, MLFLOW_DEFAULT]
        self.python: dict[str, str] = {"atrium": args.atrium_python}
        self.results: Results = {c.name: {} for c in self.configs}
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.seed_dirs: dict[str, Path] = {}
        self.seed_ids: dict[str, dict[str, str]] = {}
        self.pruned: set[tuple[str, str]] = set()  # (config name, workload) skipped after rep 1

    def log(self, msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def fail(self, where: str, exc: BaseException) -> None:
        msg = f"{where}: {type(exc).__name__}: {exc}"
        self.failures.append(msg)
        self.log(f"FAILED {msg}")
        if not isinstance(exc, RuntimeError | TimeoutError | OSError):
            traceback.print_exc()

    def ctx(self, server: RunningServer) -> Ctx:
        return Ctx(server.base_url, self.args.client, self.args.scale, self.scratch,
                   headers=server.headers)  # fmt: skip

    def start(self, config: ServerConfig, workdir: Path, seed_from: Path | None) -> RunningServer:
        return start_server(config, workdir, python=self.python[config.kind],
                            client_kind=self.args.client, seed_from=seed_from,
                            auth_cache_ttl=self.args.auth_cache_ttl)  # fmt: skip

    def with_server(
        self, config: ServerConfig, workdir: Path, seed_from: Path | None, what: str,
        body: Callable[[RunningServer], None],
    ) -> tuple[float, float] | None:  # fmt: skip
        """Start a server, warm it up, run `body`, stop it; return its RSS peaks (MB)."""
        try:
            server = self.start(config, workdir, seed_from)
        except Exception as exc:
            self.fail(f"{config.name} {what}: server start", exc)
            return None
        try:
            for err in warm_up(self.ctx(server)):
                self.failures.append(f"{config.name} {what}: {err}")
                self.log(f"WARN {config.name}: {err}")
            waited = wait_idle(server)
            if waited > 1:
                self.log(f"{config.name}: waited {waited:.1f}s for the server to become idle")
            body(server)
        finally:
            peak = stop_server(server)
        return peak

    def seed_templates(self, seeded: list[str]) -> None:
        """Seed W4/W5 data once per server kind; each repetition starts on a copy of it.

        MLflow seeds through its default (multi-worker) config: faster. Seeding never uses auth:
        the tracking DB is the same either way (the auth DB is separate and fresh per start).
        """
        kinds = {c.kind: SEEDERS[c.kind] for c in self.configs}
        for kind, config in kinds.items():
            workdir = self.tmp / f"seed-{kind}"

            def do_seed(server: RunningServer, kind: str = kind) -> None:
                t0 = time.perf_counter()
                try:
                    self.seed_ids[kind] = seed(self.ctx(server), set(seeded))
                except Exception as exc:
                    self.fail(f"{server.config.name} seeding (W4/W5 skipped)", exc)
                    return
                msg = f"seeding {'+'.join(seeded)} on {kind} took {time.perf_counter() - t0:.1f}s"
                self.notes.append(msg)
                self.log(msg)

            self.log(f"seeding {seeded} on {config.name}")
            self.with_server(config, workdir, None, "seed", do_seed)
            if kind in self.seed_ids:
                self.seed_dirs[kind] = workdir

    def run_set(self, server: RunningServer, names: list[str], rep: int, seeded: bool) -> None:
        ctx = self.ctx(server)
        if seeded:
            ctx.seeded = self.seed_ids[server.config.kind]
        for name in names:
            t0 = time.perf_counter()
            try:
                result: Result = WORKLOADS[name](ctx)
            except Exception as exc:
                self.fail(f"{server.config.name} rep {rep} {name}", exc)
                continue
            for key, value in result.items():
                self.results[server.config.name].setdefault(key, []).append(value)
            shown = ", ".join(f"{k}={v:.4g}" for k, v in result.items())
            self.log(f"{server.config.name} rep {rep} {name}: {shown} "
                     f"({time.perf_counter() - t0:.1f}s)")  # fmt: skip

    def run(self) -> None:
        selected = self.args.workloads
        plain = [w for w in selected if w not in SEEDED]
        seeded = [w for w in selected if w in SEEDED]
        if seeded:
            self.seed_templates(seeded)
        for rep in range(1, self.args.reps + 1):
            for config in self.configs:  # interleaved, so drift hits every server alike
                base = self.tmp / f"rep{rep}" / config.slug
                peaks: list[tuple[float, float]] = []
                what = f"rep {rep}"
                mine = [w for w in plain if (config.name, w) not in self.pruned]
                if mine:
                    peak = self.with_server(
                        config, base / "fresh", None, what,
                        partial(self.run_set, names=mine, rep=rep, seeded=False),
                    )  # fmt: skip
                    peaks += [peak] if peak else []
                mine = [w for w in seeded if (config.name, w) not in self.pruned]
                if mine and config.kind in self.seed_dirs:
                    peak = self.with_server(
                        config, base / "seeded", self.seed_dirs[config.kind], what,
                        partial(self.run_set, names=mine, rep=rep, seeded=True),
                    )  # fmt: skip
                    peaks += [peak] if peak else []
                if peaks:
                    mem, core = max(p[0] for p in peaks), max(p[1] for p in peaks)
                    self.results[config.name].setdefault("MEM", []).append(mem)
                    self.results[config.name].setdefault("MEMcore", []).append(core)
                    self.log(f"{config.name} rep {rep}: peak RSS {mem:.1f} MB "
                             f"(without job-runner/huey processes: {core:.1f} MB)")  # fmt: skip
                if not self.args.keep:
                    shutil.rmtree(base, ignore_errors=True)
            if rep == 1 and self.args.reps > 1:
                self.prune_after_first_rep()

    def prune_after_first_rep(self) -> None:
        """Drop a workload from one MLflow configuration's later repetitions when its first
        repetition was >= PRUNE_FACTOR worse than the other MLflow configuration on every figure
        of that workload: it cannot supply the kept ("better") figure, and MLflow is slow, so this
        keeps a full run within budget. The kept configuration still runs every repetition.
        """
        mlflow = [c.name for c in self.configs if c.kind == "mlflow"]
        if len(mlflow) != 2 or self.args.no_prune or self.args.auth:
            return
        for name, other in ((mlflow[0], mlflow[1]), (mlflow[1], mlflow[0])):
            for w in self.args.workloads:
                mine, theirs = self.results[name], self.results[other]
                keys = METRICS_OF[w]
                if (other, w) in self.pruned or not all(
                    mine.get(k) and theirs.get(k) for k in keys
                ):
                    continue
                factors = [worse_by(METRIC[k], mine[k][0], theirs[k][0]) for k in keys]
                if min(factors) >= PRUNE_FACTOR:
                    self.pruned.add((name, w))
                    msg = (f"{w} skipped on {name} after rep 1: >= {min(factors):.1f}x worse "
                           f"than {other} on every figure")  # fmt: skip
                    self.notes.append(msg)
                    self.log(msg)

    def header(self, title: str, elapsed: float) -> list[str]:
        a = self.args
        return [
            f"# {title}",
            "",
            f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; host: "
            f"{platform.node()} ({os.cpu_count()} CPUs, {platform.platform()}); "
            f"Python {platform.python_version()}",
            f"- MLflow {MLFLOW_VERSION}; client: {a.client}; reps: {a.reps}; scale: {a.scale}; "
            f"workloads: {','.join(a.workloads)}; total wall time: {elapsed / 60:.1f} min",
        ]

    def summary(self, keys: list[str]) -> list[str]:
        """The lines above the per-configuration table: the notes and the main table."""
        names = [c.name for c in self.configs]
        if self.args.auth:
            quad = [ATRIUM, ATRIUM_AUTH, MLFLOW_1, MLFLOW_1_AUTH]
            pick = [c.name if c.name in names else "" for c in quad]
            return [
                "- medians over repetitions; every server runs 1 worker; with basic-auth the "
                f"workloads run as the non-admin user `{BENCH_USER}` (default_permission "
                f"{DEFAULT_PERMISSION}; it owns what it creates, and reads the seeded W4/W5 data "
                "through the READ default); auth_cache_ttl_seconds = "
                f"{self.args.auth_cache_ttl}; overhead = 1 - auth/plain throughput (time "
                "figures: throughput = 1/time)",
                *[f"- {n}" for n in self.notes],
                "",
                "## Permission-check overhead and ratios",
                "",
                auth_table(self.results, pick, keys),
            ]
        atrium = ATRIUM.name if ATRIUM in self.configs else None
        mlflow = [c.name for c in self.configs if c.kind == "mlflow"]
        return [
            "- medians over repetitions; MLflow column = the better of its 1-worker and default "
            "(4-worker) configurations, chosen per metric",
            *[f"- {n}" for n in self.notes],
            "",
            "## Ratios",
            "",
            ratio_table(self.results, atrium, mlflow, keys),
        ]

    def report(self, elapsed: float) -> str:
        keys = [k for w in self.args.workloads for k in METRICS_OF[w]] + ["MEM", "MEMcore"]
        title = "Atrium vs MLflow benchmark results"
        lines = [
            *self.header(title + (" with basic-auth" if self.args.auth else ""), elapsed),
            *self.summary(keys),
            "## Per configuration (median, then each repetition)",
            "",
            detail_table(self.results, [c.name for c in self.configs], keys),
        ]
        if self.failures:
            lines += ["## Failures", "", *[f"- `{f}`" for f in self.failures], ""]
        return "\n".join(lines)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM/SIGINT (also when started in the background) -> stop servers, report partial results
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    if not args.skip_mlflow:
        mlflow_python = str(ensure_mlflow_venv(auth=args.auth))
    tmp = Path(tempfile.mkdtemp(prefix="atrium-bench-"))
    bench = Bench(args, tmp)
    if not args.skip_mlflow:
        bench.python["mlflow"] = mlflow_python
    bench.log(f"temp dir {tmp}; configs: {[c.name for c in bench.configs]}")
    t0 = time.perf_counter()
    try:
        bench.run()
    except KeyboardInterrupt:
        bench.log("interrupted; reporting what was measured so far")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            bench.log(f"kept {tmp}")
    text = bench.report(time.perf_counter() - t0)
    print("\n" + text)
    args.out.write_text(text)
    bench.log(f"wrote {args.out}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
