"""Access tokens of non-admin users on a server with workspaces: a token's limits beat the
user's roles, and a credential that is expired, revoked, tampered with or garbled is a 401
before any workspace permission is looked at.

``test_auth_tokens.py`` covers tokens themselves (digests, lifetimes, tampering, read-only and
workspace-limited tokens of the super admin); this module covers what changes when the token
belongs to a member, owner or workspace admin inside workspaces.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.auth_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    API,
    API3,
    ROLES,
    TOKENS,
    USER_PERMISSIONS,
    USERS,
    WORKSPACE_HEADER,
    WORKSPACES,
    AuthClient,
    Person,
    Site,
    assert_denied,
    assert_unauthenticated,
    basic,
    bearer,
    raw_call,
    unique_name,
)

EXPERIMENTS = f"{API}/experiments"
RUNS = f"{API}/runs"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture()
def site(auth_site: Site) -> Site:
    return auth_site


def _exists(site: Site, workspace: str, name: str) -> bool:
    response = site.admin(workspace).call(
        "GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": name}
    )
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def _token(site: Site, person: Person, **body: object) -> tuple[str, str]:
    """A token of ``person`` made by the super admin: ``(value, token_id)``."""
    value, info = site.admin().create_token(username=person.username, **body)
    return value, str(info["token_id"])


def test_a_member_s_token_limited_to_one_workspace_is_refused_in_another(site: Site) -> None:
    team_a, team_b = site.team("team-a"), site.team("team-b")
    alice = site.person("alice", team_a.user_role, team_b.user_role)
    in_b = site.as_(alice, team_b.name).create_experiment(unique_name("b"))
    limited, _ = _token(site, alice, workspaces=[team_a.name])

    scoped_b = site.client(bearer(limited), team_b.name)
    name = unique_name("scoped")
    for method, path, body in [
        ("POST", f"{EXPERIMENTS}/search", {}),
        ("GET", f"{EXPERIMENTS}/get", {"experiment_id": in_b}),
        ("POST", f"{EXPERIMENTS}/create", {"name": name}),
        ("POST", f"{RUNS}/create", {"experiment_id": in_b}),
        ("GET", f"{API}/registered-models/search", None),
        ("GET", f"{ARTIFACTS}/{in_b}/x.txt", None),
    ]:
        assert_denied(scoped_b.call(method, path, body))
    assert not _exists(site, team_b.name, name)
    # The same token in its own workspace, and the user's other credentials, still work.
    scoped_a = site.client(bearer(limited), team_a.name)
    assert scoped_a.ok("GET", f"{USERS}/current")["user"]["username"] == alice.username
    created = scoped_a.create_experiment(name)
    assert scoped_a.ok("GET", f"{EXPERIMENTS}/get", experiment_id=created)
    assert site.as_(alice, team_b.name).ok("GET", f"{EXPERIMENTS}/get", experiment_id=in_b)
    assert (_exists(site, team_a.name, name), _exists(site, team_b.name, name)) == (True, False)


def test_a_workspace_limited_token_reads_nothing_of_another_workspace_by_name(
    site: Site,
) -> None:
    """Routes naming a workspace in their path or query (not in the header) are still bound by
    the token's workspaces: a token for team-a reads nothing of team-b, even for a user who
    administers team-b."""
    team_a, team_b = site.team("team-a"), site.team("team-b")
    carol = site.person("carol", team_a.user_role, team_b.admin_role)
    limited, _ = _token(site, carol, workspaces=[team_a.name])
    full = site.as_(carol, team_a.name)
    scoped = site.client(bearer(limited), team_a.name)
    answers: dict[str, httpx.Response] = {}
    for path, params in [
        (f"{WORKSPACES}/{team_b.name}", None),
        (f"{WORKSPACES}/{team_b.name}/permissions", None),
        (f"{ROLES}/list", {"workspace": team_b.name}),
        (f"{ROLES}/get", {"role_id": str(team_b.admin_role)}),
        (f"{ROLES}/users/list", {"role_id": str(team_b.user_role)}),
    ]:
        assert full.call("GET", path, params=params).status_code == 200, path
        answers[path] = scoped.call("GET", path, params=params)
    assert {p: r.status_code for p, r in answers.items() if r.status_code != 403} == {}
    for answer in answers.values():
        assert_denied(answer)


def test_a_member_s_read_only_token_reads_but_never_writes(site: Site) -> None:
    team = site.team()
    carol = site.person("carol", team.admin_role)  # owner and workspace admin: may do anything
    bob = site.person("bob")
    owner = site.as_(carol, team.name)
    experiment_id = owner.create_experiment(unique_name("ro"))
    run = owner.ok("POST", f"{RUNS}/create", {"experiment_id": experiment_id, "start_time": 1})
    run_id = run["run"]["info"]["run_id"]
    put = owner.http.put(f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/seen.txt", content=b"x")
    assert put.status_code == 200, put.text
    roles_before = site.roles(team.name)
    value, _ = _token(site, carol, read_only=True)
    reader = site.client(bearer(value), team.name)

    assert reader.ok("GET", f"{EXPERIMENTS}/get", experiment_id=experiment_id)
    assert reader.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]["info"]["run_id"] == run_id
    found = reader.ok("POST", f"{RUNS}/search", {"experiment_ids": [experiment_id]})
    assert [r["info"]["run_id"] for r in found["runs"]] == [run_id]
    seen = reader.http.get(f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/seen.txt")
    assert seen.content == b"x"
    assert reader.ok("GET", f"{API3}/users/current/permissions")["is_admin"] is False
    assert [w["name"] for w in reader.ok("GET", WORKSPACES)["workspaces"]] == [team.name]

    name = unique_name("ro-new")
    metric = {"run_id": run_id, "key": "m", "value": 1.0, "timestamp": 1}
    grant = {
        "username": bob.username,
        "resource_type": "experiment",
        "resource_id": experiment_id,
        "permission": "READ",
    }
    for method, path, body in [
        ("POST", f"{EXPERIMENTS}/create", {"name": name}),
        ("POST", f"{EXPERIMENTS}/update", {"experiment_id": experiment_id, "new_name": name}),
        ("POST", f"{RUNS}/log-metric", metric),
        ("POST", f"{RUNS}/set-tag", {"run_id": run_id, "key": "t", "value": "v"}),
        ("POST", f"{API}/registered-models/create", {"name": name}),
        ("POST", f"{USER_PERMISSIONS}/grant", grant),
        (
            "POST",
            f"{WORKSPACES}/{team.name}/permissions",
            {"username": bob.username, "permission": "USE"},
        ),
        ("POST", f"{ROLES}/create", {"workspace": team.name, "name": name}),
        ("POST", f"{ROLES}/assign", {"username": bob.username, "role_id": team.user_role}),
        ("POST", f"{TOKENS}/create", {"comment": "escalate"}),
        ("DELETE", f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/seen.txt", None),
    ]:
        assert_denied(reader.call(method, path, body))
    assert_denied(reader.http.put(f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/new.txt"))

    # Nothing changed.
    assert not _exists(site, team.name, name)
    after = owner.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]["data"]
    assert after.get("metrics", []) == []
    assert "t" not in {t["key"] for t in after.get("tags", [])}
    assert site.permissions_of(bob.username) == []
    assert site.roles(team.name) == roles_before
    assert (
        owner.http.get(f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/seen.txt").content == b"x"
    )
    missing = owner.http.get(f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/new.txt")
    assert missing.status_code == 404
    assert get_experiment_name(owner, experiment_id) != name


def get_experiment_name(client: AuthClient, experiment_id: str) -> str:
    got = client.ok("GET", f"{EXPERIMENTS}/get", experiment_id=experiment_id)
    return str(got["experiment"]["name"])


def test_expired_and_revoked_member_tokens_are_401_inside_a_workspace(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    short, _ = _token(site, alice, lifetime_seconds=1)
    revoked, revoked_id = _token(site, alice)
    expiring = site.client(bearer(short), team.name)
    gone = site.client(bearer(revoked), team.name)
    for client in (expiring, gone):
        assert client.ok("POST", f"{EXPERIMENTS}/search", {}) == {"experiments": []}
    # Revoked by the user herself (through her fixture token).
    site.as_(alice).ok("POST", f"{TOKENS}/delete", {"token_id": revoked_id})
    time.sleep(1.2)
    names = []
    for client in (expiring, gone):
        name = unique_name("late")
        names.append(name)
        assert_unauthenticated(client.call("POST", f"{EXPERIMENTS}/create", {"name": name}))
        assert_unauthenticated(client.call("GET", WORKSPACES))
        assert_unauthenticated(client.call("GET", f"{USERS}/current"))
    assert not any(_exists(site, team.name, name) for name in names)
    # Her other token is untouched.
    assert site.as_(alice, team.name).create_experiment(names[0])


def test_bad_credentials_inside_a_workspace_are_401_and_change_nothing(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    value = alice.token
    flipped = value[:-1] + ("A" if value[-1] != "A" else "B")
    anonymous = assert_unauthenticated(site.client(None, team.name).call("GET", WORKSPACES))
    name = unique_name("refused")
    for label, authorization in {
        "truncated token": bearer(value[:-1]),
        "half a token": bearer(value[: len(value) // 2]),
        "changed token": bearer(flipped),
        "token as basic password": basic(alice.username, value),
        "wrong admin password": basic(ADMIN, ADMIN_PASSWORD + "x"),
        "unknown scheme": f"Token {value}",
        "no scheme": value,
        "huge bearer": bearer(value + "A" * 20_000),
        "huge basic": "Basic " + "QQ" * 10_000,
    }.items():
        headers = {"Authorization": authorization, WORKSPACE_HEADER: team.name}
        created = raw_call(
            site.server.url, "POST", f"{EXPERIMENTS}/create", headers, {"name": name}
        )
        assert created.status_code == 401, (label, created.status_code, created.text)
        assert assert_unauthenticated(created) == anonymous, label
        granted = raw_call(
            site.server.url,
            "POST",
            f"{WORKSPACES}/{team.name}/permissions",
            headers,
            {"username": alice.username, "permission": "MANAGE"},
        )
        assert assert_unauthenticated(granted) == anonymous, label
    assert not _exists(site, team.name, name)
    assert site.admin().ok("GET", f"{WORKSPACES}/{team.name}/permissions") == {"permissions": []}
    # The workspace is resolved first: an unknown one is a 404, a malformed one a 400, whatever
    # the credential says.
    credentials: list[str | None] = [bearer(value[:-1]), None, bearer(value)]
    for credential in credentials:
        unknown = site.client(credential, unique_name("nope")).call(
            "POST", f"{EXPERIMENTS}/search", {}
        )
        assert unknown.status_code == 404, unknown.text
        assert unknown.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
        malformed = site.client(credential, "Bad_Name").call("POST", f"{EXPERIMENTS}/search", {})
        assert malformed.status_code == 400, malformed.text
        assert malformed.json()["error_code"] == "INVALID_PARAMETER_VALUE"
