"""``atrium users|tokens|permissions`` against a running basic-auth server, as operators use them.

Commands run through click's runner (stdin for prompts) and, once, as a real subprocess.
Secrets reach the commands only by prompt, standard input or the environment; every failure
the server reports is one ``Error:`` line with exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from atrium.cli.main import cli
from atrium.cli.permissions import permissions
from atrium.cli.tokens import tokens
from atrium.cli.users import users
from tests.support.auth_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    API,
    WORKSPACES,
    AuthServer,
    auth_server_env,
    basic,
    bearer,
    serve_auth,
    unique_name,
)
from tests.support.ports import free_port
from tests.support.workspace_helpers import error_line, fresh_database, run_atrium

AS_ADMIN = {"MLFLOW_TRACKING_USERNAME": ADMIN, "MLFLOW_TRACKING_PASSWORD": ADMIN_PASSWORD}
# What the test run might have inherited that would change who a command is or where it goes.
_CLEARED: dict[str, str | None] = {
    "ATRIUM_TRACKING_URI": None,
    "MLFLOW_TRACKING_URI": None,
    "MLFLOW_WORKSPACE": None,
    "MLFLOW_TRACKING_USERNAME": None,
    "MLFLOW_TRACKING_PASSWORD": None,
    "MLFLOW_TRACKING_TOKEN": None,
}


def _password() -> str:
    return f"pw-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """A basic-auth server with workspaces on, on SQLite (tracking and auth in one file)."""
    folder = tmp_path_factory.mktemp("cli-admin")
    with (
        fresh_database("sqlite", folder) as uri,
        serve_auth("sqlite", uri, folder, uri, enable_workspaces=True) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def workspace(server: AuthServer) -> str:
    name = unique_name("team")
    with server.admin() as admin:
        admin.ok("POST", WORKSPACES, {"name": name})
    return name


def atrium(
    server: AuthServer,
    *args: str,
    who: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Result:
    """Run ``atrium <args>`` in-process against ``server``, as ``who`` (default: the admin)."""
    env = {**_CLEARED, "MLFLOW_TRACKING_URI": server.url, **(AS_ADMIN if who is None else who)}
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


def fails(result: Result) -> str:
    """The one ``Error:`` line of a command that failed with status 1 (besides the prompts it
    showed on stderr); nothing on stdout."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.rstrip().endswith(":")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == "", result.stdout
    return lines[0]


def as_json(result: Result) -> Any:
    return json.loads(ok(result))


def usernames(server: AuthServer) -> dict[str, bool]:
    """``{username: is_admin}`` as ``atrium users list --json`` reports it."""
    return {
        u["username"]: u["is_admin"] for u in as_json(atrium(server, "users", "list", "--json"))
    }


def token_env(token: str) -> dict[str, str]:
    return {"MLFLOW_TRACKING_TOKEN": token}


# --------------------------------------------------------------------------------------------
# Users.


def test_create_user_by_prompt_asks_twice_and_the_password_signs_in(server: AuthServer) -> None:
    name, password = unique_name("prompted"), _password()
    result = atrium(server, "users", "create", name, stdin=f"{password}\n{password}\n")
    assert ok(result).strip().startswith(f"Created user '{name}' (id ")
    assert result.stderr.count("assword") == 2  # the two prompts, on stderr
    assert password not in result.stdout + result.stderr  # hidden input is never echoed
    with server.client(basic(name, password)) as me:
        assert me.current_user()["username"] == name


def test_create_user_reads_one_line_with_password_stdin(server: AuthServer) -> None:
    name, password = unique_name("piped"), _password()
    result = atrium(
        server, "users", "create", name, "--password-stdin", "--json", stdin=f"{password}\n"
    )
    created = as_json(result)
    assert created["username"] == name and created["is_admin"] is False
    assert result.stderr == ""
    with server.client(basic(name, password)) as me:
        assert me.current_user()["id"] == created["id"]


def test_mismatched_prompt_answers_create_nobody(server: AuthServer) -> None:
    name = unique_name("mismatch")
    line = fails(atrium(server, "users", "create", name, stdin=f"{_password()}\n{_password()}\n"))
    assert line == "Error: The two passwords do not match."
    assert name not in usernames(server)


