"""What the auth layer records after a successful write, for every caller (admins included).

The creator of an experiment or registered model gets MANAGE on it through their per-user role
in the request workspace; a renamed model's per-user grants follow the new name, a deleted one's
are dropped; a new workspace gets the ``admin`` and ``user`` roles, a deleted one loses all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from atrium.domain.registry_rules import grant_type_of
from atrium.errors import ResourceAlreadyExists
from atrium.server.auth.principal import Principal
from atrium.server.routing import Call
from atrium.services.auth.authorizer import Authorizer

Hook = Callable[[Authorizer, Principal, Any, Call, Any], None]

MODEL_TYPES = ("registered_model", "prompt")

SEEDED_ROLES = (
    ("admin", "MANAGE", "Full MANAGE authority over the workspace."),
    (
        "user",
        "USE",
        "Read every resource of the workspace and create experiments and registered models; "
        "the creator of a resource manages it, other members' resources stay read-only.",
    ),
)


def experiment_created(
    authz: Authorizer, principal: Principal, _req: Any, call: Call, result: Any
) -> None:
    experiment_id = str(result["experiment_id"])
    workspace = call.ctx.workspace
    authz.store.grant(principal.user.id, workspace, "experiment", experiment_id, "MANAGE")
    authz.resources.remember("experiment", workspace, experiment_id, experiment_id)


def model_created(
    authz: Authorizer, principal: Principal, req: Any, call: Call, _result: Any
) -> None:
    workspace = call.ctx.workspace
    authz.store.grant(principal.user.id, workspace, grant_type_of(req.tags), req.name, "MANAGE")
    authz.resources.forget("registered-model", workspace, req.name)


def model_renamed(authz: Authorizer, _principal: Principal, req: Any, call: Call, _r: Any) -> None:
    workspace = call.ctx.workspace
    for resource_type in MODEL_TYPES:
        authz.store.rekey_grants(workspace, resource_type, req.name, req.new_name)
    authz.resources.forget_model(workspace, req.name)
    authz.resources.forget_model(workspace, req.new_name)


def model_deleted(authz: Authorizer, _principal: Principal, req: Any, call: Call, _r: Any) -> None:
    workspace = call.ctx.workspace
    for resource_type in MODEL_TYPES:
        authz.store.drop_grants(workspace, resource_type, req.name)
    authz.resources.forget_model(workspace, req.name)


def workspace_created(authz: Authorizer, _p: Principal, req: Any, _call: Call, _r: Any) -> None:
    for name, level, description in SEEDED_ROLES:
        try:
            role = authz.store.create_role(req.name, name, description)
        except ResourceAlreadyExists:  # left by an earlier workspace of that name
            continue
        authz.store.add_role_permission(role.id, "workspace", "*", level)


def workspace_deleted(authz: Authorizer, _p: Principal, _req: Any, call: Call, _r: Any) -> None:
    authz.store.delete_workspace_roles(call.path["workspace_name"])


HOOKS: dict[tuple[str, str], Hook] = {
    ("POST", "/mlflow/experiments/create"): experiment_created,
    ("POST", "/mlflow/registered-models/create"): model_created,
    ("POST", "/mlflow/registered-models/rename"): model_renamed,
    ("DELETE", "/mlflow/registered-models/delete"): model_deleted,
    ("POST", "/mlflow/workspaces"): workspace_created,
    ("DELETE", "/mlflow/workspaces/{workspace_name}"): workspace_deleted,
}
