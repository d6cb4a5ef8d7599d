"""Every API route, asked from workspace B about a resource owned by workspace A, finds nothing.

``PROBES`` maps each mounted ``/api/2.0`` and ``/api/3.0`` route to the requests that prove it:

* ``missing``: the request naming A's resource answers 404 RESOURCE_DOES_NOT_EXIST, and the
  same request naming ids that never existed gets the same status, code and message (ids
  aside), so B cannot even tell that A's resource exists;
* ``empty``: a search or listing answers 200 without A's rows, exactly as for a missing id;
* ``refused``: an artifact path naming A's workspace is refused with 400 before storage is
  touched (research note §4.2);
* ``custom``: routes that create by name (the same name is a separate resource in B), the
  unimplemented multipart routes and the global routes (server-info, the workspace catalog).

After every probe, all of A's database rows and artifact files must be exactly as before; after
all probes of a scenario, A read back through its own workspace must be as when it was built.
``test_every_mounted_route_has_a_probe`` fails when a route is mounted without an entry here,
so a new endpoint cannot ship without a cross-workspace test.

Scenarios: B=another workspace and B=``default`` against A=a workspace, B=a workspace against
A=``default``, and the ``/ajax-api`` twins of every route.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import (
    WORKSPACES,
    Api,
    WorkspaceClients,
    WorkspaceServer,
    create_workspace,
    unique,
    workspace_name,
)
from tests.support.inprocess import RouteKey, mounted_routes, route_keys

API_PREFIXES = ("/api/2.0/", "/api/3.0/")
T = "/api/2.0/mlflow"
EXP, RUNS, METRICS = f"{T}/experiments", f"{T}/runs", f"{T}/metrics"
LM, RM, MV = f"{T}/logged-models", f"{T}/registered-models", f"{T}/model-versions"
ART, MPU = "/api/2.0/mlflow-artifacts/artifacts", "/api/2.0/mlflow-artifacts/mpu"
SERVER_INFO = "/api/3.0/mlflow/server-info"
PROXY = "mlflow-artifacts:/"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
INVALID = "INVALID_PARAMETER_VALUE"
WORKSPACE_KEYS = {"name", "description", "default_artifact_root", "trace_archival_config"}


# --- the world: what A owns, what B owns, and ids that never existed ----------------------


@dataclass(frozen=True)
class Ids:
    """The identifiers a request can name; A's real ones, or look-alikes that never existed."""

    experiment_id: str
    experiment_name: str
    run_id: str
    logged_model_id: str
    model_name: str
    artifact_dir: str  # the run's artifact folder as its artifact_uri spells it
    registry_dir: str  # the registered version's copy, as its download URI spells it

    @property
    def unprefixed(self) -> str:
        """The run folder relative to a workspace's area (the usual client spelling)."""
        return f"{self.experiment_id}/{self.run_id}/artifacts"

    def substitute(self, text: str, by: Ids) -> str:
        """``text`` with each of these identifiers replaced by the same field of ``by``.

        Used on answers about never-existing ids, whose values are long and unique, so the
        replacement cannot hit anything else."""
        for name in ("run_id", "logged_model_id", "model_name", "experiment_name", "experiment_id"):
            text = text.replace(getattr(self, name), getattr(by, name))
        return text


@dataclass(frozen=True)
class Own:
    """Resources of the requesting workspace B, for requests that mix B's and A's ids."""

    experiment_id: str
    run_id: str
    model_name: str


@dataclass
class Scenario:
    label: str
    owner: str
    requester: str
    prefix: str  # "/api" or "/ajax-api": which twin of every route is exercised
    server: WorkspaceServer
    owner_api: Api
    api: Api
    ids: Ids
    missing: Ids
    own: Own
    spare_experiment: str  # A's names reserved for the create-by-name probes
    spare_model: str
    baseline: dict[str, Any] = field(default_factory=dict)  # read through A's own workspace
    state: dict[str, Any] = field(default_factory=dict)  # A's rows and files, after the last probe

    def url(self, path: str) -> str:
        return self.prefix + path.removeprefix("/api") if path.startswith("/api/") else path


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    params: dict[str, Any] | None = None
    body: Any = None
    content: bytes | None = None


def send(s: Scenario, req: Req) -> httpx.Response:
    """Send ``req`` from the requesting workspace, through the scenario's route twin."""
    client = s.api.http
    url = s.url(req.path)
    if req.content is not None:
        return client.request(req.method, url, content=req.content)
    if req.body is not None:
        return client.request(req.method, url, json=req.body, params=req.params)
    return client.request(req.method, url, params=req.params)


def _put_file(api: Api, path: str, data: bytes) -> None:
    response = api.http.put(f"{ART}/{path}", content=data)
    assert response.status_code == 200, response.text


