"""Proxied artifacts with workspaces (research note §4.2) and registry copies per workspace.

In a non-default workspace every proxy path is confined to ``<dest>/workspaces/<ws>/``: an
unprefixed path is stored there, the prefixed spelling reaches the same file, and a path naming
another workspace is refused with 400 before storage is touched. ``default`` keeps the legacy
unprefixed layout and may also address ``workspaces/default/...``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (
    ARTIFACTS,
    Api,
    WorkspaceClients,
    WorkspaceServer,
    create_workspace,
    unique,
)

RM = "/api/2.0/mlflow/registered-models"
MV = "/api/2.0/mlflow/model-versions"
PROXY = "mlflow-artifacts:/"
SECRET = b"top secret bytes of team a"


@dataclass(frozen=True)
class Team:
    name: str
    api: Api
    experiment_id: str
    run_id: str

    @property
    def run_path(self) -> str:
        """The run's artifact folder as a client names it: unprefixed, relative to its area."""
        return f"{self.experiment_id}/{self.run_id}/artifacts"

    @property
    def prefixed(self) -> str:
        """The same folder as the run's ``artifact_uri`` spells it."""
        return f"workspaces/{self.name}/{self.run_path}"


def _team(api: Api, name: str) -> Team:
    experiment_id = api.create_experiment()
    run = api.create_run(experiment_id)["info"]
    team = Team(name, api, experiment_id, str(run["run_id"]))
    assert run["artifact_uri"] == f"{PROXY}{team.prefixed}"
    return team


@pytest.fixture()
def team_a(ws_admin: Api, ws_clients: WorkspaceClients) -> Team:
    name = create_workspace(ws_admin)
    return _team(ws_clients(name), name)


@pytest.fixture()
def team_b(ws_admin: Api, ws_clients: WorkspaceClients) -> Team:
    name = create_workspace(ws_admin)
    return _team(ws_clients(name), name)


@pytest.fixture()
def default_team(ws_admin: Api) -> Team:
    return _team(ws_admin, "default")


def _put(api: Api, path: str, data: bytes) -> Any:
    return api.http.put(f"{ARTIFACTS}/{path}", content=data)


def _ok_put(api: Api, path: str, data: bytes) -> None:
    response = _put(api, path, data)
    assert response.status_code == 200, response.text


def _listing(api: Api, path: str | None) -> dict[str, bool]:
    params = {"path": path} if path is not None else {}
    response = api.http.get(ARTIFACTS, params=params)
    assert response.status_code == 200, response.text
    return {f["path"]: f["is_dir"] for f in response.json().get("files", [])}