def test_password_rules_and_duplicates_are_the_servers_one_line_errors(
    server: AuthServer,
) -> None:
    name = unique_name("rules")
    short = fails(atrium(server, "users", "create", name, "--password-stdin", stdin="short\n"))
    assert short == "Error: Password must be at least 12 characters."
    empty = fails(atrium(server, "users", "create", name, "--password-stdin", stdin=""))
    assert empty == "Error: No password on standard input."
    ok(atrium(server, "users", "create", name, "--password-stdin", stdin=f"{_password()}\n"))
    again = fails(
        atrium(server, "users", "create", name, "--password-stdin", stdin=f"{_password()}\n")
    )
    assert name in again


def test_list_set_admin_and_delete(server: AuthServer) -> None:
    name = unique_name("promoted")
    with server.admin() as admin:
        admin.create_user(name, service=True)
    table = ok(atrium(server, "users", "list")).splitlines()
    assert table[0].split() == ["ID", "USERNAME", "ADMIN"]
    assert any(row.split()[1:] == [name, "no"] for row in table[1:])
    assert usernames(server)[ADMIN] is True

    assert ok(atrium(server, "users", "set-admin", name)) == f"'{name}' is now a super admin.\n"
    assert usernames(server)[name] is True
    ok(atrium(server, "users", "set-admin", name, "--no-admin"))
    assert usernames(server)[name] is False

    kept = atrium(server, "users", "delete", name, stdin="n\n")
    assert kept.exit_code == 1 and name in usernames(server)
    assert ok(atrium(server, "users", "delete", name, "--yes")) == f"Deleted user '{name}'.\n"
    assert name not in usernames(server)
    assert fails(atrium(server, "users", "delete", name, "--yes")) == (
        f"Error: User with username={name} not found"
    )


def test_a_service_user_has_no_password_and_works_with_a_token(server: AuthServer) -> None:
    name = unique_name("svc")
    assert ok(atrium(server, "users", "create", name, "--service")).startswith(
        f"Created service user '{name}'"
    )
    token = ok(atrium(server, "tokens", "create", "--user", name, "--comment", "ci")).strip()
    mine = as_json(atrium(server, "tokens", "list", "--json", who=token_env(token)))
    assert [t["comment"] for t in mine] == ["ci"]
    both = atrium(server, "users", "create", name, "--service", "--password-stdin", stdin="x\n")
    assert both.exit_code == 2 and "no password" in both.stderr


# --------------------------------------------------------------------------------------------
# Tokens.


@dataclass(frozen=True)
class Member:
    """A non-admin signing in with a token the admin minted for them."""

    name: str
    token: str

    @property
    def env(self) -> dict[str, str]:
        return token_env(self.token)


@pytest.fixture(scope="module")
def member(server: AuthServer) -> Member:
    name = unique_name("member")
    with server.admin() as admin:
        admin.create_user(name, service=True)
        token, _ = admin.create_token(username=name)
    return Member(name, token)


def test_create_prints_the_value_alone_and_it_authenticates_until_revoked(
    server: AuthServer, member: Member
) -> None:
    who = member.env
    result = atrium(server, "tokens", "create", "--comment", "laptop", who=who)
    value = ok(result)
    assert value.count("\n") == 1 and " " not in value.strip()
    token = value.strip()
    token_id = result.stderr.split()[1]
    assert result.stderr.startswith(f"Token {token_id} (read-write; all workspaces; expires never)")
    with server.client(bearer(token)) as me:
        assert me.current_user()["username"] == member.name

    listed = ok(atrium(server, "tokens", "list", who=token_env(token))).splitlines()
    assert listed[0].split() == ["ID", "CREATED", "EXPIRES", "READ_ONLY", "WORKSPACES", "COMMENT"]
    assert any(row.split()[0] == token_id and row.endswith("laptop") for row in listed[1:])
    assert token not in "\n".join(listed)

    assert (
        ok(atrium(server, "tokens", "revoke", token_id, who=who)) == f"Revoked token {token_id}.\n"
    )
    refused = fails(atrium(server, "tokens", "list", who=token_env(token)))
    assert "not authenticated" in refused and "MLFLOW_TRACKING_TOKEN" in refused
    gone = fails(atrium(server, "tokens", "revoke", token_id, who=who))
    assert gone == f"Error: Token {token_id} not found"


