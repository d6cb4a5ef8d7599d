"""Who may do what with workspaces on: members, non-members, workspace admins, per-user grants.

Raw HTTP against ``--app-name basic-auth --enable-workspaces`` servers on both backends
(acceptance scenarios 51-63 and 65 of the workspace research note). Each test makes its own
workspaces and users; non-admins sign in with access tokens. Every refusal is checked to have
changed nothing and to say nothing beyond ``Permission denied`` (or the reference's 400).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.auth_helpers import (
    API,
    API3,
    ROLES,
    USER_PERMISSIONS,
    WORKSPACES,
    AuthClient,
    AuthServer,
    Person,
    Site,
    admin_token,
    assert_denied,
    unique_name,
)

EXPERIMENTS = f"{API}/experiments"
RUNS = f"{API}/runs"
RM = f"{API}/registered-models"
MV = f"{API}/model-versions"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
CURRENT_PERMISSIONS = f"{API3}/users/current/permissions"
PROXY = "mlflow-artifacts:/"
MODEL_FILES = {"MLmodel": b"flavors:\n  python_function: {}\n", "data/w.bin": b"\x00\x01\x02"}
UNKNOWN_PERMISSION = (
    "Invalid permission 'FOO'. Valid permissions are: "
    "('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS', 'DENY')"
)


def error(response: httpx.Response, status: int, code: str, message: str | None = None) -> str:
    """An MLflow JSON error with this status and code (and message, when given)."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error_code", "message"}, body
    assert body["error_code"] == code, body
    if message is not None:
        assert body["message"] == message
    return str(body["message"])


def listed(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The rows of a search answer (an empty answer may omit the list)."""
    assert set(body) <= {key, "next_page_token"}, body
    rows: list[dict[str, Any]] = body.get(key, [])
    return rows


def experiment_names(client: AuthClient, **body: Any) -> list[str]:
    found = client.ok("POST", f"{EXPERIMENTS}/search", body)
    return [e["name"] for e in listed(found, "experiments")]


def model_names(client: AuthClient) -> list[str]:
    found = client.ok("GET", f"{RM}/search")
    return sorted(m["name"] for m in listed(found, "registered_models"))


def version_names(client: AuthClient) -> list[tuple[str, str]]:
    found = client.ok("GET", f"{MV}/search")
    return sorted((v["name"], v["version"]) for v in listed(found, "model_versions"))


def workspace_names(client: AuthClient) -> list[str] | None:
    """The listed workspaces; None for the empty answer ``{}``."""
    found = client.ok("GET", WORKSPACES)
    if found == {}:
        return None
    return [w["name"] for w in found["workspaces"]]


def create_experiment(client: AuthClient, name: str | None = None) -> tuple[str, str]:
    name = name or unique_name("exp")
    return client.create_experiment(name), name


def get_experiment(client: AuthClient, experiment_id: str) -> httpx.Response:
    return client.call("GET", f"{EXPERIMENTS}/get", {"experiment_id": experiment_id})


def experiment_named(site: Site, workspace: str | None, name: str) -> dict[str, Any] | None:
    response = site.admin(workspace).call(
        "GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": name}
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["experiment"]
    return found


def run_in(client: AuthClient, experiment_id: str) -> str:
    run = client.ok("POST", f"{RUNS}/create", {"experiment_id": experiment_id, "start_time": 1})
    return str(run["run"]["info"]["run_id"])


def run_path(client: AuthClient, run_id: str) -> str:
    """The run's artifact folder as the proxy names it (``workspaces/<ws>/<exp>/<run>/...``)."""
    uri = str(client.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]["info"]["artifact_uri"])
    assert uri.startswith(PROXY), uri
    return uri.removeprefix(PROXY).strip("/")


def upload_model(client: AuthClient, run_id: str) -> str:
    """Model files under the run's ``model`` folder; returns the ``runs:/`` source."""
    root = run_path(client, run_id)
    for rel, data in MODEL_FILES.items():
        put = client.http.put(f"{ARTIFACTS}/{root}/model/{rel}", content=data)
        assert put.status_code == 200, put.text
    return f"runs:/{run_id}/model"


def create_version(client: AuthClient, name: str, source: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "source": source, **extra}
    version: dict[str, Any] = client.ok("POST", f"{MV}/create", body)["model_version"]
    deadline = time.monotonic() + 20
    while version["status"] == "PENDING_REGISTRATION":
        assert time.monotonic() < deadline, version
        time.sleep(0.05)
        version = client.ok("GET", f"{MV}/get", name=name, version=version["version"])[
            "model_version"
        ]
    assert version["status"] == "READY", version
    return version


def grant_body(person: Person, resource_type: str, resource_id: str, level: str) -> Any:
    return {
        "username": person.username,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "permission": level,
    }


