"""Run a real ``atrium server`` subprocess for a test session.

Usage::

    with AtriumProcess(backend_store_uri=uri, artifacts_destination=tmp / "artifacts") as server:
        requests.get(f"{server.url}/health")
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from .ports import free_port

STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 20.0
LOG_TAIL_CHARS = 6000


class AtriumServerError(RuntimeError):
    """The server subprocess failed to start, died, or did not stop cleanly."""


class AtriumProcess:
    """Context manager owning one ``python -m atrium server`` subprocess.

    On enter: start the process (stdout+stderr to ``log_path``) and wait until ``GET /health``
    answers ``OK``. On exit: SIGTERM, wait, require exit code 0 (kill the process group if hung).
    """

    def __init__(
        self,
        *,
        backend_store_uri: str,
        artifacts_destination: Path | str,
        host: str = "127.0.0.1",
        port: int | None = None,
        workers: int | None = None,
        default_artifact_root: str | None = None,
        serve_artifacts: bool | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log_path: Path | str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.backend_store_uri = backend_store_uri
        self.artifacts_destination = Path(artifacts_destination)
        self.host = host
        self.port = port if port is not None else free_port()
        self.workers = workers
        self.default_artifact_root = default_artifact_root
        self.serve_artifacts = serve_artifacts
        self.extra_args = tuple(extra_args)
        self.env = dict(env) if env is not None else None
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="atrium-server-", suffix=".log")
            os.close(fd)
            log_path = name
        self.log_path = Path(log_path)
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the server, usable as an MLflow tracking URI."""
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "atrium",
            "server",
            "--backend-store-uri",
            self.backend_store_uri,
            "--artifacts-destination",
            str(self.artifacts_destination),
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        if self.default_artifact_root is not None:
            cmd += ["--default-artifact-root", self.default_artifact_root]
        if self.serve_artifacts is not None:
            cmd.append("--serve-artifacts" if self.serve_artifacts else "--no-serve-artifacts")
        cmd += self.extra_args
        return cmd

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<cannot read {self.log_path}: {exc}>"
        return text[-chars:]

    def _fail(self, message: str) -> AtriumServerError:
        return AtriumServerError(
            f"{message}\ncommand: {self.command()}\nlog {self.log_path} (tail):\n{self.log_tail()}"
        )

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                body: bytes = resp.read()
                return resp.status == 200 and body.strip() == b"OK"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def start(self) -> Self:
        if self.process is not None:
            raise AtriumServerError("server already started")
        self.artifacts_destination.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self._close_log()
                self.process = None
                raise self._fail(f"atrium server exited with code {code} during startup")
            if self._healthy():
                return self
            if time.monotonic() > deadline:
                self._kill()
                raise self._fail(f"atrium server not healthy after {self.startup_timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> int:
        """SIGTERM the server and return its exit code; raise if it is not 0 or it hangs."""
        proc = self.process
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill()
            raise self._fail(
                f"atrium server did not exit within {SHUTDOWN_TIMEOUT_S:.0f} s of SIGTERM"
            ) from None
        self.process = None
        self._close_log()
        if code != 0:
            raise self._fail(f"atrium server exited with code {code} after SIGTERM (expected 0)")
        return code

    def _kill(self) -> None:
        proc = self.process
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the session we created; includes workers
        proc.wait()
        self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.stop()
            return
        try:
            self.stop()
        except AtriumServerError as stop_error:
            exc.add_note(f"additionally, stopping the server failed: {stop_error}")
