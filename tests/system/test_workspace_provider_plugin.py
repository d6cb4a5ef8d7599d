"""A workspace provider plug-in found through the ``atrium.workspace_provider`` entry points.

The plug-in (``fixtures/tinyws.py``) is "installed" without pip: the module and a
``tinyws-0.1.dist-info`` folder go into a directory on the server's PYTHONPATH. The SQL
``workspaces`` table gets a row the plug-in does not know, so every answer below can only
come from the plug-in.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import (
    error_line,
    port_is_bound,
    run_atrium,
    server_env,
    sqlite_execute,
    sqlite_path,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METADATA = "Metadata-Version: 2.1\nName: tinyws\nVersion: 0.1\n"
ENTRY_POINTS = "[atrium.workspace_provider]\ntinyws = tinyws:build\n"
WORKSPACES = "/api/3.0/mlflow/workspaces"
CATALOG: dict[str, dict[str, Any]] = {
    "default": {"description": "default, as tinyws sees it"},
    "plug-alpha": {
        "description": "Alpha, from tinyws",
        "default_artifact_root": "mlflow-artifacts:/tiny/alpha",
    },
    "plug-beta": {"description": "Beta, from tinyws"},
}


@dataclass(frozen=True)
class PluginServer:
    server: AtriumProcess
    catalog: Path
    backend_uri: str

    def get(self, path: str, workspace: str | None = None) -> httpx.Response:
        return httpx.get(f"{self.server.url}{path}", headers=_header(workspace))

    def post(self, path: str, body: dict[str, Any], workspace: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.server.url}{path}", json=body, headers=_header(workspace))


def _header(workspace: str | None) -> dict[str, str]:
    return {"X-MLFLOW-WORKSPACE": workspace} if workspace else {}


def install_plugin(site: Path) -> None:
    """Put ``tinyws`` and its distribution metadata where ``importlib.metadata`` finds them."""
    site.mkdir(parents=True)
    shutil.copy(FIXTURES / "tinyws.py", site / "tinyws.py")
    dist_info = site / "tinyws-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(METADATA)
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginServer]:
    workdir = tmp_path_factory.mktemp("ws-plugin")
    site = workdir / "site"
    install_plugin(site)
    catalog = workdir / "catalog.json"
    catalog.write_text(json.dumps(CATALOG))
    uri = f"sqlite:///{workdir / 'atrium.db'}"
    assert run_atrium("db", "upgrade", uri).returncode == 0
    sqlite_execute(uri, "INSERT INTO workspaces (name, description) VALUES ('sql-only', 'SQL')")
    pythonpath = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = server_env({"PYTHONPATH": pythonpath, "TINYWS_CATALOG": str(catalog)})
    with AtriumProcess(
        backend_store_uri=uri,
        artifacts_destination=workdir / "artifacts",
        extra_args=["--enable-workspaces", "--workspace-store-uri", "tinyws://whatever"],
        env=env,
        log_path=workdir / "server.log",
    ) as server:
        yield PluginServer(server, catalog, uri)


def _sql_workspace_names(uri: str) -> list[str]:
    with sqlite3.connect(sqlite_path(uri)) as conn:
        names = [str(row[0]) for row in conn.execute("SELECT name FROM workspaces ORDER BY 1")]
    conn.close()
    return names


def test_listing_and_getting_come_from_the_plugin(plugin: PluginServer) -> None:
    listing = plugin.get(WORKSPACES)
    assert listing.status_code == 200, listing.text
    names = [w["name"] for w in listing.json()["workspaces"]]
    # (plug-gamma may exist: another test here creates it)
    assert [n for n in names if n != "plug-gamma"] == ["default", "plug-alpha", "plug-beta"]
    alpha = plugin.get(f"{WORKSPACES}/plug-alpha")
    assert alpha.status_code == 200, alpha.text
    assert alpha.json()["workspace"] == {
        "name": "plug-alpha",
        "description": "Alpha, from tinyws",
        "default_artifact_root": "mlflow-artifacts:/tiny/alpha",
    }
    unknown = plugin.get(f"{WORKSPACES}/sql-only")
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_request_header_is_resolved_by_the_plugin(plugin: PluginServer) -> None:
    created = plugin.post(
        "/api/2.0/mlflow/experiments/create", {"name": "alpha-experiment"}, "plug-alpha"
    )
    assert created.status_code == 200, created.text
    experiment_id = created.json()["experiment_id"]
    got = plugin.get(f"/api/2.0/mlflow/experiments/get?experiment_id={experiment_id}", "plug-alpha")
    assert got.status_code == 200, got.text
    # The plug-in's artifact root for the workspace is used, without a workspaces/ prefix.
    assert got.json()["experiment"]["artifact_location"] == (
        f"mlflow-artifacts:/tiny/alpha/{experiment_id}"
    )
    beta = plugin.post("/api/2.0/mlflow/experiments/search", {"max_results": 10}, "plug-beta")
    assert beta.status_code == 200, beta.text
    assert beta.json().get("experiments", []) == []

    for stranger in ("sql-only", "nowhere"):
        refused = plugin.post("/api/2.0/mlflow/experiments/search", {"max_results": 10}, stranger)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
        assert f"Workspace '{stranger}' not found" in refused.json()["message"]


def test_creation_reaches_the_plugin_and_unsupported_operations_are_feature_disabled(
    plugin: PluginServer,
) -> None:
    body = {"name": "plug-gamma", "description": "made over REST"}
    created = plugin.post(WORKSPACES, body)
    assert created.status_code == 201, created.text
    assert created.json()["workspace"] == body
    stored = json.loads(plugin.catalog.read_text())
    assert stored["plug-gamma"]["created_by"] == "tinyws"
    assert stored["plug-gamma"]["description"] == "made over REST"
    assert "plug-gamma" not in _sql_workspace_names(plugin.backend_uri)
    usable = plugin.post("/api/2.0/mlflow/experiments/search", {"max_results": 10}, "plug-gamma")
    assert usable.status_code == 200, usable.text

    before = plugin.catalog.read_text()
    update = httpx.patch(
        f"{plugin.server.url}{WORKSPACES}/plug-gamma", json={"description": "changed"}
    )
    delete = httpx.delete(f"{plugin.server.url}{WORKSPACES}/plug-gamma")
    for response, operation in ((update, "updates"), (delete, "deletion")):
        assert response.status_code == 500, response.text
        assert response.json()["error_code"] == "FEATURE_DISABLED"
        assert response.json()["message"] == (
            f"Workspace {operation} is not supported by this provider"
        )
    assert plugin.catalog.read_text() == before
    assert plugin.get(f"{WORKSPACES}/plug-gamma").json()["workspace"]["description"] == (
        "made over REST"
    )


def test_a_plugin_that_fails_to_load_is_skipped(tmp_path: Path) -> None:
    """MLflow warns about a plug-in it cannot load and skips it: its scheme is unsupported."""
    site = tmp_path / "site"
    dist_info = site / "brokenws-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(METADATA.replace("tinyws", "brokenws"))
    (dist_info / "entry_points.txt").write_text(
        "[atrium.workspace_provider]\nbrokenws = brokenws_is_not_installed:build\n"
    )
    port = free_port()
    result = run_atrium(
        "server",
        "--backend-store-uri",
        f"sqlite:///{tmp_path / 'a.db'}",
        "--port",
        str(port),
        "--enable-workspaces",
        "--workspace-store-uri",
        "brokenws://x",
        env=server_env({"PYTHONPATH": str(site)}),
    )
    line = error_line(result)
    assert not port_is_bound(port)
    assert "unsupported URI 'brokenws://x'" in line, line