def _build_owner(api: Api) -> tuple[Ids, str, str]:
    experiment_name = unique("iso-exp")
    experiment_id = api.create_experiment(experiment_name)
    api.ok(
        "POST",
        f"{EXP}/set-experiment-tag",
        {"experiment_id": experiment_id, "key": "exp-tag", "value": "v"},
    )
    run = api.create_run(experiment_id)["info"]
    run_id = str(run["run_id"])
    metrics = [
        {"key": "loss", "value": 0.5 - step / 10, "timestamp": 1, "step": step} for step in (0, 1)
    ]
    api.ok(
        "POST",
        f"{RUNS}/log-batch",
        {
            "run_id": run_id,
            "metrics": metrics,
            "params": [{"key": "p1", "value": "v"}],
            "tags": [{"key": "t1", "value": "v"}],
        },
    )
    logged = api.ok(
        "POST",
        LM,
        {
            "experiment_id": experiment_id,
            "source_run_id": run_id,
            "tags": [{"key": "lm-tag", "value": "v"}],
            "params": [{"key": "lp", "value": "v"}],
        },
    )["model"]["info"]["model_id"]
    artifact_dir = str(run["artifact_uri"]).removeprefix(PROXY)
    _put_file(api, f"{artifact_dir}/data/f.txt", b"owner data")
    _put_file(api, f"{artifact_dir}/model/MLmodel", b"flavors: {}\n")
    model_name = unique("iso-model")
    api.ok("POST", f"{RM}/create", {"name": model_name, "tags": [{"key": "rm-tag", "value": "v"}]})
    version = api.ok(
        "POST",
        f"{MV}/create",
        {
            "name": model_name,
            "source": f"runs:/{run_id}/model",
            "run_id": run_id,
            "tags": [{"key": "mv-tag", "value": "v"}],
        },
    )["model_version"]
    assert version["status"] == "READY", version
    api.ok("POST", f"{RM}/alias", {"name": model_name, "alias": "champion", "version": "1"})
    uri = api.ok("GET", f"{MV}/get-download-uri", name=model_name, version="1")["artifact_uri"]
    spare_experiment, spare_model = unique("iso-spare-exp"), unique("iso-spare-model")
    api.create_experiment(spare_experiment)
    api.ok("POST", f"{RM}/create", {"name": spare_model})
    ids = Ids(
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        run_id=run_id,
        logged_model_id=str(logged),
        model_name=model_name,
        artifact_dir=artifact_dir,
        registry_dir=str(uri).removeprefix(PROXY),
    )
    return ids, spare_experiment, spare_model


def _build_own(api: Api) -> Own:
    experiment_id = api.create_experiment(unique("iso-own"))
    run_id = str(api.create_run(experiment_id)["info"]["run_id"])
    model_name = unique("iso-own-model")
    api.ok("POST", f"{RM}/create", {"name": model_name})
    return Own(experiment_id, run_id, model_name)


def _missing_ids(ids: Ids, owner: str) -> Ids:
    experiment_id = str(900_000_000 + uuid.uuid4().int % 1_000_000)
    run_id = uuid.uuid4().hex
    return Ids(
        experiment_id=experiment_id,
        experiment_name=unique("never-exp"),
        run_id=run_id,
        logged_model_id=f"m-{uuid.uuid4().hex}",
        model_name=unique("never-model"),
        artifact_dir=f"workspaces/{owner}/{experiment_id}/{run_id}/artifacts",
        registry_dir=re.sub(r"[0-9a-f]{12}$", uuid.uuid4().hex[:12], ids.registry_dir),
    )


