"""``--app-name basic-auth``: who gets in, what a refusal looks like, and the user accounts.

Every refusal is a 401 plain-text body with a ``WWW-Authenticate: Basic`` challenge that is the
same whatever went wrong, so it never tells whether a user exists; a refused request changes
nothing. Passwords are kept as argon2id hashes; password changes and deletes take effect at
once even though the server remembers verified credentials for 60 s.
"""

from __future__ import annotations

import base64

import pytest

from tests.integration.conftest import AuthMember
from tests.support.auth_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    API,
    ARGON2ID,
    TOKENS,
    USERS,
    WORKSPACES,
    AuthClient,
    AuthServer,
    assert_denied,
    assert_unauthenticated,
    basic,
    query,
    raw_call,
    unique_name,
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# Authorization values that must all be refused with the same 401 (the wrong-password and
# unknown-user cases pay for one argon2 check each).
BAD_AUTHORIZATION: dict[str, str] = {
    "basic without credential": "Basic",
    "basic blank credential": "Basic    ",
    "bad base64": "Basic !!!not-base64!!!",
    "base64 with a stray character": "Basic " + _b64(b"admin:x") + "*",
    "not utf-8": "Basic " + _b64(b"admin:\xff\xfe\xfa"),
    "no colon": "Basic " + _b64(ADMIN.encode() + ADMIN_PASSWORD.encode()),
    "empty user": "Basic " + _b64(f":{ADMIN_PASSWORD}".encode()),
    "empty password": basic(ADMIN, ""),
    "wrong password": basic(ADMIN, ADMIN_PASSWORD + "x"),
    "password of another case": basic(ADMIN, ADMIN_PASSWORD.upper()),
    "unknown user": basic("nobody-at-all", ADMIN_PASSWORD),
    "username with another case": basic(ADMIN.upper(), ADMIN_PASSWORD),
    "scheme only": "Bearer",
    "empty bearer": "Bearer    ",
    "unknown bearer": "Bearer atr_" + "A" * 43,
    "password as bearer": f"Bearer {ADMIN_PASSWORD}",
    "digest scheme": "Digest x",
    "token scheme": "Token x",
    "negotiate scheme": "Negotiate YIIB",
    "credential without scheme": _b64(f"{ADMIN}:{ADMIN_PASSWORD}".encode()),
    "basic credentials under another scheme": "Token " + _b64(f"{ADMIN}:{ADMIN_PASSWORD}".encode()),
    "10 KB basic": "Basic " + "A" * 10_240,
    "10 KB basic with a valid prefix": basic(ADMIN, ADMIN_PASSWORD) + "A" * 10_240,
    "10 KB bearer": "Bearer " + "x" * 10_240,
    "64 KB basic": "Basic " + _b64(b"admin:" + b"p" * 48_000),
}


def test_missing_credentials_are_refused_with_a_basic_challenge(auth_server: AuthServer) -> None:
    with auth_server.client(None) as anonymous:
        for method, path in [
            ("GET", f"{API}/experiments/search"),
            ("POST", f"{API}/runs/search"),
            ("GET", f"{USERS}/current"),
            ("GET", f"{TOKENS}/list"),
            ("GET", "/openapi.json"),
            ("GET", "/docs"),
            ("GET", "/ajax-api/2.0/mlflow/users/current"),
            # Unknown paths too: a 404 would tell an anonymous caller what is mounted.
            ("GET", f"{API}/no-such-endpoint"),
            ("PUT", f"{API}/experiments/create"),
        ]:
            assert_unauthenticated(anonymous.call(method, path, {} if method != "GET" else None))


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_bad_credentials_are_refused_and_change_nothing(
    auth_server: AuthServer, auth_admin: AuthClient, authorization: str
) -> None:
    name = unique_name("refused")
    headers = {"Authorization": authorization}
    response = raw_call(
        auth_server.url, "POST", f"{API}/experiments/create", headers, {"name": name}
    )
    body = assert_unauthenticated(response)
    assert not auth_admin.experiment_exists(name)
    with auth_server.client(None) as anonymous:
        anonymous_body = assert_unauthenticated(anonymous.call("GET", f"{API}/experiments/search"))
    # Whatever was wrong, the answer is the same: nothing about users or the credential leaks.
    assert body == anonymous_body
    assert ADMIN_PASSWORD not in body


def test_refusals_do_not_tell_which_users_exist(
    auth_server: AuthServer, auth_member: AuthMember
) -> None:
    bodies = set()
    for authorization in (
        basic(auth_member.username, "wrong-password-123"),
        basic(unique_name("ghost"), "wrong-password-123"),
    ):
        with auth_server.client(authorization) as caller:
            response = caller.call("GET", f"{USERS}/current")
        bodies.add(assert_unauthenticated(response))
        assert auth_member.username not in response.text
    assert len(bodies) == 1