def test_create_with_limits_as_json(server: AuthServer, workspace: str, member: Member) -> None:
    limits = ("--workspace", workspace, "--workspace", "default", "--lifetime-seconds", "3600")
    about = ("--comment", "dashboards", "--user", member.name)
    created = as_json(atrium(server, "tokens", "create", "--json", "--read-only", *limits, *about))
    info = created["token_info"]
    assert info["read_only"] is True and info["comment"] == "dashboards"
    assert info["workspaces"] == [workspace, "default"]
    assert info["expiry_time"] - info["creation_time"] == 3_600_000
    listed = as_json(atrium(server, "tokens", "list", "--json", "--user", member.name))
    assert info in listed
    with server.client(bearer(created["token_value"])) as me:
        assert me.current_user()["username"] == member.name
    too_long = fails(atrium(server, "tokens", "create", "--lifetime-seconds", "999999999"))
    assert "lifetime_seconds must be between 1 and" in too_long


# --------------------------------------------------------------------------------------------
# Secrets never on the command line; errors on one line.


def _options(group: click.Group) -> dict[str, list[str]]:
    return {
        name: [opt for param in command.params for opt in param.opts if opt.startswith("-")]
        for name, command in group.commands.items()
    }


def test_no_command_takes_a_secret_as_an_argument(server: AuthServer) -> None:
    for group in (users, tokens, permissions):
        for command, opts in _options(group).items():
            secret = [
                o for o in opts if ("password" in o and o != "--password-stdin") or "token" in o
            ]
            assert not secret, (group.name, command, secret)
    refused = atrium(server, "users", "create", "eve", "--password", "pw-123456789012")
    assert refused.exit_code == 2 and "No such option '--password'" in refused.stderr
    assert "eve" not in usernames(server)


def test_server_refusals_are_one_line(server: AuthServer, member: Member) -> None:
    anonymous = fails(atrium(server, "users", "list", who={}))
    assert "not authenticated" in anonymous and "MLFLOW_TRACKING_USERNAME" in anonymous
    wrong = {"MLFLOW_TRACKING_USERNAME": ADMIN, "MLFLOW_TRACKING_PASSWORD": "wrong-password-x"}
    assert "not authenticated" in fails(atrium(server, "users", "list", who=wrong))
    half = fails(atrium(server, "users", "list", who={"MLFLOW_TRACKING_USERNAME": ADMIN}))
    assert "must be set together" in half
    denied = fails(atrium(server, "users", "set-admin", member.name, who=member.env))
    assert denied == "Error: Permission denied"
    unknown_ws = fails(atrium(server, "users", "list", "--workspace", "no-such-ws-x"))
    assert "no-such-ws-x" in unknown_ws


def test_an_unreachable_or_wrong_tracking_uri_is_one_line(server: AuthServer) -> None:
    port = free_port()
    down = fails(atrium(server, "users", "list", "--tracking-uri", f"http://127.0.0.1:{port}"))
    assert down.startswith(f"Error: Cannot reach the tracking server at http://127.0.0.1:{port}")
    database = fails(atrium(server, "users", "list", "--tracking-uri", "sqlite:///atrium.db"))
    assert "is not the http(s) URL of a running server" in database


def test_end_to_end_in_a_subprocess(server: AuthServer, tmp_path: Path) -> None:
    """The installed entry point: a user from stdin, then their token captured from stdout."""
    name, password = unique_name("e2e"), _password()
    admin_env = auth_server_env({"ATRIUM_TRACKING_URI": server.url, **AS_ADMIN})
    created = run_atrium("users", "create", name, "--password-stdin", env=admin_env, stdin=password)
    assert created.returncode == 0, created.stderr
    user_env = auth_server_env(
        {
            "ATRIUM_TRACKING_URI": server.url,
            "MLFLOW_TRACKING_USERNAME": name,
            "MLFLOW_TRACKING_PASSWORD": password,
        }
    )
    minted = run_atrium("tokens", "create", env=user_env)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    with server.client(bearer(token)) as me:
        assert me.current_user()["username"] == name
    line = error_line(run_atrium("users", "delete", name, "--yes", env=user_env))
    assert line == "Error: Permission denied"


# --------------------------------------------------------------------------------------------
# Permissions (workspace level and resource level).