def _tree(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def owner_state(s: Scenario) -> dict[str, Any]:
    """Every database row and artifact file of A (cheap enough to take after every probe)."""
    return {
        "rows": s.server.workspace_rows(s.owner),
        "run_files": _tree(s.server.artifacts / s.ids.artifact_dir),
        "registry_files": _tree(s.server.artifacts / s.ids.registry_dir),
    }


def take_snapshot(s: Scenario) -> dict[str, Any]:
    """Everything of A's, read back through A's own workspace, its rows and its files."""
    a, ids = s.owner_api, s.ids
    return {
        "experiment": a.ok("GET", f"{EXP}/get", experiment_id=ids.experiment_id),
        "spare_experiment": a.ok("GET", f"{EXP}/get-by-name", experiment_name=s.spare_experiment),
        "run": a.ok("GET", f"{RUNS}/get", run_id=ids.run_id),
        "history": a.ok("GET", f"{METRICS}/get-history", run_id=ids.run_id, metric_key="loss"),
        "logged_model": a.ok("GET", f"{LM}/{ids.logged_model_id}"),
        "model": a.ok("GET", f"{RM}/get", name=ids.model_name),
        "spare_model": a.ok("GET", f"{RM}/get", name=s.spare_model),
        "version": a.ok("GET", f"{MV}/get", name=ids.model_name, version="1"),
        "alias": a.ok("GET", f"{RM}/alias", name=ids.model_name, alias="champion"),
        "runs": a.ok("POST", f"{RUNS}/search", {"experiment_ids": [ids.experiment_id]}),
        "workspace": a.ok("GET", f"{WORKSPACES}/{s.owner}"),
        "rows": s.server.owned_rows(s.owner),
        "run_files": _tree(s.server.artifacts / ids.artifact_dir),
        "registry_files": _tree(s.server.artifacts / ids.registry_dir),
    }


# --- the kinds of check ------------------------------------------------------------------

Build = Callable[[Ids, Own], Req]
Check = Callable[[Scenario], None]


def _same_answer(s: Scenario, response: httpx.Response, control: httpx.Response) -> None:
    """The answer about A's ids is the answer about never-existing ids, ids aside."""
    assert response.status_code == control.status_code, (response.text, control.text)
    assert response.text == s.missing.substitute(control.text, s.ids)


def same_as_missing(build: Build, status: int, code: str) -> Check:
    """A's id and a never-existing id get the same answer (status, code and message, ids aside)."""

    def check(s: Scenario) -> None:
        response = send(s, build(s.ids, s.own))
        assert response.status_code == status, response.text
        assert response.json()["error_code"] == code, response.text
        control = send(s, build(s.missing, s.own))
        _same_answer(s, response, control)

    return check


def missing(build: Build) -> Check:
    return same_as_missing(build, 404, NOT_FOUND)


def empty(build: Build, key: str) -> Check:
    """A search naming A's resources answers 200 with no rows, as for ids that never existed."""

    def check(s: Scenario) -> None:
        response = send(s, build(s.ids, s.own))
        assert response.status_code == 200, response.text
        payload = response.json()
        assert payload.get(key, []) == [], payload
        assert set(payload) <= {key}, payload
        control = send(s, build(s.missing, s.own))
        _same_answer(s, response, control)

    return check


def refused(build: Build) -> Check:
    """An artifact path inside A's area is refused before storage is touched."""

    def check(s: Scenario) -> None:
        response = send(s, build(s.ids, s.own))
        assert response.status_code == 400, response.text
        assert response.json() == {
            "error_code": INVALID,
            "message": f"Artifact path targets workspace '{s.owner}' but the workspace "
            f"specified in the request is '{s.requester}'.",
        }

    return check


def q(method: str, route: str, /, **params: Any) -> Req:
    """A request whose arguments travel in the query string."""
    return Req(method, route, params=params)


def b(method: str, route: str, body: Any) -> Req:
    """A request whose arguments travel as a JSON body."""
    return Req(method, route, body=body)


# --- custom checks ---------------------------------------------------------------------------


def _create_experiment_by_name(s: Scenario) -> None:
    response = send(s, b("POST", f"{EXP}/create", {"name": s.spare_experiment}))
    assert response.status_code == 200, response.text
    created = response.json()["experiment_id"]
    rows = {ws: eid for eid, ws in s.server.experiment_rows(s.spare_experiment)}
    assert rows[s.requester] == created
    assert rows[s.owner] != created
    again = send(s, b("POST", f"{EXP}/create", {"name": s.spare_experiment}))
    assert again.status_code == 400 and again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


def _create_model_by_name(s: Scenario) -> None:
    response = send(s, b("POST", f"{RM}/create", {"name": s.spare_model, "description": "b"}))
    assert response.status_code == 200, response.text
    assert sorted(s.server.model_workspaces(s.spare_model)) == sorted([s.owner, s.requester])
    mine = send(s, q("GET", f"{RM}/get", name=s.spare_model)).json()["registered_model"]
    assert mine["description"] == "b"


def _experiment_search_has_no_owner_rows(method: str) -> Check:
    def check(s: Scenario) -> None:
        for view in ("ACTIVE_ONLY", "ALL"):
            if method == "GET":
                req = q("GET", f"{EXP}/search", view_type=view, max_results=50000)
            else:
                req = b("POST", f"{EXP}/search", {"view_type": view, "max_results": 50000})
            response = send(s, req)
            assert response.status_code == 200, response.text
            found = response.json().get("experiments", [])
            assert {e["workspace"] for e in found} <= {s.requester}
            ids = {e["experiment_id"] for e in found}
            assert s.ids.experiment_id not in ids
            assert s.own.experiment_id in ids

    return check


def _register_from(source: Callable[[Ids], str]) -> Build:
    """Register a version of B's own model from a source naming A's (or missing) resources."""

    def build(i: Ids, o: Own) -> Req:
        return b("POST", f"{MV}/create", {"name": o.model_name, "source": source(i)})

    return build


def _model_version_create_with_owner_sources(s: Scenario) -> None:
    """B's own model, a source inside A's workspace: refused, and nothing registered."""
    proxied = b(
        "POST",
        f"{MV}/create",
        {"name": s.own.model_name, "source": f"{PROXY}{s.ids.artifact_dir}/model"},
    )
    response = send(s, proxied)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == INVALID
    assert f"targets workspace '{s.owner}'" in response.json()["message"]
    local = str(s.server.artifacts / s.ids.artifact_dir / "model")
    response = send(s, b("POST", f"{MV}/create", {"name": s.own.model_name, "source": local}))
    assert response.status_code == 400, response.text
    sources: list[Callable[[Ids], str]] = [
        lambda i: f"runs:/{i.run_id}/model",
        lambda i: f"models:/{i.model_name}/1",
        lambda i: f"models:/{i.logged_model_id}",
    ]
    for source in sources:
        same_as_missing(_register_from(source), 400, INVALID)(s)
    versions = send(s, q("GET", f"{MV}/search", filter=f"name = '{s.own.model_name}'")).json()
    assert versions.get("model_versions", []) == []


def _registry_copy_unreachable(action: str) -> Check:
    """A's registered-version copy: a workspace's copies are refused by their prefix; the
    ``default`` workspace's legacy unprefixed copies resolve inside B's own area: missing."""

    def build(i: Ids, o: Own) -> Req:
        if action == "list":
            return q("GET", ART, path=i.registry_dir)
        return Req("GET", f"{ART}/{i.registry_dir}/MLmodel")

    def check(s: Scenario) -> None:
        if s.ids.registry_dir.startswith("workspaces/"):
            refused(build)(s)
        else:
            assert s.owner == "default", s.ids.registry_dir
            response = send(s, build(s.ids, s.own))
            assert response.status_code == (200 if action == "list" else 404), response.text
            if action == "list":
                assert response.json().get("files", []) == []

    return check


def _list_root(s: Scenario) -> None:
    """Listing the root shows exactly the requester's own area (all of it for ``default``)."""
    response = send(s, Req("GET", ART))
    assert response.status_code == 200, response.text
    names = {f["path"] for f in response.json().get("files", [])}
    area = s.server.artifacts
    if s.requester != "default":
        area = area / "workspaces" / s.requester
        assert "workspaces" not in names
    assert names == ({p.name for p in area.iterdir()} if area.exists() else set())


def _upload_unprefixed(s: Scenario) -> None:
    """The unprefixed spelling of A's folder is a folder of B's own area, never A's."""
    marker = f"put-{uuid.uuid4().hex[:8]}.txt"
    path = f"{s.ids.unprefixed}/put/{marker}"
    response = send(s, Req("PUT", f"{ART}/{path}", content=b"from b"))
    assert response.status_code == 200, response.text
    area = s.server.artifacts
    if s.requester != "default":
        area = area / "workspaces" / s.requester
    assert (area / path).read_bytes() == b"from b"
    assert [p.parent.parent for p in s.server.artifacts.rglob(marker)] == [
        (area / path).parent.parent
    ]


def _multipart_is_not_implemented(action: str) -> Check:
    """Multipart uploads are not implemented: answered before any path is used. When they are,
    this entry must become a real cross-workspace check (``refused``)."""

    def check(s: Scenario) -> None:
        for path in (s.ids.artifact_dir, s.ids.unprefixed):
            response = send(s, b("POST", f"{MPU}/{action}/{path}/big.bin", {"path": "big.bin"}))
            assert response.status_code == 501, response.text
            assert response.json()["error_code"] == "NOT_IMPLEMENTED"

    return check


def _server_info(s: Scenario) -> None:
    response = send(s, Req("GET", SERVER_INFO))
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["workspaces_enabled"] is True
    assert s.owner not in response.text and s.ids.experiment_id not in info.values()


def _workspace_catalog(s: Scenario) -> None:
    """The catalog is global metadata (no auth): it names workspaces, never their contents."""
    response = send(s, Req("GET", WORKSPACES))
    assert response.status_code == 200, response.text
    listed = response.json()["workspaces"]
    assert all(set(w) <= WORKSPACE_KEYS for w in listed)
    assert {s.owner, s.requester} <= {w["name"] for w in listed}


def _workspace_create_over_owner(s: Scenario) -> None:
    response = send(s, b("POST", WORKSPACES, {"name": s.owner, "description": "hijacked"}))
    assert response.status_code == 400, response.text
    expected = "INVALID_PARAMETER_VALUE" if s.owner == "default" else "RESOURCE_ALREADY_EXISTS"
    assert response.json()["error_code"] == expected


def _workspace_get(s: Scenario) -> None:
    response = send(s, Req("GET", f"{WORKSPACES}/{s.owner}"))
    assert response.status_code == 200, response.text
    assert set(response.json()["workspace"]) <= WORKSPACE_KEYS
    assert response.json() == s.owner_api.ok("GET", f"{WORKSPACES}/{s.owner}")


def _workspace_update(s: Scenario) -> None:
    response = send(s, b("PATCH", f"{WORKSPACES}/{s.owner}", {}))
    assert response.status_code == 400, response.text
    if s.requester != "default":
        own = b("PATCH", f"{WORKSPACES}/{s.requester}", {"description": f"probe {s.label}"})
        response = send(s, own)
        assert response.status_code == 200, response.text
        assert response.json()["workspace"]["name"] == s.requester


def _workspace_delete_owner(s: Scenario) -> None:
    response = send(s, Req("DELETE", f"{WORKSPACES}/{s.owner}"))
    if s.owner == "default":
        assert response.status_code == 400, response.text
        assert "reserved and cannot be deleted" in response.json()["message"]
    else:
        assert response.status_code == 409, response.text
        assert response.json()["error_code"] == "INVALID_STATE"


DATASET = {"dataset": {"name": "d", "digest": "x", "source_type": "local", "source": "s"}}

# --- the table: every mounted API route and how to aim it at A's resources from B -----------

PROBES: dict[RouteKey, tuple[Check, ...]] = {
    # experiments
    ("POST", f"{EXP}/create"): (_create_experiment_by_name,),
    ("GET", f"{EXP}/get"): (
        missing(lambda i, o: q("GET", f"{EXP}/get", experiment_id=i.experiment_id)),
    ),
    ("GET", f"{EXP}/get-by-name"): (
        missing(lambda i, o: q("GET", f"{EXP}/get-by-name", experiment_name=i.experiment_name)),
    ),
    ("GET", f"{EXP}/search"): (
        empty(
            lambda i, o: q(
                "GET", f"{EXP}/search", filter=f"name = '{i.experiment_name}'", view_type="ALL"
            ),
            "experiments",
        ),
        _experiment_search_has_no_owner_rows("GET"),
    ),
    ("POST", f"{EXP}/search"): (
        empty(
            lambda i, o: b(
                "POST",
                f"{EXP}/search",
                {"filter": f"name = '{i.experiment_name}'", "view_type": "ALL"},
            ),
            "experiments",
        ),
        _experiment_search_has_no_owner_rows("POST"),
    ),
    ("POST", f"{EXP}/update"): (
        missing(
            lambda i, o: b(
                "POST", f"{EXP}/update", {"experiment_id": i.experiment_id, "new_name": "hijacked"}
            )
        ),
    ),
    ("POST", f"{EXP}/delete"): (
        missing(lambda i, o: b("POST", f"{EXP}/delete", {"experiment_id": i.experiment_id})),
    ),
    ("POST", f"{EXP}/restore"): (
        missing(lambda i, o: b("POST", f"{EXP}/restore", {"experiment_id": i.experiment_id})),
    ),
    ("POST", f"{EXP}/set-experiment-tag"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{EXP}/set-experiment-tag",
                {"experiment_id": i.experiment_id, "key": "exp-tag", "value": "hijacked"},
            )
        ),
    ),
    ("POST", f"{EXP}/delete-experiment-tag"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{EXP}/delete-experiment-tag",
                {"experiment_id": i.experiment_id, "key": "exp-tag"},
            )
        ),
    ),
    # runs
    ("POST", f"{RUNS}/create"): (
        missing(
            lambda i, o: b(
                "POST", f"{RUNS}/create", {"experiment_id": i.experiment_id, "start_time": 1}
            )
        ),
    ),
    ("GET", f"{RUNS}/get"): (missing(lambda i, o: q("GET", f"{RUNS}/get", run_id=i.run_id)),),
    ("POST", f"{RUNS}/update"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/update",
                {"run_id": i.run_id, "status": "KILLED", "run_name": "hijacked"},
            )
        ),
    ),
    ("POST", f"{RUNS}/delete"): (
        missing(lambda i, o: b("POST", f"{RUNS}/delete", {"run_id": i.run_id})),
    ),
    ("POST", f"{RUNS}/restore"): (
        missing(lambda i, o: b("POST", f"{RUNS}/restore", {"run_id": i.run_id})),
    ),
    ("POST", f"{RUNS}/search"): (
        empty(
            lambda i, o: b(
                "POST",
                f"{RUNS}/search",
                {"experiment_ids": [i.experiment_id], "run_view_type": "ALL"},
            ),
            "runs",
        ),
        empty(
            lambda i, o: b(
                "POST",
                f"{RUNS}/search",
                {
                    "experiment_ids": [o.experiment_id],
                    "filter": f"attributes.run_id = '{i.run_id}'",
                },
            ),
            "runs",
        ),
    ),
    ("POST", f"{RUNS}/log-metric"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/log-metric",
                {"run_id": i.run_id, "key": "loss", "value": 9.0, "timestamp": 2, "step": 5},
            )
        ),
    ),
    ("POST", f"{RUNS}/log-parameter"): (
        missing(
            lambda i, o: b(
                "POST", f"{RUNS}/log-parameter", {"run_id": i.run_id, "key": "p2", "value": "v"}
            )
        ),
    ),
    ("POST", f"{RUNS}/log-batch"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/log-batch",
                {
                    "run_id": i.run_id,
                    "params": [{"key": "p3", "value": "v"}],
                    "tags": [{"key": "t1", "value": "hijacked"}],
                },
            )
        ),
    ),
    ("POST", f"{RUNS}/set-tag"): (
        missing(
            lambda i, o: b(
                "POST", f"{RUNS}/set-tag", {"run_id": i.run_id, "key": "t1", "value": "hijacked"}
            )
        ),
    ),
    ("POST", f"{RUNS}/delete-tag"): (
        missing(lambda i, o: b("POST", f"{RUNS}/delete-tag", {"run_id": i.run_id, "key": "t1"})),
    ),
    ("POST", f"{RUNS}/log-inputs"): (
        missing(
            lambda i, o: b(
                "POST", f"{RUNS}/log-inputs", {"run_id": i.run_id, "datasets": [DATASET]}
            )
        ),
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/log-inputs",
                {"run_id": o.run_id, "models": [{"model_id": i.logged_model_id}]},
            )
        ),
    ),
    ("POST", f"{RUNS}/outputs"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/outputs",
                {"run_id": i.run_id, "models": [{"model_id": i.logged_model_id, "step": 0}]},
            )
        ),
        missing(
            lambda i, o: b(
                "POST",
                f"{RUNS}/outputs",
                {"run_id": o.run_id, "models": [{"model_id": i.logged_model_id, "step": 0}]},
            )
        ),
    ),
    # metrics
    ("GET", f"{METRICS}/get-history"): (
        missing(
            lambda i, o: q("GET", f"{METRICS}/get-history", run_id=i.run_id, metric_key="loss")
        ),
    ),
    ("GET", f"{METRICS}/get-history-bulk-interval"): (
        missing(
            lambda i, o: q(
                "GET", f"{METRICS}/get-history-bulk-interval", run_ids=[i.run_id], metric_key="loss"
            )
        ),
        missing(
            lambda i, o: q(
                "GET",
                f"{METRICS}/get-history-bulk-interval",
                run_ids=[o.run_id, i.run_id],
                metric_key="loss",
            )
        ),
    ),
    # logged models
    ("POST", LM): (
        missing(lambda i, o: b("POST", LM, {"experiment_id": i.experiment_id})),
        missing(
            lambda i, o: b(
                "POST", LM, {"experiment_id": o.experiment_id, "source_run_id": i.run_id}
            )
        ),
    ),
    ("POST", f"{LM}/search"): (
        empty(
            lambda i, o: b("POST", f"{LM}/search", {"experiment_ids": [i.experiment_id]}), "models"
        ),
    ),
    ("GET", f"{LM}/{{model_id}}"): (
        missing(lambda i, o: q("GET", f"{LM}/{i.logged_model_id}")),
        missing(lambda i, o: q("GET", f"{LM}/{i.logged_model_id}", allow_deleted="true")),
    ),
    ("PATCH", f"{LM}/{{model_id}}"): (
        missing(
            lambda i, o: b("PATCH", f"{LM}/{i.logged_model_id}", {"status": "LOGGED_MODEL_READY"})
        ),
    ),
    ("DELETE", f"{LM}/{{model_id}}"): (
        missing(lambda i, o: Req("DELETE", f"{LM}/{i.logged_model_id}")),
    ),
    ("POST", f"{LM}/{{model_id}}/params"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{LM}/{i.logged_model_id}/params",
                {"params": [{"key": "lp2", "value": "v"}]},
            )
        ),
    ),
    ("PATCH", f"{LM}/{{model_id}}/tags"): (
        missing(
            lambda i, o: b(
                "PATCH",
                f"{LM}/{i.logged_model_id}/tags",
                {"tags": [{"key": "lm-tag", "value": "hijacked"}]},
            )
        ),
    ),
    ("DELETE", f"{LM}/{{model_id}}/tags/{{tag_key:path}}"): (
        missing(lambda i, o: Req("DELETE", f"{LM}/{i.logged_model_id}/tags/lm-tag")),
    ),
    # registered models
    ("POST", f"{RM}/create"): (_create_model_by_name,),
    ("GET", f"{RM}/get"): (missing(lambda i, o: q("GET", f"{RM}/get", name=i.model_name)),),
    ("POST", f"{RM}/rename"): (
        missing(
            lambda i, o: b(
                "POST", f"{RM}/rename", {"name": i.model_name, "new_name": unique("hijacked")}
            )
        ),
    ),
    ("PATCH", f"{RM}/update"): (
        missing(
            lambda i, o: b(
                "PATCH", f"{RM}/update", {"name": i.model_name, "description": "hijacked"}
            )
        ),
    ),
    ("DELETE", f"{RM}/delete"): (
        missing(lambda i, o: b("DELETE", f"{RM}/delete", {"name": i.model_name})),
    ),
    ("GET", f"{RM}/search"): (
        empty(
            lambda i, o: q("GET", f"{RM}/search", filter=f"name = '{i.model_name}'"),
            "registered_models",
        ),
    ),
    ("GET", f"{RM}/get-latest-versions"): (
        missing(lambda i, o: q("GET", f"{RM}/get-latest-versions", name=i.model_name)),
    ),
    ("POST", f"{RM}/get-latest-versions"): (
        missing(
            lambda i, o: b(
                "POST", f"{RM}/get-latest-versions", {"name": i.model_name, "stages": ["None"]}
            )
        ),
    ),
    ("POST", f"{RM}/set-tag"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{RM}/set-tag",
                {"name": i.model_name, "key": "rm-tag", "value": "hijacked"},
            )
        ),
    ),
    ("DELETE", f"{RM}/delete-tag"): (
        missing(
            lambda i, o: b("DELETE", f"{RM}/delete-tag", {"name": i.model_name, "key": "rm-tag"})
        ),
    ),
    ("POST", f"{RM}/alias"): (
        missing(
            lambda i, o: b(
                "POST", f"{RM}/alias", {"name": i.model_name, "alias": "champion", "version": "1"}
            )
        ),
    ),
    ("DELETE", f"{RM}/alias"): (
        missing(
            lambda i, o: b("DELETE", f"{RM}/alias", {"name": i.model_name, "alias": "champion"})
        ),
    ),
    ("GET", f"{RM}/alias"): (
        missing(lambda i, o: q("GET", f"{RM}/alias", name=i.model_name, alias="champion")),
        missing(lambda i, o: q("GET", f"{RM}/alias", name=i.model_name, alias="latest")),
    ),
    # model versions
    ("POST", f"{MV}/create"): (
        missing(
            lambda i, o: b(
                "POST", f"{MV}/create", {"name": i.model_name, "source": f"runs:/{o.run_id}/model"}
            )
        ),
        _model_version_create_with_owner_sources,
    ),
    ("GET", f"{MV}/get"): (
        missing(lambda i, o: q("GET", f"{MV}/get", name=i.model_name, version="1")),
    ),
    ("PATCH", f"{MV}/update"): (
        missing(
            lambda i, o: b(
                "PATCH",
                f"{MV}/update",
                {"name": i.model_name, "version": "1", "description": "hijacked"},
            )
        ),
    ),
    ("DELETE", f"{MV}/delete"): (
        missing(lambda i, o: b("DELETE", f"{MV}/delete", {"name": i.model_name, "version": "1"})),
    ),
    ("GET", f"{MV}/search"): (
        empty(
            lambda i, o: q("GET", f"{MV}/search", filter=f"name = '{i.model_name}'"),
            "model_versions",
        ),
        empty(
            lambda i, o: q("GET", f"{MV}/search", filter=f"run_id = '{i.run_id}'"), "model_versions"
        ),
    ),
    ("POST", f"{MV}/transition-stage"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{MV}/transition-stage",
                {
                    "name": i.model_name,
                    "version": "1",
                    "stage": "Production",
                    "archive_existing_versions": True,
                },
            )
        ),
    ),
    ("POST", f"{MV}/set-tag"): (
        missing(
            lambda i, o: b(
                "POST",
                f"{MV}/set-tag",
                {"name": i.model_name, "version": "1", "key": "mv-tag", "value": "hijacked"},
            )
        ),
    ),
    ("DELETE", f"{MV}/delete-tag"): (
        missing(
            lambda i, o: b(
                "DELETE",
                f"{MV}/delete-tag",
                {"name": i.model_name, "version": "1", "key": "mv-tag"},
            )
        ),
    ),
    ("GET", f"{MV}/get-download-uri"): (
        missing(lambda i, o: q("GET", f"{MV}/get-download-uri", name=i.model_name, version="1")),
    ),
    # proxied artifacts
    ("GET", ART): (
        refused(lambda i, o: q("GET", ART, path=f"{i.artifact_dir}/data")),
        _registry_copy_unreachable("list"),
        empty(lambda i, o: q("GET", ART, path=f"{i.unprefixed}/data"), "files"),
        _list_root,
    ),
    ("GET", f"{ART}/{{artifact_path:path}}"): (
        refused(lambda i, o: Req("GET", f"{ART}/{i.artifact_dir}/data/f.txt")),
        _registry_copy_unreachable("download"),
        missing(lambda i, o: Req("GET", f"{ART}/{i.unprefixed}/data/f.txt")),
    ),
    ("PUT", f"{ART}/{{artifact_path:path}}"): (
        refused(lambda i, o: Req("PUT", f"{ART}/{i.artifact_dir}/data/f.txt", content=b"hijacked")),
        refused(lambda i, o: Req("PUT", f"{ART}/{i.artifact_dir}/planted.txt", content=b"planted")),
        _upload_unprefixed,
    ),
    ("DELETE", f"{ART}/{{artifact_path:path}}"): (
        refused(lambda i, o: Req("DELETE", f"{ART}/{i.artifact_dir}/data/f.txt")),
        refused(lambda i, o: Req("DELETE", f"{ART}/{i.artifact_dir}")),
        missing(lambda i, o: Req("DELETE", f"{ART}/{i.unprefixed}/data/f.txt")),
    ),
    ("POST", f"{MPU}/create/{{artifact_path:path}}"): (_multipart_is_not_implemented("create"),),
    ("POST", f"{MPU}/complete/{{artifact_path:path}}"): (
        _multipart_is_not_implemented("complete"),
    ),
    ("POST", f"{MPU}/abort/{{artifact_path:path}}"): (_multipart_is_not_implemented("abort"),),
    # global routes: not tenant data, and the header grants nothing over another workspace
    ("GET", SERVER_INFO): (_server_info,),
    ("GET", WORKSPACES): (_workspace_catalog,),
    ("POST", WORKSPACES): (_workspace_create_over_owner,),
    ("GET", f"{WORKSPACES}/{{workspace_name}}"): (_workspace_get,),
    ("PATCH", f"{WORKSPACES}/{{workspace_name}}"): (_workspace_update,),
    ("DELETE", f"{WORKSPACES}/{{workspace_name}}"): (_workspace_delete_owner,),
}