def test_public_routes_need_no_credentials_even_with_a_garbled_header(
    auth_server: AuthServer,
) -> None:
    for authorization in (None, "Digest x", "Basic !!!"):
        with auth_server.client(authorization) as caller:
            health = caller.call("GET", "/health")
            assert (health.status_code, health.text) == (200, "OK")
            assert caller.call("GET", "/version").status_code == 200
            for prefix in ("/api/3.0", "/ajax-api/3.0"):
                info = caller.call("GET", f"{prefix}/mlflow/server-info")
                assert info.status_code == 200, info.text
                assert info.json()["workspaces_enabled"] is False


def test_admin_signs_in_with_basic(auth_admin: AuthClient) -> None:
    assert auth_admin.current_user() == {"id": 1, "username": ADMIN, "is_admin": True}
    current = auth_admin.ok("GET", "/ajax-api/2.0/mlflow/users/current")
    assert current == {
        "user": {"id": 1, "username": ADMIN, "is_admin": True},
        "is_basic_auth": True,
    }
    experiment_id = auth_admin.create_experiment()
    found = auth_admin.ok("GET", f"{API}/experiments/get", experiment_id=experiment_id)
    assert found["experiment"]["experiment_id"] == experiment_id
    assert auth_admin.call("GET", "/openapi.json").json()["info"]["title"] == "Atrium"


def test_non_admins_are_kept_out_of_others_resources_and_admin_routes(
    auth_server: AuthServer, auth_admin: AuthClient, auth_member: AuthMember
) -> None:
    """With the default READ floor a user reads the admin's experiment but cannot write to it,
    and a 403 is the same whether the resource exists or not."""
    experiment_id = auth_admin.create_experiment()
    name = unique_name("member-write")
    with auth_server.client(auth_member.basic) as member:
        member.ok("GET", f"{API}/experiments/get", experiment_id=experiment_id)
        for method, path, body in [
            ("GET", f"{API}/experiments/get", {"experiment_id": "987654321"}),
            (
                "POST",
                f"{API}/experiments/update",
                {"experiment_id": experiment_id, "new_name": name},
            ),
            ("POST", f"{API}/runs/create", {"experiment_id": experiment_id}),
            ("PUT", "/api/2.0/mlflow-artifacts/artifacts/x/y.txt", None),
            ("POST", f"{USERS}/create", {"username": name, "password": "long-enough-pw"}),
            (
                "PATCH",
                f"{USERS}/update-admin",
                {"username": auth_member.username, "is_admin": True},
            ),
            ("DELETE", f"{USERS}/delete", {"username": ADMIN}),
            ("PATCH", f"{USERS}/update-password", {"username": ADMIN, "password": "x" * 20}),
            ("GET", f"{USERS}/get", {"username": ADMIN}),
            ("GET", f"{USERS}/get", {"username": unique_name("ghost")}),
            ("POST", WORKSPACES, {"name": "team-x"}),
            ("GET", f"{WORKSPACES}/default", None),
        ]:
            assert_denied(member.call(method, path, body))
        # Their own account is theirs to see.
        me = member.ok("GET", f"{USERS}/get", username=auth_member.username)["user"]
        assert me == member.current_user()
        assert (me["username"], me["is_admin"]) == (auth_member.username, False)
        assert member.call("GET", "/openapi.json").status_code == 200
        assert member.call("GET", "/docs").status_code == 200
    assert not auth_admin.experiment_exists(name)
    assert auth_admin.ok("GET", f"{USERS}/get", username=ADMIN)["user"]["is_admin"] is True
    assert auth_admin.call("GET", f"{USERS}/get", params={"username": name}).status_code == 404


def test_passwords_are_stored_as_argon2id_hashes(
    auth_server: AuthServer, auth_member: AuthMember
) -> None:
    rows = query(
        auth_server.auth_uri,
        "SELECT username, password_hash, is_admin FROM users WHERE username IN (:a, :m)",
        a=ADMIN,
        m=auth_member.username,
    )
    stored = {row.username: (row.password_hash, bool(row.is_admin)) for row in rows}
    assert set(stored) == {ADMIN, auth_member.username}
    assert stored[ADMIN][1] is True and stored[auth_member.username][1] is False
    for username, password in [
        (ADMIN, ADMIN_PASSWORD),
        (auth_member.username, auth_member.password),
    ]:
        password_hash = stored[username][0]
        assert ARGON2ID.match(password_hash), password_hash
        assert password not in password_hash
    # Salted: the two hashes share nothing but their parameters.
    assert stored[ADMIN][0].split("$")[4] != stored[auth_member.username][0].split("$")[4]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"password": "long-enough-pw"}, "Username and password cannot be empty."),
        ({"username": "{name}"}, "Username and password cannot be empty."),
        ({"username": "{name}", "password": ""}, "Username and password cannot be empty."),
        ({"username": "{name}", "password": "elevenchars"}, "at least 12 characters"),
        ({"username": "{name}", "password": "password1234"}, "insecure default"),
    ],
    ids=["no username", "no password", "empty password", "11 characters", "legacy default"],
)
def test_create_user_refuses_bad_passwords(
    auth_admin: AuthClient, body: dict[str, str], message: str
) -> None:
    name = unique_name("weak")
    sent = {key: value.replace("{name}", name) for key, value in body.items()}
    response = auth_admin.call("POST", f"{USERS}/create", sent)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert message in response.json()["message"]
    assert auth_admin.call("GET", f"{USERS}/get", params={"username": name}).status_code == 404


