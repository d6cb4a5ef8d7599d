"""``atrium permissions``: grant, revoke and list permissions, per workspace or per resource.

Without a resource option a command acts on a whole workspace (``--workspace``, levels ``USE``
or ``MANAGE``); with ``--experiment``, ``--registered-model`` or ``--resource`` it acts on
that resource, ``--workspace`` then being the request workspace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from atrium.cli._common import (
    connect,
    echo_json,
    echo_table,
    json_option,
    tracking_uri_option,
    workspace_option,
)
from atrium.client import PermissionsClient, UserPermissions

F = TypeVar("F", bound=Callable[..., Any])

_WORKSPACE_HELP = "Workspace: the target when no resource is named, else the request workspace"


@dataclass(frozen=True)
class Target:
    """One resource (or ``*``, every resource of the type) a grant is about."""

    resource_type: str
    resource_id: str

    def describe(self) -> str:
        noun = self.resource_type.replace("_", " ")
        if self.resource_id == "*":
            return f"every {noun}"
        return f"{noun} '{self.resource_id}'"


def _target_options(func: F) -> F:
    func = click.option(
        "--resource",
        nargs=2,
        metavar="TYPE ID",
        default=None,
        help="Any resource type and id (or '*'), e.g. --resource prompt my-prompt.",
    )(func)
    func = click.option(
        "--registered-model", default=None, metavar="NAME", help="A registered model, or '*'."
    )(func)
    return click.option(
        "--experiment", default=None, metavar="ID", help="An experiment id, or '*'."
    )(func)


def _target(
    experiment: str | None, registered_model: str | None, resource: tuple[str, str] | None
) -> Target | None:
    given = [
        Target(kind, name)
        for kind, name in (("experiment", experiment), ("registered_model", registered_model))
        if name is not None
    ]
    if resource:
        given.append(Target(resource[0], resource[1]))
    if len(given) > 1:
        raise click.UsageError("Name at most one of --experiment, --registered-model, --resource.")
    return given[0] if given else None


def _require_workspace(workspace: str | None) -> str:
    if not workspace:
        raise click.UsageError(
            "Name a resource (--experiment, --registered-model, --resource) "
            "or a workspace (--workspace)."
        )
    return workspace


@click.group()
def permissions() -> None:
    """Manage who may do what, on a running basic-auth server.

    Sign in with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or
    MLFLOW_TRACKING_TOKEN.
    """


@permissions.command("grant")
@click.option("--user", "username", required=True, help="Who receives the permission.")
@click.option(
    "--level",
    required=True,
    help="READ, USE, EDIT, MANAGE or DENY (on a whole workspace: USE or MANAGE).",
)
@_target_options
@tracking_uri_option
@workspace_option(_WORKSPACE_HELP)
def grant(
    username: str,
    level: str,
    experiment: str | None,
    registered_model: str | None,
    resource: tuple[str, str] | None,
    tracking_uri: str,
    workspace: str | None,
) -> None:
    """Give --user a --level on a resource, or on a whole --workspace."""
    level = level.upper()
    target = _target(experiment, registered_model, resource)
    with connect(tracking_uri, workspace) as http:
        client = PermissionsClient(http)
        if target is None:
            where = _require_workspace(workspace)
            client.set_workspace_permission(where, username, level)
            click.echo(f"Granted {level} on workspace '{where}' to '{username}'.")
            return
        client.grant_permission(username, target.resource_type, target.resource_id, level)
    click.echo(f"Granted {level} on {target.describe()} to '{username}'.")


@permissions.command("revoke")
@click.option("--user", "username", required=True, help="Whose permission to remove.")
@_target_options
@tracking_uri_option
@workspace_option(_WORKSPACE_HELP)
def revoke(
    username: str,
    experiment: str | None,
    registered_model: str | None,
    resource: tuple[str, str] | None,
    tracking_uri: str,
    workspace: str | None,
) -> None:
    """Remove --user's permission on a resource, or their access to a whole --workspace."""
    target = _target(experiment, registered_model, resource)
    with connect(tracking_uri, workspace) as http:
        client = PermissionsClient(http)
        if target is None:
            where = _require_workspace(workspace)
            client.delete_workspace_permission(where, username)
            click.echo(f"Revoked '{username}''s access to workspace '{where}'.")
            return
        client.revoke_permission(username, target.resource_type, target.resource_id)
    click.echo(f"Revoked '{username}''s permission on {target.describe()}.")


@permissions.command("list")
@click.option(
    "--user",
    "username",
    default=None,
    help="Whose permissions (with --workspace: only those in that workspace).",
)
@tracking_uri_option
@workspace_option("Without --user: list this workspace's members")
@json_option
def list_permissions(
    username: str | None, tracking_uri: str, workspace: str | None, as_json: bool
) -> None:
    """List a user's permissions (--user), a workspace's members (--workspace), or your own."""
    with connect(tracking_uri, workspace) as http:
        client = PermissionsClient(http)
        if username is None and workspace:
            members = client.list_workspace_permissions(workspace)
            if as_json:
                echo_json([dataclasses.asdict(member) for member in members])
            else:
                rows = [(m.username, m.permission) for m in members]
                echo_table(("USERNAME", "PERMISSION"), rows)
            return
        held = client.list_permissions(username)
    _echo_user_permissions(held, workspace, as_json)


def _echo_user_permissions(held: UserPermissions, workspace: str | None, as_json: bool) -> None:
    rows = [row for row in held.permissions if not workspace or row.workspace == workspace]
    if as_json:
        echo_json({"is_admin": held.is_admin, "permissions": [dataclasses.asdict(r) for r in rows]})
        return
    if held.is_admin:
        click.echo("Super admin: every permission in every workspace.")
    table = [
        (r.workspace, r.resource_type, r.resource_pattern, r.permission, r.role_name) for r in rows
    ]
    echo_table(("WORKSPACE", "RESOURCE_TYPE", "RESOURCE", "PERMISSION", "ROLE"), table)