# --- scenarios ---------------------------------------------------------------------------

SCENARIOS = {
    "b-reads-a": ("team", "other", "/api"),
    "default-reads-a": ("team", "default", "/api"),
    "a-reads-default": ("default", "team", "/api"),
    "ajax-b-reads-a": ("team", "other", "/ajax-api"),
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def scenario(request: pytest.FixtureRequest, ws_server: WorkspaceServer) -> Iterator[Scenario]:
    owner_kind, requester_kind, prefix = SCENARIOS[request.param]
    clients = WorkspaceClients(ws_server)
    try:
        admin = clients()
        names = {"default": "default"}
        for kind in ("team", "other"):
            names[kind] = create_workspace(admin, workspace_name(f"iso-{kind}"))
        owner, requester = names[owner_kind], names[requester_kind]
        owner_api, api = clients(owner), clients(requester)
        ids, spare_experiment, spare_model = _build_owner(owner_api)
        s = Scenario(
            label=str(request.param),
            owner=owner,
            requester=requester,
            prefix=prefix,
            server=ws_server,
            owner_api=owner_api,
            api=api,
            ids=ids,
            missing=_missing_ids(ids, owner),
            own=_build_own(api),
            spare_experiment=spare_experiment,
            spare_model=spare_model,
        )
        s.baseline = take_snapshot(s)
        s.state = owner_state(s)
        yield s
    finally:
        clients.close()


def _api_routes(keys: frozenset[RouteKey] | set[RouteKey]) -> set[RouteKey]:
    return {key for key in keys if key[1].startswith(API_PREFIXES)}


def test_every_mounted_route_has_a_probe(ws_server: WorkspaceServer) -> None:
    mounted = _api_routes(route_keys(ws_server.app.routes))
    assert mounted, "the workspace server mounts no API route"
    unprobed = sorted(mounted - set(PROBES), key=lambda k: (k[1], k[0]))
    assert not unprobed, (
        "mounted API routes without a cross-workspace probe in PROBES (add one):\n"
        + "\n".join(f"  {m:6} {p}" for m, p in unprobed)
    )
    stale = sorted(set(PROBES) - mounted)
    assert not stale, f"PROBES names routes that are not mounted: {stale}"
    # Servers started by other suites in this process mount nothing beyond these either.
    assert _api_routes(mounted_routes()) <= set(PROBES)


def test_every_ajax_twin_is_probed_through_its_api_route(ws_server: WorkspaceServer) -> None:
    twins = {
        (method, "/api/" + path.removeprefix("/ajax-api/"))
        for method, path in route_keys(ws_server.app.routes)
        if path.startswith(("/ajax-api/2.0/", "/ajax-api/3.0/"))
    }
    assert twins, "no /ajax-api routes are mounted"
    assert twins <= set(PROBES)
    assert any(prefix == "/ajax-api" for _, _, prefix in SCENARIOS.values())


ROUTES = sorted(PROBES, key=lambda key: (key[1], key[0]))


@pytest.mark.parametrize("route", ROUTES, ids=[f"{method} {path}" for method, path in ROUTES])
def test_request_from_another_workspace_cannot_reach_the_owner(
    scenario: Scenario, route: RouteKey
) -> None:
    checks = PROBES[route]
    assert checks, route
    try:
        for check in checks:
            check(scenario)
    finally:  # a failed check must not leave its changes to be blamed on the next route
        now = owner_state(scenario)
        before, scenario.state = scenario.state, now
    assert now == before, f"{route} changed the owner's rows or files"


def test_the_owner_is_unchanged_after_all_probes(scenario: Scenario) -> None:
    assert take_snapshot(scenario) == scenario.baseline
    owner_run = scenario.owner_api.ok("GET", f"{RUNS}/get", run_id=scenario.ids.run_id)["run"]
    assert owner_run["info"]["lifecycle_stage"] == "active"
    assert {t["key"]: t["value"] for t in owner_run["data"]["tags"]}["t1"] == "v"
    f = scenario.owner_api.http.get(f"{ART}/{scenario.ids.artifact_dir}/data/f.txt")
    assert f.content == b"owner data"
