"""A real Atrium server per backend, and a thin HTTP client speaking its wire protocol."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from atrium.server.settings import Settings
from tests.support.inprocess import serve

API = "/api/2.0/mlflow"


class Api:
    """HTTP calls against one server; ``call`` returns the raw response for status checks."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        url = (
            path
            if path.startswith("/")
            and not path.startswith("/experiments")
            and not path.startswith("/runs")
            else API + path
        )
        if method == "GET":
            return self.http.get(url, params=params or body)
        return self.http.request(method, url, json=body)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        response = self.call(method, path, body, **params)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        return payload

    def error(
        self, status: int, code: str, method: str, path: str, body: Any = None, **params: Any
    ) -> str:
        """Assert the call fails with MLflow's JSON error shape; return the message."""
        response = self.call(method, path, body, **params)
        assert response.status_code == status, response.text
        payload = response.json()
        assert payload["error_code"] == code, payload
        assert isinstance(payload["message"], str) and payload["message"]
        return str(payload["message"])

    def create_experiment(self, name: str | None = None, **extra: Any) -> str:
        body = {"name": name or f"exp-{uuid.uuid4().hex[:10]}", **extra}
        return str(self.ok("POST", "/experiments/create", body)["experiment_id"])

    def create_run(self, experiment_id: str, **extra: Any) -> dict[str, Any]:
        body = {"experiment_id": experiment_id, "start_time": 1000, **extra}
        run: dict[str, Any] = self.ok("POST", "/runs/create", body)["run"]
        return run

    def get_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.ok("GET", "/runs/get", run_id=run_id)["run"]
        return run


@pytest.fixture(scope="session")
def server_url(backend_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    artifacts = tmp_path_factory.mktemp("artifacts")
    settings = Settings(backend_store_uri=backend_uri, artifacts_destination=str(artifacts))
    with serve(settings) as url:
        yield url


@pytest.fixture()
def api(server_url: str) -> Iterator[Api]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield Api(client)


@pytest.fixture()
def experiment_id(api: Api) -> str:
    return api.create_experiment()


@pytest.fixture()
def run_id(api: Api, experiment_id: str) -> str:
    return str(api.create_run(experiment_id)["info"]["run_id"])


# --------------------------------------------------------------------------------------------
# Helpers shared by the resource suites.

AJAX = "/ajax-api/2.0/mlflow"
METRICS = API + "/metrics"
LOGGED_MODELS = API + "/logged-models"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
MPU = "/api/2.0/mlflow-artifacts/mpu"


def unique(prefix: str = "x") -> str:
    """A name no other test (or earlier run on the same database) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def tag_map(entity: dict[str, Any], part: str = "data") -> dict[str, str]:
    """``{key: value}`` of a run's (``part="data"``) or an experiment's (``part=""``) tags."""
    holder = entity[part] if part else entity
    return {t["key"]: t.get("value", "") for t in holder.get("tags", [])}


def param_map(run: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p.get("value", "") for p in run["data"].get("params", [])}


def metric_map(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["key"]: m for m in run["data"].get("metrics", [])}


def search_all_runs(api: Api, body: dict[str, Any], page_size: int) -> tuple[list[str], int]:
    """Walk ``runs/search`` pages; return the run ids in order and the number of pages."""
    ids: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        request = {**body, "max_results": page_size}
        if token:
            request["page_token"] = token
        page = api.ok("POST", "/runs/search", request)
        pages += 1
        ids += [r["info"]["run_id"] for r in page.get("runs", [])]
        token = page.get("next_page_token")
        if not token:
            return ids, pages
        assert pages < 1000, "paging does not terminate"


@pytest.fixture(scope="session")
def artifacts_root(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's artifact destination folder, found by uploading a uniquely named file."""
    marker = f"root-marker-{uuid.uuid4().hex}.txt"
    with httpx.Client(base_url=server_url, timeout=30) as client:
        response = client.put(
            f"{ARTIFACTS}/root-probe/{marker}",
            content=b"marker",
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 200, response.text
    found = list(tmp_path_factory.getbasetemp().rglob(marker))
    assert len(found) == 1, f"artifact marker found at {found}"
    root = found[0].parent.parent
    assert (root / "root-probe" / marker).read_bytes() == b"marker"
    return root


# --------------------------------------------------------------------------------------------
# Route coverage: the route-coverage test runs last and fails when some mounted /api/2.0 or
# /api/3.0 route was never reached by any test. It only judges complete runs of this suite.

INTEGRATION_DIR = Path(__file__).resolve().parent
COVERAGE_MODULE = "test_route_coverage.py"


@dataclass
class CoverageRun:
    """What this session selected from the integration suite."""

    modules: set[str] = field(default_factory=set)
    deselected: int = 0
    reasons: list[str] = field(default_factory=list)

    def partial_reasons(self) -> list[str]:
        expected = {p.name for p in INTEGRATION_DIR.glob("test_*.py")}
        reasons = list(self.reasons)
        if missing := sorted(expected - self.modules):
            reasons.append(f"modules not selected: {missing}")
        if self.deselected:
            reasons.append(f"{self.deselected} integration test(s) deselected")
        return reasons


COVERAGE_RUN = pytest.StashKey[CoverageRun]()


def _is_integration(item: pytest.Item) -> bool:
    return item.path.resolve().parent == INTEGRATION_DIR


def pytest_configure(config: pytest.Config) -> None:
    run = CoverageRun()
    if hasattr(config, "workerinput"):
        run.reasons.append("running in a pytest-xdist worker (routes are recorded per process)")
    for arg in config.invocation_params.args:
        if "::" in str(arg):
            run.reasons.append(f"test ids selected on the command line ({arg})")
    config.stash[COVERAGE_RUN] = run


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.config.stash[COVERAGE_RUN].deselected += 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Run the route-coverage check after every other test (it reads what they recorded)."""
    run = config.stash[COVERAGE_RUN]
    run.modules = {item.path.name for item in items if _is_integration(item)}
    # Only the server-less check moves: moving a backend-parametrized test would restart servers.
    last = [
        item
        for item in items
        if _is_integration(item)
        and item.path.name == COVERAGE_MODULE
        and "server_url" not in getattr(item, "fixturenames", ())
    ]
    if last:
        items[:] = [item for item in items if item not in last] + last
