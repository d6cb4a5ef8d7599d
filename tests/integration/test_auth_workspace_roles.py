"""Workspaces under auth: lifecycle and seeded roles, the workspace-permission endpoints, the
roles API's validation and ``grant_default_workspace_access`` (scenarios 51-53, 62, 63, 65)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.auth_helpers import (
    ROLES,
    WORKSPACES,
    AuthServer,
    Site,
    admin_token,
    assert_denied,
    unique_name,
)
from tests.support.permission_helpers import (
    CURRENT_PERMISSIONS,
    EXPERIMENTS,
    UNKNOWN_PERMISSION,
    create_experiment,
    error,
    experiment_named,
    experiment_names,
    get_experiment,
    role_rows,
    workspace_names,
)

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
