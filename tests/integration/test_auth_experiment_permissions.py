"""Experiments under auth with workspaces on: members, non-members, owners, workspace admins,
per-user grants, and searches that hide rows but still fill pages (scenarios 54-61)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.auth_helpers import (
    API,
    API3,
    ROLES,
    USER_PERMISSIONS,
    AuthClient,
    Person,
    Site,
    assert_denied,
    unique_name,
)
from tests.support.permission_helpers import (
    CURRENT_PERMISSIONS,
    EXPERIMENTS,
    RM,
    RUNS,
    UNKNOWN_PERMISSION,
    create_experiment,
    error,
    experiment_named,
    experiment_names,
    get_experiment,
    grant_body,
    listed,
    model_names,
    role_rows,
    run_in,
    version_names,
    workspace_names,
)

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
