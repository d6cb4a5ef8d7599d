"""Start and stop the benchmarked servers, and sample their process-tree memory."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

import basicauth
from httpclient import TRANSPORT_ERRORS, HttpClient

BENCH_DIR = Path(__file__).resolve().parent
MLFLOW_VERSION = "3.17.2"
MLFLOW_VENV = BENCH_DIR / ".venv-mlflow"
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 20.0
SERVER_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


@dataclass(frozen=True)
class ServerConfig:
    """One benchmarked server configuration."""

    name: str  # label used in the report, e.g. "mlflow (4 workers)"
    kind: str  # "atrium" | "mlflow"
    workers: int | None  # None = the server's own default
    auth: bool = False  # started with `--app-name basic-auth`, driven as a non-admin user

    @property
    def slug(self) -> str:
        """Directory-safe, unique per configuration, e.g. "atrium-auth-1"."""
        return f"{self.kind}{'-auth' if self.auth else ''}-{self.workers or 'default'}"


def _mlflow_venv_python() -> Path:
    return MLFLOW_VENV / "bin" / "python"


def _installed_mlflow_version(python: Path, auth: bool = False) -> str | None:
    """The venv's mlflow version; None if missing (or, with `auth`, if Flask-WTF is missing)."""
    if not python.exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('mlflow'))"
    if auth:  # MLflow's basic-auth app needs its `auth` extra (Flask-WTF)
        probe = "import flask_wtf; " + probe
    proc = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False
    )  # fmt: skip
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_mlflow_venv(auth: bool = False) -> Path:
    """Create bench/.venv-mlflow with mlflow==MLFLOW_VERSION unless it already exists
    (with `auth`: mlflow[auth], i.e. also Flask-WTF, for `--app-name basic-auth`)."""
    python = _mlflow_venv_python()
    if _installed_mlflow_version(python, auth) == MLFLOW_VERSION:
        return python
    if not python.exists():
        print(f"[setup] creating {MLFLOW_VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
    spec = f"mlflow{'[auth]' if auth else ''}=={MLFLOW_VERSION}"
    print(f"[setup] pip install {spec} into {MLFLOW_VENV}", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", spec], check=True)
    found = _installed_mlflow_version(python, auth)
    if found != MLFLOW_VERSION:
        raise RuntimeError(f"mlflow venv has version {found!r}, wanted {MLFLOW_VERSION}")
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(
    config: ServerConfig, python: str, db_path: Path, artifacts: Path, port: int
) -> list[str]:
    uri = f"sqlite:///{db_path}"  # db_path is absolute -> sqlite:////abs/path
    if config.kind == "atrium":
        cmd = [python, "-m", "atrium", "server"]
    else:
        cmd = [python, "-m", "mlflow", "server"]
    cmd += [
        "--backend-store-uri", uri,
        "--artifacts-destination", str(artifacts),
        "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    if config.workers is not None:
        cmd += ["--workers", str(config.workers)]
    if config.auth:
        cmd += ["--app-name", basicauth.APP_NAME]
    return cmd


# MLflow >= 3.x also starts a background job runner with huey consumer processes; they are part of
# its process tree (and counted in MEM) but additionally reported apart (MEMcore excludes them).
AUX_MARKERS = ("mlflow.server.jobs", "huey")


class RssSampler:
    """Samples the summed RSS of a process and all its descendants every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self.peak_core_bytes = 0
        self.samples = 0
        self._aux: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"rss-{pid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _is_aux(self, proc: psutil.Process) -> bool:
        if proc.pid not in self._aux:
            cmd = " ".join(proc.cmdline())
            self._aux[proc.pid] = any(m in cmd for m in AUX_MARKERS)
        return self._aux[proc.pid]

    def sample_once(self) -> tuple[int, int]:
        """(RSS of the whole tree, RSS of the tree without auxiliary processes), in bytes."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0, 0
        total = core = 0
        for proc in procs:
            try:
                rss = proc.memory_info().rss
                total += rss
                core += 0 if self._is_aux(proc) else rss
            except psutil.Error:
                continue
        return total, core

    def _loop(self) -> None:
        while not self._stop.is_set():
            total, core = self.sample_once()
            if total:
                self.peak_bytes = max(self.peak_bytes, total)
                self.peak_core_bytes = max(self.peak_core_bytes, core)
                self.samples += 1
            self._stop.wait(self.interval)

    def stop(self) -> tuple[float, float]:
        """Stop sampling; return the peaks (whole tree, without aux processes) in MB (1e6 B)."""
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak_bytes / 1e6, self.peak_core_bytes / 1e6


@dataclass
class RunningServer:
    config: ServerConfig
    proc: subprocess.Popen[bytes]
    port: int
    workdir: Path
    log_path: Path
    sampler: RssSampler
    peak_mb: float = 0.0
    peak_core_mb: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        """What every workload request carries: the bench user's credentials under auth."""
        return dict(basicauth.USER_HEADERS) if self.config.auth else {}

    def log_tail(self, n: int = 30) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def _wait_ready(server: RunningServer, client_kind: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with HttpClient(server.base_url, kind=client_kind, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(
                    f"{server.config.name} exited with {server.proc.returncode} during startup:\n"
                    f"{server.log_tail()}"
                )
            try:
                if client.request("GET", "/health").status == 200:
                    return
            except TRANSPORT_ERRORS:
                pass
            time.sleep(0.2)
    raise RuntimeError(
        f"{server.config.name} not ready after {READY_TIMEOUT_S}s:\n{server.log_tail()}"
    )


def start_server(
    config: ServerConfig,
    workdir: Path,
    *,
    python: str,
    client_kind: str,
    seed_from: Path | None = None,
    auth_cache_ttl: int = basicauth.CACHE_TTL_S,
) -> RunningServer:
    """Start `config` with its own DB + artifact dir under `workdir` and wait for /health.

    With `seed_from`, the DB files and artifacts of that (stopped) server workdir are copied
    first, so the server starts on a clean copy of a pre-seeded database.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / f"{config.kind}.db"
    artifacts = workdir / f"{config.kind}-artifacts"
    if seed_from is not None:
        for src in seed_from.iterdir():
            if src.name.startswith(f"{config.kind}.db"):
                shutil.copy2(src, workdir / src.name)
        seed_art = seed_from / f"{config.kind}-artifacts"
        if seed_art.is_dir():
            shutil.copytree(seed_art, artifacts, dirs_exist_ok=True)
    artifacts.mkdir(exist_ok=True)
    port = free_port()
    cmd = server_command(config, python, db_path, artifacts, port)
    env = {**os.environ, **SERVER_ENV}
    if config.auth:
        env.update(basicauth.server_env(workdir, config.kind, auth_cache_ttl))
    log_path = workdir / "server.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir,
            start_new_session=True,
        )  # fmt: skip
    sampler = RssSampler(proc.pid)
    sampler.start()
    server = RunningServer(config, proc, port, workdir, log_path, sampler)
    try:
        _wait_ready(server, client_kind)  # /health answers without credentials under auth too
        if config.auth:
            basicauth.prepare(server.base_url, client_kind)
    except BaseException:
        stop_server(server)
        raise
    return server


def _tree_cpu_seconds(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            cpu = proc.cpu_times()
            total += cpu.user + cpu.system
    return total


def wait_idle(server: RunningServer, window: float = 0.5, max_wait: float = 45.0) -> float:
    """Wait until the server's process tree uses < 10% of one core over `window` seconds
    (MLflow keeps booting background processes after /health answers). Returns seconds waited.
    """
    start = time.monotonic()
    before = _tree_cpu_seconds(server.proc.pid)
    while time.monotonic() - start < max_wait:
        time.sleep(window)
        after = _tree_cpu_seconds(server.proc.pid)
        if after - before < 0.1 * window:
            break
        before = after
    return time.monotonic() - start


def stop_server(server: RunningServer) -> tuple[float, float]:
    """Terminate the server's process group (and stray descendants); return its RSS peaks."""
    server.peak_mb, server.peak_core_mb = server.sampler.stop()
    proc = server.proc
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT_S)
    _gone, alive = psutil.wait_procs(descendants, timeout=STOP_TIMEOUT_S)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    return server.peak_mb, server.peak_core_mb