def role_rows(site: Site, workspace: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """``(name, [(type, pattern, level)])`` of every role of ``workspace``, by name."""
    return sorted(
        (
            role["name"],
            [
                (p["resource_type"], p["resource_pattern"], p["permission"])
                for p in role["permissions"]
            ],
        )
        for role in site.roles(workspace)
    )


@pytest.fixture()
def site(auth_site: Site) -> Site:
    return auth_site


# --------------------------------------------------------------------------------------------
# Workspace lifecycle (§8.51-53, 62)


def test_only_super_admins_create_workspaces_and_new_ones_get_seeded_roles(site: Site) -> None:
    team = site.team()
    workspace_admin = site.person("wsadmin", team.admin_role)
    member = site.person("member", team.user_role)
    outsider = site.person("outsider")
    name = unique_name("team")
    for person in (workspace_admin, member, outsider):
        assert_denied(site.as_(person).call("POST", WORKSPACES, {"name": name}))
        assert_denied(site.as_(person, team.name).call("POST", WORKSPACES, {"name": name}))
    error(
        site.admin().call("GET", f"{WORKSPACES}/{name}"),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        f"Workspace '{name}' not found",
    )

    roles = sorted(site.roles(team.name), key=lambda r: r["name"])
    assert [(r["name"], r["workspace"]) for r in roles] == [
        ("admin", team.name),
        ("user", team.name),
    ]
    admin_role, user_role = roles
    assert admin_role["description"] == "Full MANAGE authority over the workspace."
    assert isinstance(user_role["description"], str) and user_role["description"]
    for role, level in ((admin_role, "MANAGE"), (user_role, "USE")):
        (grant,) = role["permissions"]
        assert set(grant) == {"id", "role_id", "resource_type", "resource_pattern", "permission"}
        assert (grant["role_id"], grant["resource_type"], grant["resource_pattern"]) == (
            role["id"],
            "workspace",
            "*",
        )
        assert grant["permission"] == level
    # The creator (the super admin) holds neither; `default` gets no seeded roles.
    for role in roles:
        users = site.admin().ok("GET", f"{ROLES}/users/list", role_id=str(role["id"]))
        holders = {a["user_id"] for a in users.get("assignments", [])}
        assert holders == ({workspace_admin.user_id} if role is admin_role else {member.user_id})
    assert [r for r in site.roles("default") if not r["name"].startswith("__user_")] == []


def test_workspace_list_shows_workspaces_with_a_role_only(site: Site) -> None:
    team, other = site.team(), site.team()
    bob = site.person("bob")
    as_bob = site.as_(bob)
    assert workspace_names(as_bob) is None  # the reference's `{}`
    site.assign(bob.username, team.user_role)
    assert workspace_names(as_bob) == [team.name]
    # Any ordinary role counts, even one without permissions.
    empty = site.admin().ok("POST", f"{ROLES}/create", {"workspace": other.name, "name": "idle"})
    assert empty["role"]["permissions"] == []
    site.assign(bob.username, empty["role"]["id"])
    assert workspace_names(as_bob) == sorted([team.name, other.name])
    unassign = {"username": bob.username, "role_id": team.user_role}
    assert site.admin().ok("DELETE", f"{ROLES}/unassign", unassign) == {}
    assert workspace_names(as_bob) == [other.name]
    # Per-resource grants alone do not make a workspace visible.
    experiment_id, _ = create_experiment(site.admin(team.name))
    site.grant(team.name, bob.username, "experiment", experiment_id, "READ")
    assert get_experiment(site.as_(bob, team.name), experiment_id).status_code == 200
    assert workspace_names(as_bob) == [other.name]


def test_non_admins_never_change_workspaces_and_only_members_read_them(site: Site) -> None:
    team = site.team(description="before")
    member = site.person("member", team.user_role)
    workspace_admin = site.person("wsadmin", team.admin_role)
    outsider = site.person("outsider")
    for person in (member, workspace_admin, outsider):
        client = site.as_(person, team.name)
        path = f"{WORKSPACES}/{team.name}"
        assert_denied(client.call("PATCH", path, {"description": "changed"}))
        assert_denied(client.call("DELETE", path))
        assert_denied(client.call("DELETE", path, params={"mode": "CASCADE"}))
    for person in (member, workspace_admin):
        got = site.as_(person).ok("GET", f"{WORKSPACES}/{team.name}")
        assert got == {"workspace": {"name": team.name, "description": "before"}}
    for path in (team.name, unique_name("nope"), "default"):
        # A workspace the caller does not see is refused, existing or not: nothing leaks.
        assert_denied(site.as_(outsider).call("GET", f"{WORKSPACES}/{path}"))
    assert_denied(site.as_(member).call("GET", f"{WORKSPACES}/default"))
    kept = site.admin().ok("GET", f"{WORKSPACES}/{team.name}")
    assert kept == {"workspace": {"name": team.name, "description": "before"}}
    assert {r["name"] for r in site.roles(team.name)} == {"admin", "user"}


def test_deleting_a_workspace_removes_its_roles_and_recreating_seeds_new_ones(
    site: Site,
) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    create_experiment(site.as_(alice, team.name))  # gives alice a per-user role there
    assert len(site.roles(team.name)) == 3
    # A delete that fails (the workspace still holds resources) leaves the roles alone.
    refused = site.admin().call("DELETE", f"{WORKSPACES}/{team.name}")
    error(refused, 409, "INVALID_STATE")
    assert len(site.roles(team.name)) == 3
    assert workspace_names(site.as_(alice)) == [team.name]

    deleted = site.admin().call("DELETE", f"{WORKSPACES}/{team.name}", params={"mode": "CASCADE"})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert site.admin().ok("GET", f"{ROLES}/list", workspace=team.name) == {"roles": []}
    assert site.as_(alice).ok("GET", CURRENT_PERMISSIONS) == {"is_admin": False, "permissions": []}
    assert workspace_names(site.as_(alice)) is None

    recreated = site.admin().call("POST", WORKSPACES, {"name": team.name})
    assert recreated.status_code == 201, recreated.text
    assert role_rows(site, team.name) == [
        ("admin", [("workspace", "*", "MANAGE")]),
        ("user", [("workspace", "*", "USE")]),
    ]
    # Fresh roles: nobody holds them (SQLite may hand out the freed ids again).
    for role in site.roles(team.name):
        users = site.admin().ok("GET", f"{ROLES}/users/list", role_id=str(role["id"]))
        assert users.get("assignments", []) == []
    # Nothing carried over: alice is no member of the new workspace.
    assert workspace_names(site.as_(alice)) is None
    name = unique_name("after")
    assert_denied(site.as_(alice, team.name).call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    assert experiment_named(site, team.name, name) is None


# --------------------------------------------------------------------------------------------
# Experiments: members, non-members, owners (§8.54-57, 61)


def test_member_creates_and_manages_own_experiments_but_only_lists_others(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    theirs, their_name = create_experiment(site.admin(team.name), unique_name("a-theirs"))
    as_alice = site.as_(alice, team.name)
    mine, my_name = create_experiment(as_alice, unique_name("b-mine"))

    permissions = as_alice.ok("GET", CURRENT_PERMISSIONS)
    assert permissions["is_admin"] is False
    assert sorted(permissions["permissions"], key=lambda p: p["role_id"]) == [
        {
            "role_id": team.user_role,
            "role_name": "user",
            "workspace": team.name,
            "resource_type": "workspace",
            "resource_pattern": "*",
            "permission": "USE",
        },
        {
            "role_id": permissions["permissions"][-1]["role_id"],
            "role_name": f"__user_{alice.user_id}__",
            "workspace": team.name,
            "resource_type": "experiment",
            "resource_pattern": mine,
            "permission": "MANAGE",
        },
    ]
    assert site.permissions_of(alice.username) == permissions["permissions"]

    # Listed, but not readable on point routes (the reference's deliberate inconsistency).
    assert experiment_names(as_alice, order_by=["name ASC"]) == [their_name, my_name]
    for method, path, body in [
        ("GET", f"{EXPERIMENTS}/get", {"experiment_id": theirs}),
        ("GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": their_name}),
        ("POST", f"{EXPERIMENTS}/update", {"experiment_id": theirs, "new_name": "stolen"}),
        ("POST", f"{EXPERIMENTS}/set-experiment-tag", {"experiment_id": theirs, "key": "k"}),
        ("POST", f"{EXPERIMENTS}/delete", {"experiment_id": theirs}),
        ("POST", f"{RUNS}/create", {"experiment_id": theirs}),
    ]:
        assert_denied(as_alice.call(method, path, body))
    their_experiment = experiment_named(site, team.name, their_name)
    assert their_experiment is not None and their_experiment["lifecycle_stage"] == "active"
    assert their_experiment["tags"] == []

    assert get_experiment(as_alice, mine).json()["experiment"]["name"] == my_name
    renamed = unique_name("b-renamed")
    update = {"experiment_id": mine, "new_name": renamed}
    assert as_alice.ok("POST", f"{EXPERIMENTS}/update", update) == {}
    assert get_experiment(as_alice, mine).json()["experiment"]["name"] == renamed

    # Without a role in `default`, alice cannot create there.
    elsewhere = unique_name("default-exp")
    assert_denied(site.as_(alice).call("POST", f"{EXPERIMENTS}/create", {"name": elsewhere}))
    assert experiment_named(site, None, elsewhere) is None


def test_non_member_sees_nothing_of_a_workspace_and_cannot_create_in_it(site: Site) -> None:
    team = site.team()
    bob = site.person("bob")
    admin = site.admin(team.name)
    experiment_id, experiment_name = create_experiment(admin)
    run_id = run_in(admin, experiment_id)
    model = unique_name("model")
    admin.ok("POST", f"{RM}/create", {"name": model})
    as_bob = site.as_(bob, team.name)

    assert experiment_names(as_bob) == []
    assert model_names(as_bob) == []
    assert version_names(as_bob) == []
    runs = as_bob.ok("POST", f"{RUNS}/search", {"experiment_ids": [experiment_id]})
    assert listed(runs, "runs") == []
    assert workspace_names(site.as_(bob)) is None
    for method, path, body in [
        ("GET", f"{EXPERIMENTS}/get", {"experiment_id": experiment_id}),
        ("GET", f"{EXPERIMENTS}/get", {"experiment_id": "987654321"}),  # same answer
        ("GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": experiment_name}),
        ("GET", f"{RUNS}/get", {"run_id": run_id}),
        ("GET", f"{RM}/get", {"name": model}),
        ("GET", f"{RM}/get", {"name": unique_name("missing")}),
        ("POST", f"{EXPERIMENTS}/create", {"name": "bob-was-here"}),
        ("POST", f"{RM}/create", {"name": "bob-was-here"}),
    ]:
        assert_denied(as_bob.call(method, path, body))
    assert experiment_named(site, team.name, "bob-was-here") is None
    assert admin.call("GET", f"{RM}/get", {"name": "bob-was-here"}).status_code == 404


def test_owner_grants_and_revokes_read_on_an_experiment(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    theirs, _ = create_experiment(site.admin(team.name))
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, my_name = create_experiment(as_alice)
    assert_denied(get_experiment(as_bob, mine))

    grant = grant_body(bob, "experiment", mine, "READ")
    assert as_alice.ok("POST", f"{USER_PERMISSIONS}/grant", grant) == {}
    assert get_experiment(as_bob, mine).json()["experiment"]["name"] == my_name
    assert experiment_names(as_bob) == [my_name]
    assert workspace_names(site.as_(bob)) is None
    assert_denied(
        as_bob.call("POST", f"{EXPERIMENTS}/update", {"experiment_id": mine, "new_name": "x"})
    )
    # READ is not MANAGE: bob can neither widen his own grant nor grab the admin's experiment.
    for experiment_id in (mine, theirs):
        escalate = grant_body(bob, "experiment", experiment_id, "MANAGE")
        assert_denied(as_bob.call("POST", f"{USER_PERMISSIONS}/grant", escalate))
    revoke_other = {"username": alice.username, "resource_type": "experiment", "resource_id": mine}
    assert_denied(as_bob.call("POST", f"{USER_PERMISSIONS}/revoke", revoke_other))
    assert [
        (p["resource_pattern"], p["permission"]) for p in site.permissions_of(bob.username)
    ] == [(mine, "READ")]
    assert get_experiment(as_alice, mine).status_code == 200

    revoke = {"username": bob.username, "resource_type": "experiment", "resource_id": mine}
    assert as_alice.ok("POST", f"{USER_PERMISSIONS}/revoke", revoke) == {}
    assert_denied(get_experiment(as_bob, mine))
    assert experiment_names(as_bob) == []
    assert site.permissions_of(bob.username) == []
    error(
        as_alice.call("POST", f"{USER_PERMISSIONS}/revoke", revoke), 404, "RESOURCE_DOES_NOT_EXIST"
    )


def test_per_user_grant_input_is_validated_with_the_reference_messages(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    mine, _ = create_experiment(site.as_(alice, team.name))
    workspace_message = (
        "resource_type 'workspace' is not supported by the per-user permission convenience APIs."
    )
    no_permissions = (
        "Invalid permission 'NO_PERMISSIONS' for resource_type='experiment'. Resource-level "
        "grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE')."
    )
    wildcard_only = (
        "Invalid resource_pattern 'abc' for resource_type='run'. This resource type supports "
        "only wildcard ('*') grants."
    )
    for client in (site.admin(team.name), site.as_(alice, team.name)):
        grant = f"{USER_PERMISSIONS}/grant"
        for resource_id in (mine, "*"):
            body = grant_body(bob, "workspace", resource_id, "USE")
            message = error(client.call("POST", grant, body), 400, "INVALID_PARAMETER_VALUE")
            assert message.startswith(workspace_message), message
        body = grant_body(bob, "experiment", mine, "NO_PERMISSIONS")
        error(client.call("POST", grant, body), 400, "INVALID_PARAMETER_VALUE", no_permissions)
        body = grant_body(bob, "experiment", mine, "FOO")
        error(client.call("POST", grant, body), 400, "INVALID_PARAMETER_VALUE", UNKNOWN_PERMISSION)
    admin = site.admin(team.name)
    body = grant_body(bob, "run", "abc", "READ")
    error(
        admin.call("POST", f"{USER_PERMISSIONS}/grant", body),
        400,
        "INVALID_PARAMETER_VALUE",
        wildcard_only,
    )
    ref = {"username": bob.username, "resource_type": "workspace", "resource_id": "*"}
    for method, path in [("POST", "revoke"), ("GET", "get")]:
        response = admin.call(method, f"{USER_PERMISSIONS}/{path}", ref)
        assert error(response, 400, "INVALID_PARAMETER_VALUE").startswith(workspace_message)
    assert site.permissions_of(bob.username) == []
    assert get_experiment(site.as_(bob, team.name), mine).status_code == 403


def test_permission_lookup_by_admin_self_and_workspace_admin(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    dave = site.person("dave", team.user_role)
    carol = site.person("carol", team.admin_role)
    bob = site.person("bob")
    mine, _ = create_experiment(site.as_(alice, team.name))
    site.grant(team.name, bob.username, "experiment", mine, "READ")

    def lookup(client: AuthClient, person: Person, experiment_id: str) -> httpx.Response:
        params = {
            "username": person.username,
            "resource_type": "experiment",
            "resource_id": experiment_id,
        }
        return client.call("GET", f"{USER_PERMISSIONS}/get", params=params)

    admin = site.admin(team.name)
    for person, experiment_id, expected in [
        (alice, mine, {"allowed": True, "permission": "MANAGE"}),
        (dave, mine, {"allowed": False, "permission": "NO_PERMISSIONS"}),
        (bob, mine, {"allowed": False, "permission": "READ"}),
        (carol, mine, {"allowed": True, "permission": "MANAGE"}),  # workspace admin
        (alice, "987654321", {"allowed": False, "permission": "NO_PERMISSIONS"}),
    ]:
        response = lookup(admin, person, experiment_id)
        assert (response.status_code, response.json()) == (200, expected), person
    # Oneself, or a workspace admin of the request workspace; nobody else.
    assert lookup(site.as_(dave, team.name), dave, mine).json() == {
        "allowed": False,
        "permission": "NO_PERMISSIONS",
    }
    assert lookup(site.as_(carol, team.name), alice, mine).json()["permission"] == "MANAGE"
    assert_denied(lookup(site.as_(dave, team.name), alice, mine))
    assert_denied(lookup(site.as_(bob, team.name), alice, mine))


def test_workspace_admin_manages_the_workspace_and_nothing_else(site: Site) -> None:
    team, other = site.team(), site.team()
    carol = site.person("carol", team.admin_role)
    eve = site.person("eve")
    theirs, _ = create_experiment(site.admin(team.name))
    as_carol = site.as_(carol, team.name)

    assert get_experiment(as_carol, theirs).status_code == 200
    renamed = unique_name("by-carol")
    as_carol.ok("POST", f"{EXPERIMENTS}/update", {"experiment_id": theirs, "new_name": renamed})
    assert get_experiment(site.admin(team.name), theirs).json()["experiment"]["name"] == renamed
    # A workspace admin is checked before any DENY.
    site.grant(team.name, carol.username, "experiment", theirs, "DENY")
    assert get_experiment(as_carol, theirs).status_code == 200

    created = as_carol.ok("POST", f"{ROLES}/create", {"workspace": team.name, "name": "ops"})
    ops = created["role"]
    assert {k: v for k, v in ops.items() if k != "id"} == {
        "name": "ops",
        "workspace": team.name,
        "description": None,
        "permissions": [],
    }
    bad = {"role_id": ops["id"], "resource_type": "workspace", "resource_pattern": "*"}
    for level in ("READ", "EDIT"):
        error(
            as_carol.call("POST", f"{ROLES}/permissions/add", {**bad, "permission": level}),
            400,
            "INVALID_PARAMETER_VALUE",
            f"Invalid permission '{level}' for resource_type='workspace'. Workspace-wide grants "
            "accept only: ('MANAGE', 'USE').",
        )
    added = as_carol.ok(
        "POST",
        f"{ROLES}/permissions/add",
        {**bad, "resource_type": "experiment", "permission": "READ"},
    )["role_permission"]
    assert (added["role_id"], added["resource_type"], added["permission"]) == (
        ops["id"],
        "experiment",
        "READ",
    )
    assert as_carol.ok("POST", f"{ROLES}/assign", {"username": eve.username, "role_id": ops["id"]})
    assert get_experiment(site.as_(eve, team.name), theirs).status_code == 200
    # A wildcard per-user grant in the workspace the caller administers.
    wildcard = grant_body(eve, "registered_model", "*", "READ")
    assert as_carol.ok("POST", f"{USER_PERMISSIONS}/grant", wildcard) == {}

    # Another workspace: nothing.
    before = role_rows(site, other.name)
    as_carol_other = site.as_(carol, other.name)
    assert_denied(as_carol.call("POST", f"{ROLES}/create", {"workspace": other.name, "name": "x"}))
    assert_denied(as_carol_other.call("POST", f"{USER_PERMISSIONS}/grant", wildcard))
    for role_id in (other.admin_role, other.user_role):
        assign = {"username": carol.username, "role_id": role_id}
        assert_denied(as_carol.call("POST", f"{ROLES}/assign", assign))
        add = {**bad, "role_id": role_id, "permission": "MANAGE"}
        assert_denied(as_carol.call("POST", f"{ROLES}/permissions/add", add))
    assert_denied(as_carol.call("GET", f"{ROLES}/list"))
    assert_denied(as_carol.call("GET", f"{ROLES}/list", params={"workspace": other.name}))
    assert role_rows(site, other.name) == before
    assert workspace_names(site.as_(carol)) == [team.name]
    assert [p["workspace"] for p in site.permissions_of(eve.username)] == [team.name, team.name]


def test_workspace_admin_sees_users_rows_of_their_workspace_only(site: Site) -> None:
    team, other = site.team(), site.team()
    carol = site.person("carol", team.admin_role)
    alice = site.person("alice", team.user_role, other.user_role)
    bob = site.person("bob")
    create_experiment(site.as_(alice, team.name))
    create_experiment(site.as_(alice, other.name))
    assert {p["workspace"] for p in site.permissions_of(alice.username)} == {team.name, other.name}

    as_carol = site.as_(carol, team.name)
    listed_permissions = as_carol.ok("GET", f"{USER_PERMISSIONS}/list", username=alice.username)
    assert listed_permissions["is_admin"] is False
    assert sorted(
        (p["workspace"], p["resource_type"], p["permission"])
        for p in listed_permissions["permissions"]
    ) == [(team.name, "experiment", "MANAGE"), (team.name, "workspace", "USE")]
    roles = as_carol.ok("GET", f"{API3}/users/roles/list", username=alice.username)["roles"]
    assert {r["workspace"] for r in roles} == {team.name}
    # Members and their own rows: yes; someone else's: no.
    as_alice = site.as_(alice, team.name)
    own = as_alice.ok("GET", f"{USER_PERMISSIONS}/list", username=alice.username)
    assert {p["workspace"] for p in own["permissions"]} == {team.name, other.name}
    for username in (carol.username, bob.username):
        assert_denied(as_alice.call("GET", f"{USER_PERMISSIONS}/list", {"username": username}))
        assert_denied(as_alice.call("GET", f"{API3}/users/roles/list", {"username": username}))
    # Listing users: anyone who may create in the request workspace; creating: workspace admins.
    assert alice.username in {
        u["username"] for u in as_alice.ok("GET", f"{API}/users/list")["users"]
    }
    assert_denied(site.as_(bob, team.name).call("GET", f"{API}/users/list"))
    name = unique_name("svc")
    assert_denied(as_alice.call("POST", f"{API}/users/create", {"username": name, "service": True}))
    created = as_carol.ok("POST", f"{API}/users/create", {"username": name, "service": True})
    assert (created["user"]["username"], created["user"]["is_admin"]) == (name, False)


def test_cross_workspace_access_by_id(site: Site) -> None:
    team, other = site.team(), site.team()
    alice = site.person("alice", team.user_role, other.user_role)
    mine, _ = create_experiment(site.as_(alice, team.name))
    assert get_experiment(site.as_(alice, team.name), mine).status_code == 200
    for workspace in (other.name, None, "default"):
        assert_denied(get_experiment(site.as_(alice, workspace), mine))
        update = {"experiment_id": mine, "new_name": "moved"}
        assert_denied(site.as_(alice, workspace).call("POST", f"{EXPERIMENTS}/update", update))
        error(
            get_experiment(site.admin(workspace), mine),
            404,
            "RESOURCE_DOES_NOT_EXIST",
            f"No Experiment with id={mine} exists",
        )
    assert get_experiment(site.admin(team.name), mine).json()["experiment"]["name"] != "moved"


# --------------------------------------------------------------------------------------------
# Searches: hidden rows never show, pages are still full


def _pages(
    client: AuthClient, method: str, path: str, key: str, body: dict[str, Any]
) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        request = {**body, **({"page_token": token} if token else {})}
        if method == "GET":
            found = client.ok("GET", path, None, **{k: str(v) for k, v in request.items()})
        else:
            found = client.ok(method, path, request)
        rows = listed(found, key)
        pages.append([row["name"] for row in rows])
        token = found.get("next_page_token")
        if not token:
            return pages
        assert len(pages) < 20


def test_search_pages_are_filled_when_many_rows_are_hidden(site: Site) -> None:
    team = site.team()
    admin = site.admin(team.name)
    prefix = unique_name("page")
    names = [f"{prefix}-{i:02d}" for i in range(9)]
    ids = [create_experiment(admin, name)[0] for name in names]
    models = [f"{prefix}-m{i}" for i in range(5)]
    for model in models:
        admin.ok("POST", f"{RM}/create", {"name": model})

    reader = site.person("reader")  # READ on a few rows only
    for i in (1, 4, 5, 8):
        site.grant(team.name, reader.username, "experiment", ids[i], "READ")
    for i in (0, 3):
        site.grant(team.name, reader.username, "registered_model", models[i], "READ")
    member = site.person("member", team.user_role)  # everything but the denied rows
    for i in (0, 2, 3, 6, 7):
        site.grant(team.name, member.username, "experiment", ids[i], "DENY")
    for i in (1, 2, 4):
        site.grant(team.name, member.username, "registered_model", models[i], "DENY")

    query = {"filter": f"name LIKE '{prefix}-%'", "order_by": ["name ASC"], "max_results": 2}
    shown = [names[i] for i in (1, 4, 5, 8)]
    for person in (reader, member):
        pages = _pages(
            site.as_(person, team.name), "POST", f"{EXPERIMENTS}/search", "experiments", query
        )
        assert [n for page in pages for n in page] == shown, pages
        assert [len(page) for page in pages[:2]] == [2, 2], pages
        assert all(page == [] for page in pages[2:]), pages
    model_query = {"filter": f"name LIKE '{prefix}-m%'", "max_results": 1}
    for person in (reader, member):
        pages = _pages(
            site.as_(person, team.name), "GET", f"{RM}/search", "registered_models", model_query
        )
        assert sorted(n for page in pages for n in page) == [models[0], models[3]], pages
        assert [len(page) for page in pages[:2]] == [1, 1], pages
        assert all(page == [] for page in pages[2:]), pages
    # Point reads agree with the lists.
    as_member = site.as_(member, team.name)
    assert_denied(get_experiment(as_member, ids[0]))
    assert_denied(as_member.call("GET", f"{RM}/get", {"name": models[1]}))


def test_deny_grants_hide_rows_refuse_point_reads_and_veto_creation(site: Site) -> None:
    team = site.team()
    dave = site.person("dave", team.user_role)
    admin = site.admin(team.name)
    hidden, hidden_name = create_experiment(admin, unique_name("hidden"))
    _, shown_name = create_experiment(admin, unique_name("shown"))
    model = unique_name("model")
    admin.ok("POST", f"{RM}/create", {"name": model})
    as_dave = site.as_(dave, team.name)
    assert set(experiment_names(as_dave)) == {hidden_name, shown_name}
    assert model_names(as_dave) == [model]

    site.grant(team.name, dave.username, "experiment", hidden, "DENY")
    site.grant(team.name, dave.username, "registered_model", model, "DENY")
    assert experiment_names(as_dave) == [shown_name]
    assert model_names(as_dave) == []
    assert all(name != model for name, _ in version_names(as_dave))
    assert_denied(get_experiment(as_dave, hidden))
    assert_denied(
        as_dave.call("GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": hidden_name})
    )
    assert_denied(as_dave.call("GET", f"{RM}/get", {"name": model}))
    # The owner's MANAGE does not lift a DENY either.
    mine, my_name = create_experiment(as_dave)
    site.grant(team.name, dave.username, "experiment", mine, "DENY")
    assert_denied(get_experiment(as_dave, mine))
    assert my_name not in experiment_names(as_dave)

    # A DENY on the type's wildcard: nothing listed, nothing created.
    site.grant(team.name, dave.username, "experiment", "*", "DENY")
    assert experiment_names(as_dave) == []
    name = unique_name("vetoed")
    assert_denied(as_dave.call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    assert experiment_named(site, team.name, name) is None
    # Registered models are still creatable (the DENY is on experiments).
    assert as_dave.ok("POST", f"{RM}/create", {"name": name})["registered_model"]["name"] == name


# --------------------------------------------------------------------------------------------
# Runs, artifacts, registered models and versions


def test_runs_owner_logs_and_reader_only_reads(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    run_id = run_in(as_alice, mine)
    metric = {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": 1, "step": 0}
    assert as_alice.ok("POST", f"{RUNS}/log-metric", metric) == {}
    assert_denied(as_bob.call("GET", f"{RUNS}/get", {"run_id": run_id}))

    as_alice.ok("POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "experiment", mine, "READ"))
    run = as_bob.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]
    assert [(m["key"], m["value"]) for m in run["data"]["metrics"]] == [("loss", 0.5)]
    found = as_bob.ok("POST", f"{RUNS}/search", {"experiment_ids": [mine]})
    assert [r["info"]["run_id"] for r in listed(found, "runs")] == [run_id]
    history = as_bob.ok("GET", f"{API}/metrics/get-history", run_id=run_id, metric_key="loss")
    assert [m["value"] for m in history["metrics"]] == [0.5]
    for method, path, body in [
        ("POST", f"{RUNS}/log-metric", {**metric, "value": 9.0, "step": 1}),
        ("POST", f"{RUNS}/log-parameter", {"run_id": run_id, "key": "p", "value": "v"}),
        ("POST", f"{RUNS}/set-tag", {"run_id": run_id, "key": "t", "value": "v"}),
        ("POST", f"{RUNS}/update", {"run_id": run_id, "status": "FAILED"}),
        ("POST", f"{RUNS}/delete", {"run_id": run_id}),
        ("POST", f"{RUNS}/create", {"experiment_id": mine}),
    ]:
        assert_denied(as_bob.call(method, path, body))
    after = as_alice.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]
    assert [(m["key"], m["value"]) for m in after["data"]["metrics"]] == [("loss", 0.5)]
    assert after["data"].get("params", []) == []
    assert "t" not in {t["key"] for t in after["data"].get("tags", [])}
    assert after["info"]["lifecycle_stage"] == "active"
    assert after["info"]["status"] == run["info"]["status"]
    runs = as_alice.ok("POST", f"{RUNS}/search", {"experiment_ids": [mine]})
    assert len(listed(runs, "runs")) == 1


def test_artifact_proxy_reads_for_readers_writes_for_owners(site: Site) -> None:
    team, other = site.team(), site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    outsider = site.person("outsider", other.user_role)
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    run_id = run_in(as_alice, mine)
    short = f"{mine}/{run_id}/artifacts"
    prefixed = run_path(as_alice, run_id)
    assert prefixed == f"workspaces/{team.name}/{short}"
    assert as_alice.http.put(f"{ARTIFACTS}/{short}/x.txt", content=b"alice").status_code == 200
    as_alice.ok("POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "experiment", mine, "READ"))

    for path in (short, prefixed):
        got = as_bob.http.get(f"{ARTIFACTS}/{path}/x.txt")
        assert (got.status_code, got.content) == (200, b"alice")
        files = as_bob.ok("GET", ARTIFACTS, {"path": path})["files"]
        assert [(f["path"], f["is_dir"]) for f in files] == [("x.txt", False)]
    assert_denied(as_bob.http.put(f"{ARTIFACTS}/{short}/y.txt", content=b"bob"))
    assert_denied(as_bob.http.put(f"{ARTIFACTS}/{short}/x.txt", content=b"overwritten"))
    assert_denied(as_bob.http.delete(f"{ARTIFACTS}/{short}/x.txt"))
    # Someone else's workspace, under its name or this one's: refused either way.
    as_outsider = site.as_(outsider, other.name)
    assert_denied(as_outsider.http.get(f"{ARTIFACTS}/{prefixed}/x.txt"))
    assert_denied(site.as_(outsider, team.name).http.get(f"{ARTIFACTS}/{short}/x.txt"))
    assert_denied(as_outsider.http.put(f"{ARTIFACTS}/{short}/z.txt", content=b"z"))

    admin = site.admin(team.name)
    assert admin.http.get(f"{ARTIFACTS}/{short}/x.txt").content == b"alice"
    assert admin.http.get(f"{ARTIFACTS}/{short}/y.txt").status_code == 404
    listing = admin.ok("GET", ARTIFACTS, {"path": short})["files"]
    assert [f["path"] for f in listing] == ["x.txt"]


def test_registered_models_and_versions(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    dave = site.person("dave", team.user_role)
    bob = site.person("bob")
    as_alice, as_dave, as_bob = (site.as_(p, team.name) for p in (alice, dave, bob))
    mine, _ = create_experiment(as_alice)
    source = upload_model(as_alice, run_in(as_alice, mine))
    model = unique_name("model")
    assert as_alice.ok("POST", f"{RM}/create", {"name": model})["registered_model"]["name"] == model
    assert (model, "MANAGE") in {
        (p["resource_pattern"], p["permission"])
        for p in site.permissions_of(alice.username)
        if p["resource_type"] == "registered_model"
    }
    version = create_version(as_alice, model, source)
    assert version["version"] == "1"
    ref = {"name": model, "version": "1"}
    assert as_alice.ok("GET", f"{MV}/get", **ref)["model_version"]["source"] == source
    assert as_alice.ok("GET", f"{MV}/get-download-uri", **ref)["artifact_uri"]

    # A member lists it but cannot read or add to it; a non-member sees nothing.
    assert model in model_names(as_dave)
    assert (model, "1") in version_names(as_dave)
    assert_denied(as_dave.call("GET", f"{RM}/get", {"name": model}))
    assert_denied(as_dave.call("POST", f"{MV}/create", {"name": model, "source": source}))
    assert model_names(as_bob) == [] and version_names(as_bob) == []
    for method, path, body in [
        ("GET", f"{RM}/get", {"name": model}),
        ("GET", f"{MV}/get", ref),
        ("GET", f"{MV}/get-download-uri", ref),
        ("POST", f"{RM}/create", {"name": unique_name("bob")}),
    ]:
        assert_denied(as_bob.call(method, path, body))

    # READ for bob: reads, never writes.
    as_alice.ok(
        "POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "registered_model", model, "READ")
    )
    assert as_bob.ok("GET", f"{RM}/get", name=model)["registered_model"]["name"] == model
    assert as_bob.ok("GET", f"{MV}/get", **ref)["model_version"]["version"] == "1"
    assert model_names(as_bob) == [model] and version_names(as_bob) == [(model, "1")]
    for method, path, body in [
        ("PATCH", f"{RM}/update", {"name": model, "description": "bob"}),
        ("POST", f"{RM}/rename", {"name": model, "new_name": unique_name("bob")}),
        ("DELETE", f"{RM}/delete", {"name": model}),
        ("POST", f"{MV}/create", {"name": model, "source": source}),
        ("PATCH", f"{MV}/update", {**ref, "description": "bob"}),
        ("DELETE", f"{MV}/delete", ref),
    ]:
        assert_denied(as_bob.call(method, path, body))
    unchanged = as_alice.ok("GET", f"{RM}/get", name=model)["registered_model"]
    assert unchanged.get("description", "") == ""
    assert [v["version"] for v in unchanged["latest_versions"]] == ["1"]

    # Renaming re-keys every per-user grant; deleting drops them.
    renamed = unique_name("renamed")
    as_alice.ok("POST", f"{RM}/rename", {"name": model, "new_name": renamed})
    for person, level in ((alice, "MANAGE"), (bob, "READ")):
        models = {
            (p["resource_pattern"], p["permission"])
            for p in site.permissions_of(person.username)
            if p["resource_type"] == "registered_model"
        }
        assert models == {(renamed, level)}, person
    assert as_bob.ok("GET", f"{RM}/get", name=renamed)["registered_model"]["name"] == renamed
    assert as_alice.ok("DELETE", f"{RM}/delete", {"name": renamed}) == {}
    for person in (alice, bob):
        assert all(
            p["resource_type"] != "registered_model" for p in site.permissions_of(person.username)
        )
    site.admin(team.name).ok("POST", f"{RM}/create", {"name": renamed})
    for client in (as_alice, as_bob):  # a new model of the same name: no inherited grant
        assert_denied(client.call("GET", f"{RM}/get", {"name": renamed}))


def test_registering_a_version_from_an_unreadable_run_is_refused(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    admin = site.admin(team.name)
    theirs, _ = create_experiment(admin)
    their_run = run_in(admin, theirs)
    their_source = upload_model(admin, their_run)
    as_alice = site.as_(alice, team.name)
    mine, _ = create_experiment(as_alice)
    my_run = run_in(as_alice, mine)
    my_source = upload_model(as_alice, my_run)
    model = unique_name("model")
    as_alice.ok("POST", f"{RM}/create", {"name": model})

    their_files = f"{PROXY}{run_path(admin, their_run)}/model"
    for body in [
        {"name": model, "source": their_source},
        {"name": model, "source": my_source, "run_id": their_run},
        {"name": model, "source": their_files},
    ]:
        assert_denied(as_alice.call("POST", f"{MV}/create", body))
    assert version_names(site.admin(team.name)) == []
    assert create_version(as_alice, model, my_source, run_id=my_run)["version"] == "1"
    assert version_names(site.admin(team.name)) == [(model, "1")]


def test_a_renamed_experiment_s_old_name_does_not_open_its_successor(site: Site) -> None:
    """Looked up by name, then renamed: the old name now belongs to someone else's experiment,
    which the first owner must not read through ``get-by-name``."""
    team = site.team()
    alice = site.person("alice", team.user_role)
    as_alice = site.as_(alice, team.name)
    name = unique_name("reused")
    mine, _ = create_experiment(as_alice, name)
    by_name = as_alice.ok("GET", f"{EXPERIMENTS}/get-by-name", experiment_name=name)
    assert by_name["experiment"]["experiment_id"] == mine
    update = {"experiment_id": mine, "new_name": unique_name("moved")}
    assert as_alice.ok("POST", f"{EXPERIMENTS}/update", update) == {}
    admin = site.admin(team.name)
    theirs, _ = create_experiment(admin, name)
    tag = {"experiment_id": theirs, "key": "secret", "value": "admin only"}
    assert admin.ok("POST", f"{EXPERIMENTS}/set-experiment-tag", tag) == {}
    assert_denied(get_experiment(as_alice, theirs))
    assert_denied(as_alice.call("GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": name}))


def test_registry_files_follow_their_model_after_a_rename(site: Site) -> None:
    """The copies under ``_registry/<id>`` belong to the model, whatever it is called now: a new
    model taking the old name gives its owner no access to them."""
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob", team.user_role)
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    source = upload_model(as_alice, run_in(as_alice, mine))
    model = unique_name("model")
    as_alice.ok("POST", f"{RM}/create", {"name": model})
    create_version(as_alice, model, source)
    uri = as_alice.ok("GET", f"{MV}/get-download-uri", name=model, version="1")["artifact_uri"]
    files = f"{ARTIFACTS}/{uri.removeprefix(PROXY).strip('/')}/data/w.bin"
    assert as_alice.http.get(files).content == MODEL_FILES["data/w.bin"]
    assert_denied(as_bob.http.get(files))  # remembered: this copy is `model`'s
    as_alice.ok("POST", f"{RM}/rename", {"name": model, "new_name": unique_name("renamed")})
    assert as_bob.ok("POST", f"{RM}/create", {"name": model})["registered_model"]["name"] == model
    assert_denied(as_bob.http.get(files))
    assert as_alice.http.get(files).content == MODEL_FILES["data/w.bin"]


PROMPT_TAGS = [{"key": "mlflow.prompt.is_prompt", "value": "true"}]


def test_a_deny_on_a_prompt_hides_it_from_searches(site: Site) -> None:
    team = site.team()
    dave = site.person("dave", team.user_role)
    admin = site.admin(team.name)
    prompt, model = unique_name("prompt"), unique_name("model")
    admin.ok("POST", f"{RM}/create", {"name": prompt, "tags": PROMPT_TAGS})
    admin.ok("POST", f"{RM}/create", {"name": model})
    as_dave = site.as_(dave, team.name)
    assert model_names(as_dave) == sorted([prompt, model])
    site.grant(team.name, dave.username, "prompt", prompt, "DENY")
    assert_denied(as_dave.call("GET", f"{RM}/get", {"name": prompt}))
    assert model_names(as_dave) == [model]


def test_a_read_grant_on_a_prompt_shows_it_in_searches(site: Site) -> None:
    team = site.team()
    bob = site.person("bob")
    admin = site.admin(team.name)
    prompt = unique_name("prompt")
    admin.ok("POST", f"{RM}/create", {"name": prompt, "tags": PROMPT_TAGS})
    admin.ok("POST", f"{RM}/create", {"name": unique_name("model")})
    site.grant(team.name, bob.username, "prompt", prompt, "READ")
    as_bob = site.as_(bob, team.name)
    assert as_bob.ok("GET", f"{RM}/get", name=prompt)["registered_model"]["name"] == prompt
    assert model_names(as_bob) == [prompt]


# --------------------------------------------------------------------------------------------
# Workspace-permission endpoints


def test_workspace_permission_endpoints(site: Site) -> None:
    team, other = site.team(), site.team()
    carol = site.person("carol", team.admin_role)
    alice = site.person("alice", team.user_role)
    eve = site.person("eve")
    theirs, _ = create_experiment(site.admin(team.name))
    path = f"{WORKSPACES}/{team.name}/permissions"
    as_carol = site.as_(carol)
    admin = site.admin()
    assert admin.ok("GET", path) == {"permissions": []}

    granted = as_carol.ok("POST", path, {"username": eve.username, "permission": "USE"})
    row = {"workspace": team.name, "user_id": eve.user_id, "username": eve.username}
    assert granted == {"permission": {**row, "permission": "USE"}}
    assert as_carol.ok("GET", path) == {"permissions": [{**row, "permission": "USE"}]}
    assert workspace_names(site.as_(eve)) == [team.name]
    created, _ = create_experiment(site.as_(eve, team.name))
    assert_denied(get_experiment(site.as_(eve, team.name), theirs))  # USE: a member
    assert as_carol.ok("POST", path, {"username": eve.username, "permission": "MANAGE"})
    assert admin.ok("GET", path) == {"permissions": [{**row, "permission": "MANAGE"}]}
    assert get_experiment(site.as_(eve, team.name), theirs).status_code == 200  # an admin now

    # Refused: callers who do not manage the workspace, and levels a workspace cannot hold.
    other_path = f"{WORKSPACES}/{other.name}/permissions"
    for client, target in [
        (site.as_(alice), path),
        (site.as_(alice, team.name), path),
        (site.as_(eve, other.name), other_path),
        (as_carol, other_path),
        (site.as_(carol, team.name), other_path),
    ]:
        assert_denied(
            client.call("POST", target, {"username": alice.username, "permission": "MANAGE"})
        )
        assert_denied(client.call("DELETE", target, {"username": eve.username}))
    assert_denied(site.as_(alice).call("GET", path))
    assert_denied(as_carol.call("GET", other_path))
    assert_denied(as_carol.call("GET", f"{WORKSPACES}/{unique_name('nope')}/permissions"))
    for level in ("NO_PERMISSIONS", "READ", "EDIT", "DENY"):
        error(
            as_carol.call("POST", path, {"username": alice.username, "permission": level}),
            400,
            "INVALID_PARAMETER_VALUE",
            f"Invalid permission '{level}' for a workspace. Workspace permissions accept only: "
            "('MANAGE', 'USE').",
        )
    error(
        as_carol.call("POST", path, {"username": alice.username, "permission": "FOO"}),
        400,
        "INVALID_PARAMETER_VALUE",
        UNKNOWN_PERMISSION,
    )
    assert admin.ok("GET", path) == {"permissions": [{**row, "permission": "MANAGE"}]}
    assert admin.ok("GET", other_path) == {"permissions": []}
    assert workspace_names(site.as_(alice)) == [team.name]

    missing = unique_name("nope")
    error(
        admin.call(
            "POST",
            f"{WORKSPACES}/{missing}/permissions",
            {"username": eve.username, "permission": "USE"},
        ),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    error(
        admin.call("POST", path, {"username": unique_name("ghost"), "permission": "USE"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )

    assert as_carol.ok("DELETE", path, {"username": eve.username}) == {}
    assert admin.ok("GET", path) == {"permissions": []}
    assert workspace_names(site.as_(eve)) is None
    assert_denied(get_experiment(site.as_(eve, team.name), theirs))
    assert get_experiment(site.as_(eve, team.name), created).status_code == 200  # still hers
    name = unique_name("after")
    assert_denied(site.as_(eve, team.name).call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    error(as_carol.call("DELETE", path, {"username": eve.username}), 404, "RESOURCE_DOES_NOT_EXIST")


# --------------------------------------------------------------------------------------------
# Roles API validation (§8.65)


def test_roles_api_validation(site: Site) -> None:
    team = site.team()
    carol = site.person("carol", team.admin_role)
    admin = site.admin()
    as_carol = site.as_(carol)
    for client in (admin, as_carol):
        message = error(
            client.call("POST", f"{ROLES}/create", {"workspace": team.name, "name": "__user_99__"}),
            400,
            "INVALID_PARAMETER_VALUE",
        )
        assert message.startswith("Role name '__user_99__' uses the reserved '__user_' prefix")
        rename = {"role_id": str(team.user_role), "name": "__user_1__"}
        assert error(
            client.call("PATCH", f"{ROLES}/update", rename), 400, "INVALID_PARAMETER_VALUE"
        )
    assert as_carol.ok("POST", f"{ROLES}/create", {"workspace": team.name, "name": "ops"})
    for client in (admin, as_carol):
        error(
            client.call("POST", f"{ROLES}/create", {"workspace": team.name, "name": "ops"}),
            400,
            "RESOURCE_ALREADY_EXISTS",
        )
        error(
            client.call("PATCH", f"{ROLES}/update", {"role_id": team.user_role, "name": "ops"}),
            400,
            "RESOURCE_ALREADY_EXISTS",
        )
    before = role_rows(site, team.name)
    assert [name for name, _ in before] == ["admin", "ops", "user"]

    unknown = "987654321"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "get", {}),
        ("GET", "permissions/list", {}),
        ("GET", "users/list", {}),
        ("PATCH", "update", {"description": "x"}),
        ("DELETE", "delete", {}),
        ("POST", "assign", {"username": carol.username}),
        ("DELETE", "unassign", {"username": carol.username}),
        (
            "POST",
            "permissions/add",
            {"resource_type": "experiment", "resource_pattern": "*", "permission": "READ"},
        ),
    ]
    for method, endpoint, extra in calls:
        body = {"role_id": "abc", **extra}
        error(
            admin.call(method, f"{ROLES}/{endpoint}", body),
            400,
            "INVALID_PARAMETER_VALUE",
            "Parameter 'role_id' must be an integer. Got: abc",
        )
        error(
            admin.call(method, f"{ROLES}/{endpoint}", {**body, "role_id": unknown}),
            404,
            "RESOURCE_DOES_NOT_EXIST",
        )
        # A non-admin learns nothing: an unknown or malformed role is simply refused.
        assert_denied(as_carol.call(method, f"{ROLES}/{endpoint}", body))
        assert_denied(as_carol.call(method, f"{ROLES}/{endpoint}", {**body, "role_id": unknown}))
    for endpoint in ("remove", "update"):
        method = "DELETE" if endpoint == "remove" else "PATCH"
        body = {"role_permission_id": unknown, "permission": "READ"}
        error(
            admin.call(method, f"{ROLES}/permissions/{endpoint}", body),
            404,
            "RESOURCE_DOES_NOT_EXIST",
        )
        assert_denied(as_carol.call(method, f"{ROLES}/permissions/{endpoint}", body))
    assert role_rows(site, team.name) == before


# --------------------------------------------------------------------------------------------
# grant_default_workspace_access (§6.8, §8.63)


def test_without_default_access_a_fresh_user_sees_nothing_in_default(site: Site) -> None:
    fresh = site.person("fresh")
    as_fresh = site.as_(fresh)
    assert workspace_names(as_fresh) is None
    assert_denied(get_experiment(as_fresh, "0"))
    assert experiment_names(as_fresh) == []
    name = unique_name("fresh")
    assert_denied(as_fresh.call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    assert_denied(as_fresh.call("GET", f"{WORKSPACES}/default"))
    assert experiment_named(site, None, name) is None


@pytest.fixture()
def autogrant_site(auth_autogrant_server: AuthServer) -> Iterator[Site]:
    site = Site(auth_autogrant_server, admin_token(auth_autogrant_server))
    yield site
    site.close()


def test_with_default_access_users_read_default_and_nothing_else(autogrant_site: Site) -> None:
    site = autogrant_site
    team = site.team()
    theirs, their_name = create_experiment(site.admin())
    in_team, _ = create_experiment(site.admin(team.name))
    fresh = site.person("fresh")
    member = site.person("member", team.user_role)
    as_fresh = site.as_(fresh)

    assert workspace_names(as_fresh) == ["default"]
    assert workspace_names(site.as_(member)) == sorted(["default", team.name])
    assert as_fresh.ok("GET", f"{WORKSPACES}/default")["workspace"]["name"] == "default"
    assert_denied(as_fresh.call("GET", f"{WORKSPACES}/{team.name}"))
    assert get_experiment(as_fresh, "0").json()["experiment"]["name"] == "Default"
    assert get_experiment(as_fresh, theirs).json()["experiment"]["name"] == their_name
    assert {"Default", their_name} <= set(experiment_names(as_fresh))
    # READ is the floor: no writing, no creating.
    name = unique_name("fresh")
    assert_denied(as_fresh.call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    update = {"experiment_id": theirs, "new_name": name}
    assert_denied(as_fresh.call("POST", f"{EXPERIMENTS}/update", update))
    assert experiment_named(site, None, name) is None
    # Only `default` is inherited.
    as_fresh_team = site.as_(fresh, team.name)
    assert experiment_names(as_fresh_team) == []
    assert_denied(get_experiment(as_fresh_team, in_team))
    assert_denied(as_fresh_team.call("POST", f"{EXPERIMENTS}/create", {"name": name}))
    # A DENY still vetoes the inherited floor.
    site.grant("default", fresh.username, "experiment", theirs, "DENY")
    assert_denied(get_experiment(as_fresh, theirs))
    assert their_name not in experiment_names(as_fresh)
