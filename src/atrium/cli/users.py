"""``atrium users``: create, list, delete and promote the users of a basic-auth server."""

from __future__ import annotations

import dataclasses

import click

from atrium.cli._common import (
    connect,
    echo_json,
    echo_table,
    json_option,
    prompt_new_secret,
    read_secret_line,
    tracking_uri_option,
    workspace_option,
)
from atrium.client import AccountsClient

_REQUEST_WORKSPACE = "Workspace to act in, for workspace admins"


@click.group()
def users() -> None:
    """Manage the users of a running basic-auth server.

    Sign in with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or
    MLFLOW_TRACKING_TOKEN.
    """


@users.command("create")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@click.option(
    "--service",
    is_flag=True,
    help="A service user: no password; it signs in with tokens from `atrium tokens create --user`.",
)
@tracking_uri_option
@workspace_option(_REQUEST_WORKSPACE)
@json_option
def create_user(
    username: str,
    password_stdin: bool,
    service: bool,
    tracking_uri: str,
    workspace: str | None,
    as_json: bool,
) -> None:
    """Create USERNAME. The password is asked for twice (hidden), or read with --password-stdin."""
    if service and password_stdin:
        raise click.UsageError("--service users have no password; drop --password-stdin.")
    password = None
    if not service:
        password = read_secret_line("password") if password_stdin else prompt_new_secret("password")
    with connect(tracking_uri, workspace) as http:
        user = AccountsClient(http).create_user(username, password, service=service)
    if as_json:
        echo_json(dataclasses.asdict(user))
    else:
        kind = "service user" if service else "user"
        click.echo(f"Created {kind} '{user.username}' (id {user.id}).")


@users.command("list")
@tracking_uri_option
@workspace_option(_REQUEST_WORKSPACE)
@json_option
def list_users(tracking_uri: str, workspace: str | None, as_json: bool) -> None:
    """List every user."""
    with connect(tracking_uri, workspace) as http:
        found = AccountsClient(http).list_users()
    if as_json:
        echo_json([dataclasses.asdict(user) for user in found])
        return
    rows = [(u.id, u.username, "yes" if u.is_admin else "no") for u in found]
    echo_table(("ID", "USERNAME", "ADMIN"), rows)


@users.command("delete")
@click.argument("username")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@tracking_uri_option
def delete_user(username: str, yes: bool, tracking_uri: str) -> None:
    """Delete USERNAME, with their tokens and grants."""
    if not yes:
        click.confirm(f"Delete user '{username}'?", abort=True, err=True)
    with connect(tracking_uri) as http:
        AccountsClient(http).delete_user(username)
    click.echo(f"Deleted user '{username}'.")


@users.command("set-admin")
@click.argument("username")
@click.option(
    "--admin/--no-admin",
    "is_admin",
    default=True,
    show_default=True,
    help="Make USERNAME a super admin, or take that away.",
)
@tracking_uri_option
def set_admin(username: str, is_admin: bool, tracking_uri: str) -> None:
    """Make USERNAME a super admin (--admin, the default) or a regular user (--no-admin)."""
    with connect(tracking_uri) as http:
        AccountsClient(http).update_admin(username, is_admin)
    state = "now" if is_admin else "no longer"
    click.echo(f"'{username}' is {state} a super admin.")