def test_duplicate_user_is_resource_already_exists(
    auth_server: AuthServer, auth_admin: AuthClient, auth_member: AuthMember
) -> None:
    response = auth_admin.call(
        "POST", f"{USERS}/create", {"username": auth_member.username, "password": "another-pw-123"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    # The first user's password is untouched.
    with auth_server.client(auth_member.basic) as member:
        assert member.current_user()["username"] == auth_member.username


def test_admin_cannot_delete_themself(auth_admin: AuthClient) -> None:
    response = auth_admin.call("DELETE", f"{USERS}/delete", {"username": ADMIN})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert auth_admin.current_user()["username"] == ADMIN


def test_users_list_and_update_admin(
    auth_server: AuthServer, auth_admin: AuthClient, auth_member: AuthMember
) -> None:
    listed = {u["username"]: u for u in auth_admin.ok("GET", f"{USERS}/list")["users"]}
    assert listed[ADMIN]["is_admin"] is True
    assert listed[auth_member.username]["is_admin"] is False
    assert all("password" not in str(user).lower() for user in listed.values())
    with auth_server.client(auth_member.bearer) as member:
        assert_denied(member.call("PATCH", f"{USERS}/update-admin", {"username": ADMIN}))
        promote = {"username": auth_member.username, "is_admin": True}
        assert auth_admin.ok("PATCH", f"{USERS}/update-admin", promote) == {}
        try:
            assert member.current_user()["is_admin"] is True
            assert member.call("GET", f"{USERS}/list").status_code == 200
        finally:
            demote = {"username": auth_member.username, "is_admin": False}
            assert auth_admin.ok("PATCH", f"{USERS}/update-admin", demote) == {}
        # Demotion takes effect on the very next request.
        assert_denied(member.call("PATCH", f"{USERS}/update-admin", {"username": ADMIN}))


def test_self_service_password_change(auth_server: AuthServer, auth_admin: AuthClient) -> None:
    username, old, new = unique_name("rotator"), "old-password-123", "new-password-456"
    auth_admin.create_user(username, old)
    change = f"{USERS}/update-password"
    with auth_server.client(basic(username, old)) as user:
        assert user.current_user()["username"] == username  # now verified and remembered
        for body in (
            {"username": username, "password": new},
            {"username": username, "password": new, "current_password": "not-the-password"},
        ):
            assert_denied(user.call("PATCH", change, body))
        same = user.call(
            "PATCH", change, {"username": username, "password": old, "current_password": old}
        )
        assert same.status_code == 400, same.text
        short = user.call(
            "PATCH", change, {"username": username, "password": "short", "current_password": old}
        )
        assert short.status_code == 400, short.text
        assert user.current_user()["username"] == username  # nothing changed so far
        assert (
            user.ok(
                "PATCH", change, {"username": username, "password": new, "current_password": old}
            )
            == {}
        )
        # Refused at once, even though the old password was just verified and remembered.
        assert_unauthenticated(user.call("GET", f"{USERS}/current"))
    with auth_server.client(basic(username, new)) as user:
        assert user.current_user()["username"] == username
    stored = query(
        auth_server.auth_uri, "SELECT password_hash FROM users WHERE username = :u", u=username
    )
    assert len(stored) == 1 and ARGON2ID.match(stored[0].password_hash)
    auth_admin.ok("DELETE", f"{USERS}/delete", {"username": username})


def test_admin_password_reset_and_delete_take_effect_at_once(
    auth_server: AuthServer, auth_admin: AuthClient
) -> None:
    username, first, second = unique_name("managed"), "first-password-1", "second-password-2"
    auth_admin.create_user(username, first)
    with auth_server.client(basic(username, first)) as user:
        assert user.current_user()["username"] == username
        auth_admin.ok(
            "PATCH", f"{USERS}/update-password", {"username": username, "password": second}
        )
        assert_unauthenticated(user.call("GET", f"{USERS}/current"))
    token, _ = auth_admin.create_token(username=username)
    with (
        auth_server.client(basic(username, second)) as user,
        auth_server.client(f"Bearer {token}") as by_token,
    ):
        assert user.current_user()["username"] == username
        assert by_token.current_user()["username"] == username
        assert auth_admin.ok("DELETE", f"{USERS}/delete", {"username": username}) == {}
        assert_unauthenticated(user.call("GET", f"{USERS}/current"))
        assert_unauthenticated(by_token.call("GET", f"{USERS}/current"))
    assert auth_admin.call("GET", f"{USERS}/get", params={"username": username}).status_code == 404
    assert query(auth_server.auth_uri, "SELECT id FROM users WHERE username = :u", u=username) == []