@pytest.fixture(scope="module")
def bob(server: AuthServer) -> str:
    name = unique_name("bob")
    with server.admin() as admin:
        admin.create_user(name, service=True)
    return name


def perm(server: AuthServer, verb: str, user: str, *rest: str) -> Result:
    """``atrium permissions <verb> --user <user> <rest>`` as the admin."""
    return atrium(server, "permissions", verb, "--user", user, *rest)


def _members(server: AuthServer, workspace: str) -> dict[str, str]:
    rows = as_json(atrium(server, "permissions", "list", "--workspace", workspace, "--json"))
    return {row["username"]: row["permission"] for row in rows}


def test_workspace_level_grant_list_revoke(server: AuthServer, workspace: str, bob: str) -> None:
    granted = perm(server, "grant", bob, "--workspace", workspace, "--level", "use")
    assert ok(granted) == f"Granted USE on workspace '{workspace}' to '{bob}'.\n"
    assert _members(server, workspace)[bob] == "USE"
    ok(perm(server, "grant", bob, "--workspace", workspace, "--level", "MANAGE"))
    assert _members(server, workspace)[bob] == "MANAGE"
    table = ok(atrium(server, "permissions", "list", "--workspace", workspace)).splitlines()
    assert table[0].split() == ["USERNAME", "PERMISSION"]
    assert [bob, "MANAGE"] in [row.split() for row in table[1:]]

    bad = fails(perm(server, "grant", bob, "--workspace", workspace, "--level", "READ"))
    assert "READ" in bad
    revoked = perm(server, "revoke", bob, "--workspace", workspace)
    assert ok(revoked) == f"Revoked '{bob}''s access to workspace '{workspace}'.\n"
    assert bob not in _members(server, workspace)

    nowhere = perm(server, "grant", bob, "--level", "USE")
    assert nowhere.exit_code == 2 and "--workspace" in nowhere.stderr


def _held(server: AuthServer, user: str, *extra: str) -> list[tuple[str, str, str, str]]:
    found = as_json(perm(server, "list", user, "--json", *extra))
    return [
        (r["workspace"], r["resource_type"], r["resource_pattern"], r["permission"])
        for r in found["permissions"]
    ]


def test_resource_level_grant_list_revoke(server: AuthServer, workspace: str, bob: str) -> None:
    model = unique_name("model")
    with server.admin(workspace) as admin:
        experiment = admin.create_experiment()
        admin.ok("POST", f"{API}/registered-models/create", {"name": model})
    in_ws = ("--workspace", workspace)
    granted = perm(server, "grant", bob, "--experiment", experiment, "--level", "READ", *in_ws)
    assert ok(granted) == f"Granted READ on experiment '{experiment}' to '{bob}'.\n"
    ok(perm(server, "grant", bob, "--registered-model", model, "--level", "EDIT", *in_ws))
    held = _held(server, bob)
    assert (workspace, "experiment", experiment, "READ") in held
    assert (workspace, "registered_model", model, "EDIT") in held
    assert set(_held(server, bob, *in_ws)) <= {row for row in held if row[0] == workspace}
    table = ok(perm(server, "list", bob, *in_ws)).splitlines()
    assert table[0].split() == ["WORKSPACE", "RESOURCE_TYPE", "RESOURCE", "PERMISSION", "ROLE"]
    assert any(row.split()[:4] == [workspace, "experiment", experiment, "READ"] for row in table)

    ok(perm(server, "revoke", bob, "--experiment", experiment, *in_ws))
    ok(perm(server, "revoke", bob, "--registered-model", model, *in_ws))
    assert not [row for row in _held(server, bob) if row[2] in (experiment, model)]

    wrong = fails(perm(server, "grant", bob, "--resource", "workspace", "*", "--level", "USE"))
    assert "workspace" in wrong
    both = perm(
        server, "grant", bob, "--experiment", "1", "--registered-model", model, "--level", "READ"
    )
    assert both.exit_code == 2 and "at most one" in both.stderr


def test_list_without_options_shows_your_own(server: AuthServer, member: Member) -> None:
    mine = as_json(atrium(server, "permissions", "list", "--json", who=member.env))
    assert mine["is_admin"] is False
    admin = ok(atrium(server, "permissions", "list"))
    assert admin.startswith("Super admin: every permission in every workspace.\n")
