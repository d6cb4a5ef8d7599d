"""``atrium tokens``: mint, list and revoke access tokens.

A new token's value is printed once, alone on standard output, so that a script can capture
it (``TOKEN=$(atrium tokens create)``); everything else goes to standard error.
"""

from __future__ import annotations

import dataclasses

import click

from atrium.cli._common import (
    connect,
    echo_json,
    echo_table,
    format_time,
    json_option,
    tracking_uri_option,
)
from atrium.client import AccountsClient, TokenInfo


@click.group()
def tokens() -> None:
    """Manage access tokens (sent as MLFLOW_TRACKING_TOKEN by clients).

    Sign in with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or
    MLFLOW_TRACKING_TOKEN.
    """


def _describe(info: TokenInfo) -> str:
    limits = ", ".join(info.workspaces) if info.workspaces is not None else "all workspaces"
    expires = format_time(info.expiry_time) or "never"
    mode = "read-only" if info.read_only else "read-write"
    return f"Token {info.token_id} ({mode}; {limits}; expires {expires})."


@tokens.command("create")
@click.option("--comment", default=None, help="A note shown by `atrium tokens list`.")
@click.option(
    "--lifetime-seconds",
    type=click.IntRange(min=1),
    default=None,
    help="Expire after this many seconds (default: never).",
)
@click.option(
    "--workspace",
    "workspaces",
    multiple=True,
    help="Limit the token to this workspace; repeat for several (default: every workspace).",
)
@click.option("--read-only", is_flag=True, help="The token may only read.")
@click.option(
    "--user",
    "username",
    default=None,
    help="Whose token (admins only), e.g. a service user's. Default: your own.",
)
@tracking_uri_option
@json_option
def create_token(
    comment: str | None,
    lifetime_seconds: int | None,
    workspaces: tuple[str, ...],
    read_only: bool,
    username: str | None,
    tracking_uri: str,
    as_json: bool,
) -> None:
    """Create an access token and print its value once.

    The value cannot be shown again: store it now. Its id (for `atrium tokens revoke`)
    is printed on standard error.
    """
    with connect(tracking_uri) as http:
        created = AccountsClient(http).create_token(
            comment=comment,
            lifetime_seconds=lifetime_seconds,
            workspaces=workspaces or None,
            read_only=read_only,
            username=username,
        )
    if as_json:
        echo_json({"token_value": created.value, "token_info": dataclasses.asdict(created.info)})
        return
    click.echo(created.value)
    click.echo(_describe(created.info), err=True)


@tokens.command("list")
@click.option("--user", "username", default=None, help="List another user's tokens (admins only).")
@tracking_uri_option
@json_option
def list_tokens(username: str | None, tracking_uri: str, as_json: bool) -> None:
    """List your tokens (never their values), or another user's with --user."""
    with connect(tracking_uri) as http:
        found = AccountsClient(http).list_tokens(username)
    if as_json:
        echo_json([dataclasses.asdict(info) for info in found])
        return
    rows = [
        (
            t.token_id,
            format_time(t.creation_time),
            format_time(t.expiry_time) or "never",
            "yes" if t.read_only else "no",
            ",".join(t.workspaces) if t.workspaces is not None else "*",
            t.comment,
        )
        for t in found
    ]
    echo_table(("ID", "CREATED", "EXPIRES", "READ_ONLY", "WORKSPACES", "COMMENT"), rows)


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(min=0))
@tracking_uri_option
def revoke_token(token_id: int, tracking_uri: str) -> None:
    """Revoke TOKEN_ID (see `atrium tokens list`): it stops working at once."""
    with connect(tracking_uri) as http:
        AccountsClient(http).delete_token(token_id)
    click.echo(f"Revoked token {token_id}.")