def _tree(root: Path) -> dict[str, str]:
    """Every file below ``root``: relative path → digest of its bytes."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _refused(response: Any, fragment: str) -> None:
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error_code"] == "INVALID_PARAMETER_VALUE"
    assert fragment in payload["message"], payload


def _targets(other: str, requester: str) -> str:
    return (
        f"Artifact path targets workspace '{other}' but the workspace specified in the request "
        f"is '{requester}'."
    )


# --- layout on disk -----------------------------------------------------------------------


def test_unprefixed_upload_in_a_workspace_lands_in_its_area(
    ws_server: WorkspaceServer, team_a: Team
) -> None:
    _ok_put(team_a.api, f"{team_a.run_path}/f.txt", b"hello")
    on_disk = ws_server.artifacts / "workspaces" / team_a.name / team_a.run_path / "f.txt"
    assert on_disk.read_bytes() == b"hello"
    assert not (ws_server.artifacts / team_a.run_path).exists()
    for path in (team_a.run_path, team_a.prefixed):
        response = team_a.api.http.get(f"{ARTIFACTS}/{path}/f.txt")
        assert response.status_code == 200, response.text
        assert response.content == b"hello"
        assert _listing(team_a.api, path) == {"f.txt": False}


def test_prefixed_upload_lands_in_the_same_place(ws_server: WorkspaceServer, team_a: Team) -> None:
    _ok_put(team_a.api, f"{team_a.prefixed}/g.txt", b"prefixed")
    on_disk = ws_server.artifacts / "workspaces" / team_a.name / team_a.run_path / "g.txt"
    assert on_disk.read_bytes() == b"prefixed"
    assert team_a.api.http.get(f"{ARTIFACTS}/{team_a.run_path}/g.txt").content == b"prefixed"


def test_missing_file_error_shows_the_confined_path(team_a: Team) -> None:
    response = team_a.api.http.get(f"{ARTIFACTS}/hello-{uuid.uuid4().hex}.txt")
    assert response.status_code == 404, response.text
    payload = response.json()
    assert payload["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert f"workspaces/{team_a.name}/hello-" in payload["message"]


def test_listing_the_root_in_a_workspace_shows_only_its_own_area(
    team_a: Team, team_b: Team
) -> None:
    _ok_put(team_a.api, f"{team_a.run_path}/a.txt", b"a")
    _ok_put(team_b.api, f"{team_b.run_path}/b.txt", b"b")
    assert _listing(team_a.api, None) == {team_a.experiment_id: True}
    assert _listing(team_b.api, None) == {team_b.experiment_id: True}
    assert _listing(team_a.api, f"workspaces/{team_a.name}") == {team_a.experiment_id: True}


def test_default_keeps_the_legacy_unprefixed_layout(
    ws_server: WorkspaceServer, ws_admin: Api, ws_clients: WorkspaceClients
) -> None:
    folder = unique("legacy")
    _ok_put(ws_admin, f"{folder}/file.txt", b"legacy bytes")
    assert (ws_server.artifacts / folder / "file.txt").read_bytes() == b"legacy bytes"
    for api in (ws_admin, ws_clients("default")):
        assert api.http.get(f"{ARTIFACTS}/{folder}/file.txt").content == b"legacy bytes"
        assert _listing(api, folder) == {"file.txt": False}
    assert _listing(ws_admin, None)[folder] is True


def test_default_may_address_its_own_prefixed_area(
    ws_server: WorkspaceServer, default_team: Team
) -> None:
    assert default_team.prefixed.startswith("workspaces/default/")
    _ok_put(default_team.api, f"{default_team.prefixed}/d.txt", b"default")
    on_disk = ws_server.artifacts / default_team.prefixed / "d.txt"
    assert on_disk.read_bytes() == b"default"
    assert _listing(default_team.api, default_team.prefixed) == {"d.txt": False}


# --- paths naming another workspace ---------------------------------------------------------


@pytest.mark.parametrize("requester", ["team_b", "default_team"])
def test_a_path_naming_another_workspace_is_refused_and_nothing_is_touched(
    ws_server: WorkspaceServer, team_a: Team, requester: str, request: pytest.FixtureRequest
) -> None:
    other: Team = request.getfixturevalue(requester)
    _ok_put(team_a.api, f"{team_a.run_path}/secret.txt", b"secret")
    before = _tree(ws_server.artifacts / "workspaces" / team_a.name)
    message = _targets(team_a.name, other.name)
    target = f"{team_a.prefixed}/secret.txt"
    api = other.api

    _refused(api.http.get(f"{ARTIFACTS}/{target}"), message)
    _refused(api.http.get(ARTIFACTS, params={"path": team_a.prefixed}), message)
    _refused(api.http.get(ARTIFACTS, params={"path": f"workspaces/{team_a.name}"}), message)
    _refused(_put(api, target, b"overwritten"), message)
    _refused(_put(api, f"{team_a.prefixed}/planted.txt", b"planted"), message)
    _refused(api.http.delete(f"{ARTIFACTS}/{target}"), message)
    _refused(api.http.delete(f"{ARTIFACTS}/workspaces/{team_a.name}"), message)
    _refused(api.http.get(ARTIFACTS, params={"path": "workspaces"}), "must include a workspace")

    assert _tree(ws_server.artifacts / "workspaces" / team_a.name) == before
    assert not list(ws_server.artifacts.rglob("planted.txt"))
    assert team_a.api.http.get(f"{ARTIFACTS}/{target}").content == b"secret"


def test_the_same_relative_path_in_another_workspace_is_a_different_file(
    ws_server: WorkspaceServer, team_a: Team, team_b: Team
) -> None:
    path = f"{team_a.run_path}/same.txt"
    _ok_put(team_a.api, path, b"from a")
    response = team_b.api.http.get(f"{ARTIFACTS}/{path}")
    assert response.status_code == 404, response.text
    _ok_put(team_b.api, path, b"from b")
    assert team_a.api.http.get(f"{ARTIFACTS}/{path}").content == b"from a"
    assert team_b.api.http.get(f"{ARTIFACTS}/{path}").content == b"from b"
    assert team_b.api.http.delete(f"{ARTIFACTS}/{path}").status_code == 200
    assert team_a.api.http.get(f"{ARTIFACTS}/{path}").content == b"from a"
    b_copy = ws_server.artifacts / "workspaces" / team_b.name / path
    assert not b_copy.exists()


# --- registry copies ---------------------------------------------------------------------


def _register(team: Team, source: str | None = None) -> tuple[str, dict[str, Any]]:
    # The client writes where the run's artifact_uri points (in ``default`` the unprefixed
    # spelling is the legacy layout, a different place).
    _ok_put(team.api, f"{team.prefixed}/model/MLmodel", b"flavors: {}\n")
    _ok_put(team.api, f"{team.prefixed}/model/data/weights.bin", b"\x00\x01")
    name = unique("model")
    team.api.ok("POST", f"{RM}/create", {"name": name})
    body = {"name": name, "source": source or f"runs:/{team.run_id}/model"}
    version: dict[str, Any] = team.api.ok("POST", f"{MV}/create", body)["model_version"]
    return name, version


def test_version_copies_of_a_workspace_live_in_its_registry_area(
    ws_server: WorkspaceServer, team_a: Team, team_b: Team, default_team: Team
) -> None:
    name, version = _register(team_a)
    assert version["status"] == "READY", version
    uri = team_a.api.ok("GET", f"{MV}/get-download-uri", name=name, version="1")["artifact_uri"]
    prefix = f"{PROXY}workspaces/{team_a.name}/_registry/"
    assert uri.startswith(prefix), uri
    key = uri.removeprefix(PROXY)
    assert (ws_server.artifacts / key / "MLmodel").read_bytes() == b"flavors: {}\n"
    assert team_a.api.http.get(f"{ARTIFACTS}/{key}/MLmodel").content == b"flavors: {}\n"
    before = _tree(ws_server.artifacts / key)
    for other in (team_b, default_team):
        _refused(
            other.api.http.get(f"{ARTIFACTS}/{key}/MLmodel"), _targets(team_a.name, other.name)
        )
        _refused(other.api.http.get(ARTIFACTS, params={"path": key}), "targets workspace")
    # Clients cannot write into registry-owned copies, not even their own.
    response = _put(team_a.api, f"{key}/MLmodel", b"tampered")
    assert response.status_code == 400, response.text
    assert _tree(ws_server.artifacts / key) == before


def test_default_version_copies_keep_the_legacy_layout(default_team: Team) -> None:
    name, version = _register(default_team)
    assert version["status"] == "READY", version.get("status_message")
    uri = default_team.api.ok("GET", f"{MV}/get-download-uri", name=name, version="1")[
        "artifact_uri"
    ]
    assert uri.startswith(f"{PROXY}_registry/"), uri


def _no_version_created(team: Team, name: str) -> None:
    found = team.api.ok("GET", f"{MV}/search", filter=f"name = '{name}'")
    assert found.get("model_versions", []) == []


@pytest.mark.parametrize("requester", ["team_a", "default_team"])
def test_a_source_in_another_workspace_is_refused(
    ws_server: WorkspaceServer, team_b: Team, requester: str, request: pytest.FixtureRequest
) -> None:
    team: Team = request.getfixturevalue(requester)
    b_model, _ = _register(team_b)
    b_logged = team_b.api.ok(
        "POST", "/api/2.0/mlflow/logged-models", {"experiment_id": team_b.experiment_id}
    )["model"]["info"]["model_id"]
    name = unique("thief")
    team.api.ok("POST", f"{RM}/create", {"name": name})
    b_disk = ws_server.artifacts / "workspaces" / team_b.name / team_b.run_path / "model"
    sources = [
        f"{PROXY}{team_b.prefixed}/model",
        f"runs:/{team_b.run_id}/model",
        f"models:/{b_model}/1",
        f"models:/{b_logged}",
        str(b_disk),
    ]
    for source in sources:
        response = team.api.call("POST", f"{MV}/create", {"name": name, "source": source})
        assert response.status_code in (400, 404), (source, response.text)
        assert response.json()["error_code"] in (
            "INVALID_PARAMETER_VALUE",
            "RESOURCE_DOES_NOT_EXIST",
        ), source
    _no_version_created(team, name)
    assert not list((ws_server.artifacts / "workspaces").glob(f"{team.name}/_registry/*"))


def test_registry_copies_survive_deleting_the_workspace_area(
    ws_server: WorkspaceServer, team_a: Team
) -> None:
    """Version copies are immutable: deleting a folder above them must not remove them."""
    name, version = _register(team_a)
    assert version["status"] == "READY", version.get("status_message")
    uri = team_a.api.ok("GET", f"{MV}/get-download-uri", name=name, version="1")["artifact_uri"]
    key = uri.removeprefix(PROXY)
    before = _tree(ws_server.artifacts / key)
    assert before
    for path in (f"workspaces/{team_a.name}", f"workspaces/{team_a.name}/_registry", ""):
        response = team_a.api.http.delete(f"{ARTIFACTS}/{path}")
        assert response.status_code < 500, response.text
    assert _tree(ws_server.artifacts / key) == before
    assert team_a.api.http.get(f"{ARTIFACTS}/{key}/MLmodel").content == b"flavors: {}\n"


def test_path_tricks_cannot_reach_another_workspace(
    ws_server: WorkspaceServer, team_a: Team, team_b: Team
) -> None:
    _ok_put(team_a.api, f"{team_a.run_path}/secret.txt", SECRET)
    rest = f"{team_a.run_path}/secret.txt"
    tricks = [
        f"workspaces/{team_b.name}/../{team_a.name}/{rest}",
        f"./workspaces/{team_a.name}/{rest}",
        f"workspaces//{team_a.name}/{rest}",
        f"workspaces/./{team_a.name}/{rest}",
        f"workspaces%2F{team_a.name}%2F{rest}",
        f"{team_b.run_path}/../../../../workspaces/{team_a.name}/{rest}",
        f"%2e%2e/{team_a.name}/{rest}",
        f"..%2F..%2Fworkspaces%2F{team_a.name}%2F{rest}",
        f"workspaces\\{team_a.name}\\{rest}",
        f"WORKSPACES/{team_a.name}/{rest}",
        f"/workspaces/{team_a.name}/{rest}",
    ]
    for path in tricks:
        response = team_b.api.http.get(f"{ARTIFACTS}/{path}")
        assert response.status_code in (400, 404), (path, response.text)
        assert SECRET not in response.content, path
        listing = team_b.api.http.get(ARTIFACTS, params={"path": path.rsplit("/", 1)[0]})
        assert listing.status_code in (200, 400, 404), (path, listing.text)
        assert "secret.txt" not in listing.text, path
        upload = _put(team_b.api, path, b"planted")
        assert upload.status_code in (200, 400, 404), (path, upload.text)
    area = ws_server.artifacts / "workspaces" / team_a.name
    assert _tree(area) == {f"{team_a.run_path}/secret.txt": hashlib.sha256(SECRET).hexdigest()}
