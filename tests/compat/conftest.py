"""Compatibility suite: the official MLflow client against a real ``atrium server`` subprocess.

One server per backend (sqlite, postgresql) is shared by the whole session; pytest groups the
tests by backend, so at most one server runs at a time. Every test uses its own experiment.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `tests` is not a package; make `tests.support` importable
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.postgres import create_database, drop_database  # noqa: E402
from tests.support.server_process import AtriumProcess  # noqa: E402

CLIENT_ENV: dict[str, str] = {
    # A server bug must show up as a failure, not as ~4 minutes of client retries.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}
# Telemetry is configured when mlflow is imported, so these must be set before the import.
os.environ.update(CLIENT_ENV)

# Warnings the mlflow client itself emits (the suite runs with `filterwarnings = error`).
# Each entry: (message regex, category, module regex of the code that issues the warning).
MLFLOW_WARNING_FILTERS: tuple[tuple[str, type[Warning], str], ...] = (
    # mlflow.types.responses infers a schema with `Any` fields at import time (pyfunc import).
    (r".*Any type hint is inferred as AnyType", UserWarning, r"mlflow\.types\.type_hints"),
)


def _ignore_mlflow_warnings() -> None:
    for message, category, module in MLFLOW_WARNING_FILTERS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)


# Import the client here, under the targeted filters, so import-time warnings are handled once.
with warnings.catch_warnings():
    _ignore_mlflow_warnings()
    import mlflow
    import mlflow.pyfunc  # import-time warnings, see MLFLOW_WARNING_FILTERS
    from mlflow import MlflowClient

BACKENDS = ("sqlite", "postgresql")
COMPAT_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every compat test and apply the mlflow warning filters to it."""
    marks = [pytest.mark.compat] + [
        pytest.mark.filterwarnings(
            f"ignore:{message}:{category.__module__}.{category.__qualname__}:{module}"
        )
        for message, category, module in MLFLOW_WARNING_FILTERS
    ]
    for item in items:
        if COMPAT_DIR in Path(str(item.path)).resolve().parents:
            for mark in marks:
                item.add_marker(mark)


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """A running atrium server on a fresh database of the given backend.

    ``ATRIUM_COMPAT_WORKERS=N`` runs the server with ``--workers N``.
    """
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"atrium-{backend}")
    uri = f"sqlite:///{workdir / 'atrium.db'}" if backend == "sqlite" else create_database()
    try:
        with AtriumProcess(
            backend_store_uri=uri,
            artifacts_destination=workdir / "artifacts",
            workers=int(os.environ["ATRIUM_COMPAT_WORKERS"])
            if "ATRIUM_COMPAT_WORKERS" in os.environ
            else None,
            log_path=workdir / "server.log",
        ) as proc:
            yield proc
    finally:
        if backend == "postgresql":
            drop_database(uri)


@pytest.fixture(autouse=True)
def _mlflow_client_setup(server: AtriumProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in CLIENT_ENV.items():
        monkeypatch.setenv(key, value)
    mlflow.set_tracking_uri(server.url)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def client(server: AtriumProcess) -> MlflowClient:
    return MlflowClient(tracking_uri=server.url)


@pytest.fixture
def experiment_name() -> str:
    return f"compat-{uuid.uuid4().hex}"


@pytest.fixture
def experiment_id(experiment_name: str) -> str:
    """Create a fresh experiment and make it the active one."""
    exp = mlflow.set_experiment(experiment_name)
    return str(exp.experiment_id)
