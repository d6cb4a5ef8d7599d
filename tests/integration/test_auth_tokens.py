"""Access tokens (``/api/2.0/token/*``): shown once, kept as a digest, limited in time, scope and
rights, revocable; service users sign in with them only.

Until per-resource grants exist, tracking routes are for super admins, so the rights a token
carries are observed through tokens of the admin; a non-admin's token shows that nothing more
than their own account opens up.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.conftest import AuthMember
from tests.support.auth_helpers import (
    ADMIN,
    API,
    DIGEST,
    TOKENS,
    USERS,
    WORKSPACES,
    AuthClient,
    AuthServer,
    assert_denied,
    assert_unauthenticated,
    basic,
    bearer,
    database_contains,
    query,
    unique_name,
)

ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def _token_row(server: AuthServer, token_id: str) -> dict[str, object]:
    rows = query(server.auth_uri, "SELECT * FROM access_tokens WHERE id = :i", i=int(token_id))
    assert len(rows) == 1, rows
    return dict(rows[0]._mapping)


def test_token_value_is_shown_once_and_stored_as_a_digest(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    comment = f"ci {uuid.uuid4().hex[:6]}"
    before = int(time.time() * 1000)
    value, info = auth_admin.create_token(comment=comment, lifetime_seconds=3600)
    assert value.startswith("atr_") and len(value) >= 40
    assert set(info) == {"token_id", "creation_time", "expiry_time", "comment", "read_only"}
    assert info["comment"] == comment and info["read_only"] is False
    assert before - 5_000 <= info["creation_time"] <= before + 60_000
    assert info["expiry_time"] == info["creation_time"] + 3_600_000

    listed = auth_admin.ok("GET", f"{TOKENS}/list")["token_infos"]
    assert [t for t in listed if t["token_id"] == info["token_id"]] == [info]
    assert value not in str(listed)
    assert all("token_value" not in t for t in listed)

    row = _token_row(auth_server, info["token_id"])
    assert isinstance(row["digest"], str) and DIGEST.match(row["digest"])
    assert row["digest"] != value
    # The secret is nowhere in the database (which here also holds the tracking tables).
    assert database_contains(auth_server.auth_uri, value) == []
    assert database_contains(auth_server.auth_uri, value[4:20]) == []

    with auth_server.client(bearer(value)) as by_token:
        assert by_token.current_user()["username"] == ADMIN
        assert by_token.call("POST", f"{API}/experiments/search", {}).status_code == 200
    # An unlimited token says so with -1.
    _, forever = auth_admin.create_token()
    assert forever["expiry_time"] == -1 and "comment" not in forever


@pytest.mark.parametrize("lifetime", [0, -5, 365 * 24 * 3600 + 1])
def test_token_lifetime_out_of_range_is_refused(auth_admin: AuthClient, lifetime: int) -> None:
    before = auth_admin.token_ids()
    response = auth_admin.call("POST", f"{TOKENS}/create", {"lifetime_seconds": lifetime})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert auth_admin.token_ids() == before


def test_expired_token_is_refused(auth_server: AuthServer, auth_admin: AuthClient) -> None:
    value, info = auth_admin.create_token(lifetime_seconds=1)
    with auth_server.client(bearer(value)) as by_token:
        assert by_token.current_user()["username"] == ADMIN
        time.sleep(max(0.0, info["expiry_time"] / 1000 - time.time()) + 0.2)
        assert_unauthenticated(by_token.call("GET", f"{USERS}/current"))
        name = unique_name("expired")
        assert_unauthenticated(by_token.call("POST", f"{API}/experiments/create", {"name": name}))
    assert not auth_admin.experiment_exists(name)


def test_revoked_token_is_refused_at_once(auth_server: AuthServer, auth_admin: AuthClient) -> None:
    value, info = auth_admin.create_token(comment="to revoke")
    with auth_server.client(bearer(value)) as by_token:
        assert by_token.current_user()["username"] == ADMIN
        assert auth_admin.ok("POST", f"{TOKENS}/delete", {"token_id": info["token_id"]}) == {}
        assert_unauthenticated(by_token.call("GET", f"{USERS}/current"))
    assert info["token_id"] not in auth_admin.token_ids()
    statement = "SELECT id FROM access_tokens WHERE id = :i"
    assert query(auth_server.auth_uri, statement, i=int(info["token_id"])) == []
    again = auth_admin.call("POST", f"{TOKENS}/delete", {"token_id": info["token_id"]})
    assert again.status_code == 404 and again.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def _tampered(value: str, digest: str) -> dict[str, str]:
    """``Authorization`` values that are almost, but not, the token ``value``."""
    flipped = value[:-1] + ("A" if value[-1] != "A" else "B")
    return {
        "truncated": bearer(value[:-1]),
        "half": bearer(value[: len(value) // 2]),
        "prefix only": bearer("atr_"),
        "last character changed": bearer(flipped),
        "extra character": bearer(value + "A"),
        "upper-cased": bearer(value.upper()),
        "without prefix": bearer(value[4:]),
        "twice": bearer(value + value),
        "inner space": bearer(value[:10] + " " + value[10:]),
        "stored digest instead of value": bearer(digest),
        "as basic password": basic(ADMIN, value),
        "as basic username": basic(value, "x"),
        "under another scheme": f"Token {value}",
        "without scheme": value,
    }


def test_tampered_tokens_are_refused(auth_server: AuthServer, auth_admin: AuthClient) -> None:
    value, info = auth_admin.create_token(comment="tamper target")
    digest = str(_token_row(auth_server, info["token_id"])["digest"])
    name = unique_name("tampered")
    bodies = set()
    for label, authorization in _tampered(value, digest).items():
        with auth_server.client(authorization) as caller:
            response = caller.call("POST", f"{API}/experiments/create", {"name": name})
        assert response.status_code == 401, (label, response.status_code, response.text)
        bodies.add(assert_unauthenticated(response))
    assert len(bodies) == 1
    assert not auth_admin.experiment_exists(name)
    with auth_server.client(bearer(value)) as by_token:  # the real one still works
        assert by_token.current_user()["username"] == ADMIN


def test_read_only_token_reads_but_never_writes(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    experiment_id = auth_admin.create_experiment()
    run = auth_admin.ok("POST", f"{API}/runs/create", {"experiment_id": experiment_id})["run"]
    run_id = run["info"]["run_id"]
    put = auth_admin.http.put(f"{ARTIFACTS}/{experiment_id}/ro/seen.txt", content=b"seen")
    assert put.status_code == 200, put.text
    value, info = auth_admin.create_token(read_only=True, comment="reader")
    assert info["read_only"] is True
    name = unique_name("ro")
    with auth_server.client(bearer(value)) as reader:
        got = reader.ok("GET", f"{API}/experiments/get", experiment_id=experiment_id)
        assert got["experiment"]["experiment_id"] == experiment_id
        assert reader.ok("GET", f"{API}/runs/get", run_id=run_id)["run"]["info"]["run_id"] == run_id
        searched = reader.ok("POST", f"{API}/runs/search", {"experiment_ids": [experiment_id]})
        assert [r["info"]["run_id"] for r in searched["runs"]] == [run_id]
        assert reader.ok("POST", f"{API}/experiments/search", {"max_results": 5})["experiments"]
        # A read-only POST reaches its handler (404 there), it is not refused up front.
        latest = reader.call("POST", f"{API}/registered-models/get-latest-versions", {"name": name})
        assert latest.status_code == 404, latest.text
        assert reader.http.get(f"{ARTIFACTS}/{experiment_id}/ro/seen.txt").content == b"seen"
        for method, path, body in [
            ("POST", f"{API}/experiments/create", {"name": name}),
            (
                "POST",
                f"{API}/runs/log-metric",
                {"run_id": run_id, "key": "m", "value": 1.0, "timestamp": 1},
            ),
            ("POST", f"{API}/runs/set-tag", {"run_id": run_id, "key": "t", "value": "v"}),
            ("POST", f"{API}/experiments/delete", {"experiment_id": experiment_id}),
            ("DELETE", f"{ARTIFACTS}/{experiment_id}/ro/seen.txt", None),
            ("POST", f"{TOKENS}/create", {"comment": "escalate"}),
            ("POST", f"{USERS}/create", {"username": name, "password": "long-enough-pw"}),
        ]:
            assert_denied(reader.call(method, path, body))
        put = reader.http.put(f"{ARTIFACTS}/{experiment_id}/ro/new.txt", content=b"new")
        assert_denied(put)
    # Nothing was written.
    assert not auth_admin.experiment_exists(name)
    after = auth_admin.ok("GET", f"{API}/runs/get", run_id=run_id)["run"]
    assert after["data"].get("metrics", []) == []
    assert "t" not in {t["key"] for t in after["data"].get("tags", [])}
    assert auth_admin.http.get(f"{ARTIFACTS}/{experiment_id}/ro/seen.txt").content == b"seen"
    assert auth_admin.http.get(f"{ARTIFACTS}/{experiment_id}/ro/new.txt").status_code == 404
    assert auth_admin.call("GET", f"{USERS}/get", params={"username": name}).status_code == 404
    tokens = auth_admin.ok("GET", f"{TOKENS}/list")["token_infos"]
    assert all(t.get("comment") != "escalate" for t in tokens)


def test_read_only_token_may_read_its_own_account(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    value, _ = auth_admin.create_token(read_only=True, comment="reader of self")
    with auth_server.client(bearer(value)) as reader:
        assert reader.call("GET", f"{USERS}/current").status_code == 200
        assert reader.call("GET", f"{TOKENS}/list").status_code == 200
        assert reader.call("GET", "/openapi.json").status_code == 200


# --------------------------------------------------------------------------------------------
# Whose tokens: a user's own, an admin's for anyone, a service user's.


@pytest.fixture()
def member(auth_server: AuthServer, auth_member: AuthMember) -> Iterator[AuthClient]:
    """The non-admin member, signing in with their token."""
    with auth_server.client(auth_member.bearer) as client:
        yield client


def test_a_user_manages_only_their_own_tokens(
    auth_server: AuthServer, auth_admin: AuthClient, auth_member: AuthMember, member: AuthClient
) -> None:
    mine, info = member.create_token(comment="mine", lifetime_seconds=600)
    assert info["token_id"] in member.token_ids()
    assert info["token_id"] in auth_admin.token_ids(username=auth_member.username)
    assert info["token_id"] not in auth_admin.token_ids()
    with auth_server.client(bearer(mine)) as by_new:
        assert by_new.current_user() == member.current_user()
        # The token acts as its user: it reads with the READ floor, and writes nothing of others'.
        assert by_new.call("POST", f"{API}/experiments/search", {}).status_code == 200
        rename = {"experiment_id": "0", "new_name": unique_name("renamed")}
        assert_denied(by_new.call("POST", f"{API}/experiments/update", rename))

    admins_value, admins = auth_admin.create_token(comment="admin's")
    admin_tokens = auth_admin.token_ids()
    # Someone else's tokens: not created, not listed, not revoked (and not even confirmed).
    before = auth_admin.token_ids(username=ADMIN)
    assert_denied(member.call("POST", f"{TOKENS}/create", {"username": ADMIN}))
    assert auth_admin.token_ids(username=ADMIN) == before
    assert_denied(member.call("GET", f"{TOKENS}/list", params={"username": ADMIN}))
    assert_denied(member.call("GET", f"{TOKENS}/list", params={"username": unique_name("nobody")}))
    revoke = member.call("POST", f"{TOKENS}/delete", {"token_id": admins["token_id"]})
    missing = member.call("POST", f"{TOKENS}/delete", {"token_id": "987654321"})
    for response, token_id in [(revoke, admins["token_id"]), (missing, "987654321")]:
        assert response.status_code == 404, response.text
        assert response.json() == {
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": f"Token {token_id} not found",
        }
    assert auth_admin.token_ids() == admin_tokens
    with auth_server.client(bearer(admins_value)) as by_admin_token:
        assert by_admin_token.current_user()["username"] == ADMIN

    # Their own token, they may revoke.
    assert member.ok("POST", f"{TOKENS}/delete", {"token_id": info["token_id"]}) == {}
    assert info["token_id"] not in member.token_ids()
    with auth_server.client(bearer(mine)) as by_new:
        assert_unauthenticated(by_new.call("GET", f"{USERS}/current"))


def test_an_admin_revokes_anyone_s_token(
    auth_server: AuthServer, auth_admin: AuthClient, member: AuthClient, auth_member: AuthMember
) -> None:
    value, info = member.create_token(comment="revoked by the admin")
    assert auth_admin.ok("POST", f"{TOKENS}/delete", {"token_id": info["token_id"]}) == {}
    assert info["token_id"] not in auth_admin.token_ids(username=auth_member.username)
    with auth_server.client(bearer(value)) as revoked:
        assert_unauthenticated(revoked.call("GET", f"{USERS}/current"))
    assert member.current_user()["username"] == auth_member.username  # their other token lives


def test_service_user_signs_in_with_tokens_only(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    bot = unique_name("bot")
    created = auth_admin.ok("POST", f"{USERS}/create", {"username": bot, "service": True})["user"]
    assert (created["username"], created["is_admin"]) == (bot, False)
    stored = query(
        auth_server.auth_uri,
        "SELECT password_hash, is_service FROM users WHERE username = :u",
        u=bot,
    )
    assert [(row.password_hash, bool(row.is_service)) for row in stored] == [(None, True)]
    for password in ("", "x", "None", "long-enough-password"):
        with auth_server.client(basic(bot, password)) as by_password:
            assert_unauthenticated(by_password.call("GET", f"{USERS}/current"))

    value, info = auth_admin.create_token(username=bot, comment="ci bot")
    assert info["token_id"] in auth_admin.token_ids(username=bot)
    assert info["token_id"] not in auth_admin.token_ids()
    with auth_server.client(bearer(value)) as by_token:
        assert by_token.current_user() == created
        # A bot is not an admin: it works within its grants like any user.
        rename = {"experiment_id": "0", "new_name": bot}
        assert_denied(by_token.call("POST", f"{API}/experiments/update", rename))
        assert_denied(by_token.call("POST", f"{TOKENS}/create", {"username": ADMIN}))
        created_id = by_token.ok("POST", f"{API}/experiments/create", {"name": bot})
        assert (
            by_token.ok("GET", f"{API}/experiments/get", **created_id)["experiment"]["name"] == bot
        )
    assert auth_admin.experiment_exists(bot)


def test_service_user_never_gets_a_password(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    bot = unique_name("bot")
    auth_admin.create_user(bot, service=True)
    password = "given-later-123"
    response = auth_admin.call(
        "PATCH", f"{USERS}/update-password", {"username": bot, "password": password}
    )
    with auth_server.client(basic(bot, password)) as by_password:
        signed_in = by_password.call("GET", f"{USERS}/current")
    assert response.status_code == 400 or signed_in.status_code == 401


# --------------------------------------------------------------------------------------------
# Tokens limited to workspaces (server with workspaces on).


@pytest.fixture(scope="module")
def teams(auth_ws_server: AuthServer) -> tuple[str, str]:
    names = (unique_name("team-a"), unique_name("team-b"))
    with auth_ws_server.admin() as admin:
        for name in names:
            assert admin.call("POST", WORKSPACES, {"name": name}).status_code == 201
    return names


def test_workspace_limited_token_reaches_only_its_workspaces(
    auth_ws_server: AuthServer, teams: tuple[str, str]
) -> None:
    team_a, team_b = teams
    with auth_ws_server.admin() as admin:
        value, info = admin.create_token(workspaces=[team_a], comment="team-a only")
        in_b = admin.create_experiment()
    assert info["workspaces"] == [team_a]
    assert (
        query(
            auth_ws_server.auth_uri,
            "SELECT workspaces FROM access_tokens WHERE id = :i",
            i=int(info["token_id"]),
        )[0].workspaces
        == f'["{team_a}"]'
    )
    name = unique_name("scoped")
    for workspace in (team_b, None, "default"):
        with auth_ws_server.client(bearer(value), workspace) as scoped:
            assert_denied(scoped.call("POST", f"{API}/experiments/search", {}))
            assert_denied(scoped.call("GET", f"{API}/experiments/get", {"experiment_id": in_b}))
            assert_denied(scoped.call("POST", f"{API}/experiments/create", {"name": name}))
    with auth_ws_server.client(bearer(value), team_a) as scoped:
        assert scoped.ok("POST", f"{API}/experiments/search", {}).get("experiments", []) == []
        created = scoped.create_experiment(name)
        assert scoped.ok("GET", f"{API}/experiments/get", experiment_id=created)
    for workspace, expected in [(team_a, True), (team_b, False), (None, False)]:
        with auth_ws_server.admin(workspace) as admin:
            assert admin.experiment_exists(name) is expected


def test_workspace_limited_token_cannot_mint_a_wider_token(
    auth_ws_server: AuthServer, teams: tuple[str, str]
) -> None:
    team_a, team_b = teams
    with auth_ws_server.admin() as admin:
        value, _ = admin.create_token(workspaces=[team_a])
    with auth_ws_server.client(bearer(value), team_a) as scoped:
        response = scoped.call("POST", f"{TOKENS}/create", {"comment": "wider"})
    if response.status_code == 200:
        minted = response.json()["token_value"]
        with auth_ws_server.client(bearer(minted), team_b) as wider:
            assert_denied(wider.call("POST", f"{API}/experiments/search", {}))
    else:
        assert_denied(response)


def test_token_limited_to_no_workspace_reaches_none(
    auth_ws_server: AuthServer, teams: tuple[str, str]
) -> None:
    with auth_ws_server.admin() as admin:
        response = admin.call("POST", f"{TOKENS}/create", {"workspaces": []})
    if response.status_code == 400:
        return
    assert response.status_code == 200, response.text
    value = response.json()["token_value"]
    for workspace in (*teams, None):
        with auth_ws_server.client(bearer(value), workspace) as scoped:
            assert_denied(scoped.call("POST", f"{API}/experiments/search", {}))


def test_workspace_limited_token_cannot_manage_other_workspaces(
    auth_ws_server: AuthServer, teams: tuple[str, str]
) -> None:
    team_a, _ = teams
    victim = unique_name("victim")
    with auth_ws_server.admin() as admin:
        assert admin.call("POST", WORKSPACES, {"name": victim}).status_code == 201
        value, _ = admin.create_token(workspaces=[team_a])
    with auth_ws_server.client(bearer(value), team_a) as scoped:
        update = scoped.call("PATCH", f"{WORKSPACES}/{victim}", {"description": "changed"})
        delete = scoped.call("DELETE", f"{WORKSPACES}/{victim}")
    with auth_ws_server.admin() as admin:
        kept = admin.call("GET", f"{WORKSPACES}/{victim}")
    assert kept.status_code == 200, kept.text
    assert kept.json()["workspace"].get("description") is None
    assert_denied(update)
    assert_denied(delete)
