"""``atrium server`` start-up with workspaces: every refusal is one ``Error:`` line, exit 1,
and no port bound; the enabling flag and variables are read as MLflow reads them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import (
    error_line,
    inprocess_api,
    port_is_bound,
    run_atrium,
    server_env,
    sqlite_execute,
)


def _refused_start(uri: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Start a server that must refuse; return its ``Error:`` line, the only line on stderr."""
    port = free_port()
    result = run_atrium("server", "--backend-store-uri", uri, "--port", str(port), *args, env=env)
    line = error_line(result)
    assert result.stderr.strip().splitlines() == [line], result.stderr
    assert not port_is_bound(port)
    assert "Uvicorn running" not in result.stdout + result.stderr
    return line


def _server_info(server: AtriumProcess) -> dict[str, object]:
    response = httpx.get(f"{server.url}/api/3.0/mlflow/server-info")
    assert response.status_code == 200, response.text
    info: dict[str, object] = response.json()
    return info


@pytest.mark.parametrize(
    ("variable", "mode"),
    [
        ("MLFLOW_WORKSPACE", "--enable-workspaces"),
        ("ATRIUM_WORKSPACE", "--disable-workspaces"),
    ],
)
def test_client_workspace_variable_in_the_server_environment_is_refused(
    tmp_path: Path, variable: str, mode: str
) -> None:
    env = server_env({variable: "team-a"})
    line = _refused_start(f"sqlite:///{tmp_path / 'a.db'}", mode, env=env)
    assert "=team-a is client-only" in line
    assert variable in line


@pytest.mark.parametrize("source", ["flag", "MLFLOW_WORKSPACE_STORE_URI"])
def test_workspace_store_uri_with_an_unknown_scheme_is_refused(tmp_path: Path, source: str) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    if source == "flag":
        line = _refused_start(uri, "--enable-workspaces", "--workspace-store-uri", "nope://x")
    else:
        env = server_env({source: "nope://x"})
        line = _refused_start(uri, "--enable-workspaces", env=env)
    assert "unsupported URI 'nope://x'" in line
    assert "Supported URI schemes are:" in line
    assert "sqlite" in line


def test_missing_default_workspace_is_refused(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    upgraded = run_atrium("db", "upgrade", uri)
    assert upgraded.returncode == 0, upgraded.stderr
    sqlite_execute(uri, "DELETE FROM workspaces WHERE name = ?", ("default",))

    line = _refused_start(uri, "--enable-workspaces")
    assert "default workspace 'default' is missing" in line

    # Whatever remedy the message names must work.
    if "atrium db upgrade" in line:
        assert run_atrium("db", "upgrade", uri).returncode == 0
        with AtriumProcess(
            backend_store_uri=uri,
            artifacts_destination=tmp_path / "artifacts",
            extra_args=["--enable-workspaces"],
            env=server_env(),
        ) as server:
            assert _server_info(server)["workspaces_enabled"] is True


@pytest.mark.parametrize("suffix", ["workspaces", "workspaces/team-a"])
def test_artifact_root_under_the_reserved_workspaces_segment_is_refused(
    tmp_path: Path, suffix: str
) -> None:
    root = f"{tmp_path}/x/{suffix}"
    line = _refused_start(
        f"sqlite:///{tmp_path / 'a.db'}", "--enable-workspaces", "--default-artifact-root", root
    )
    assert root in line
    assert "reserved 'workspaces'" in line


@pytest.mark.parametrize("resource", ["experiment", "registered_model"])
def test_disabling_with_resources_outside_default_is_refused(tmp_path: Path, resource: str) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    with inprocess_api(uri, tmp_path, enable_workspaces=True) as api:
        api.create_workspace("team-a")
        if resource == "experiment":
            api.create_experiment("team-a", "stranded-experiment")
        else:
            api.create_registered_model("team-a", "stranded-model")

    line = _refused_start(uri)
    assert line.startswith("Error: Cannot disable workspaces because")
    assert "atrium db migrate-to-default-workspace" in line
    assert "team-a" in line
    assert f"stranded-{resource.split('_')[-1]}" in line
    if resource == "experiment":  # the explicit flag is refused the same way
        line = _refused_start(uri, "--disable-workspaces")
        assert "atrium db migrate-to-default-workspace" in line


def test_workspace_store_uri_without_enabling_is_ignored_with_a_note(tmp_path: Path) -> None:
    """``MLFLOW_ENABLE_WORKSPACES=false`` does not enable; the store URI is then unused."""
    server = AtriumProcess(
        backend_store_uri=f"sqlite:///{tmp_path / 'a.db'}",
        artifacts_destination=tmp_path / "artifacts",
        extra_args=["--workspace-store-uri", "nope://x"],
        env=server_env({"MLFLOW_ENABLE_WORKSPACES": "false"}),
    )
    with server:
        assert _server_info(server)["workspaces_enabled"] is False
        listing = httpx.get(f"{server.url}/api/3.0/mlflow/workspaces")
        # MLflow answers 503 here; Atrium a JSON 404 (ENDPOINT_NOT_FOUND): either refuses.
        assert listing.status_code in (404, 503), listing.text
    assert (
        "Ignoring --workspace-store-uri because workspaces are not enabled. "
        "Use --enable-workspaces to activate workspace mode."
    ) in server.log_path.read_text()


@pytest.mark.parametrize(
    ("variables", "args", "enabled"),
    [
        ({"MLFLOW_ENABLE_WORKSPACES": "true"}, [], True),
        ({"ATRIUM_ENABLE_WORKSPACES": "true"}, ["--disable-workspaces"], False),
    ],
    ids=["mlflow-true", "flag-beats-atrium-true"],
)
def test_enabling_through_the_environment(
    tmp_path: Path, variables: dict[str, str], args: Sequence[str], enabled: bool
) -> None:
    # Only the last two segments of the root are reserved: ``.../workspaces/a/b`` is legal.
    with AtriumProcess(
        backend_store_uri=f"sqlite:///{tmp_path / 'a.db'}",
        artifacts_destination=tmp_path / "artifacts",
        default_artifact_root=f"{tmp_path}/workspaces/a/b",
        extra_args=args,
        env=server_env(variables),
    ) as server:
        assert _server_info(server)["workspaces_enabled"] is enabled
        listing = httpx.get(f"{server.url}/api/3.0/mlflow/workspaces")
        if enabled:
            assert listing.status_code == 200, listing.text
            assert [w["name"] for w in listing.json()["workspaces"]] == ["default"]
        else:
            assert listing.status_code in (404, 503), listing.text


def test_an_invalid_boolean_for_mlflow_enable_workspaces_is_a_one_line_error(
    tmp_path: Path,
) -> None:
    """MLflow accepts only true/false/1/0 there and refuses to start otherwise."""
    env = server_env({"MLFLOW_ENABLE_WORKSPACES": "maybe"})
    line = _refused_start(f"sqlite:///{tmp_path / 'a.db'}", env=env)
    assert "MLFLOW_ENABLE_WORKSPACES" in line
