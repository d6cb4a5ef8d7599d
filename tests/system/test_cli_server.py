"""``atrium server`` and ``atrium db`` as operators run them: real processes, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.server_process import AtriumProcess

ATRIUM = [sys.executable, "-m", "atrium"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ATRIUM, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


@pytest.mark.parametrize(
    "uri", ["mysql+nope://x/y", "not a uri", "postgresql://nobody@127.0.0.1:1/none"]
)
def test_bad_backend_uri_is_one_line_error_and_nonzero_exit(uri: str) -> None:
    result = _run("server", "--backend-store-uri", uri, "--port", "1")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_schema(tmp_path: Path) -> None:
    result = _run("db", "upgrade", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 0, result.stderr
    assert "upgraded from empty" in result.stdout


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ATRIUM_BACKEND_STORE_URI": f"sqlite:///{tmp_path / 'env.db'}",
        "ATRIUM_ARTIFACTS_DESTINATION": str(tmp_path / "env-artifacts"),
    }
    with AtriumProcess(
        backend_store_uri=f"sqlite:///{tmp_path / 'flag.db'}",
        artifacts_destination=tmp_path / "flag-artifacts",
        env=env,
    ) as server:
        assert httpx.get(f"{server.url}/health").text == "OK"
    # The flags win over the environment; both files exist only where they were meant to.
    assert (tmp_path / "flag.db").exists()
    assert not (tmp_path / "env.db").exists()


def test_sigterm_shuts_down_cleanly_and_logs_where_data_lives(tmp_path: Path) -> None:
    server = AtriumProcess(
        backend_store_uri=f"sqlite:///{tmp_path / 'a.db'}", artifacts_destination=tmp_path / "art"
    )
    with server:
        assert httpx.get(f"{server.url}/health").status_code == 200
    log = server.log_path.read_text()
    assert str(tmp_path / "a.db") in log
    assert str(tmp_path / "art") in log


def test_concurrent_writers_on_sqlite_with_two_workers_never_see_locks(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'busy.db'}"
    with AtriumProcess(
        backend_store_uri=uri, artifacts_destination=tmp_path / "art", workers=2
    ) as server:
        base = f"{server.url}/api/2.0/mlflow"
        experiment = httpx.post(f"{base}/experiments/create", json={"name": "busy"}).json()
        failures: list[str] = []

        def writer(index: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                run = client.post(
                    "/runs/create", json={"experiment_id": experiment["experiment_id"]}
                ).json()["run"]["info"]["run_id"]
                for step in range(60):
                    body = {"run_id": run, "key": f"k{index}", "value": step, "timestamp": step}
                    response = client.post("/runs/log-metric", json=body)
                    if response.status_code != 200:
                        failures.append(response.text)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
