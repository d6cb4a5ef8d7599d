"""Registered-model endpoints: ``/registered-models/...``."""

from __future__ import annotations

from typing import Any

from atrium.protocol import registry as p
from atrium.server import wire
from atrium.server.params import required, to_key_values
from atrium.server.routing import Call, WireRouter
from atrium.services import registered_models as svc

router = WireRouter()


@router.route("POST", "/registered-models/create", p.CreateRegisteredModel, inline=True)
def create_registered_model(req: p.CreateRegisteredModel, call: Call) -> dict[str, Any]:
    created = svc.create_registered_model(
        call.ctx,
        call.state.uow,
        req.name,
        req.description,
        to_key_values(req.tags),
        req.deployment_job_id,
    )
    return {"registered_model": wire.registered_model(created)}


@router.route("GET", "/registered-models/get", p.ModelName, inline=True)
def get_registered_model(req: p.ModelName, call: Call) -> dict[str, Any]:
    found = svc.get_registered_model(call.ctx, call.state.uow, req.name)
    return {"registered_model": wire.registered_model(found)}


@router.route("POST", "/registered-models/rename", p.RenameRegisteredModel, inline=True)
def rename_registered_model(req: p.RenameRegisteredModel, call: Call) -> dict[str, Any]:
    renamed = svc.rename_registered_model(call.ctx, call.state.uow, req.name, req.new_name)
    return {"registered_model": wire.registered_model(renamed)}


@router.route("PATCH", "/registered-models/update", p.UpdateRegisteredModel, inline=True)
def update_registered_model(req: p.UpdateRegisteredModel, call: Call) -> dict[str, Any]:
    updated = svc.update_registered_model(
        call.ctx, call.state.uow, req.name, req.description, req.deployment_job_id
    )
    return {"registered_model": wire.registered_model(updated)}


@router.route("DELETE", "/registered-models/delete", p.ModelName)
def delete_registered_model(req: p.ModelName, call: Call) -> dict[str, Any]:
    svc.delete_registered_model(call.ctx, call.state.uow, req.name)
    return {}


@router.route("GET", "/registered-models/search", p.RegistrySearch)
def search_registered_models(req: p.RegistrySearch, call: Call) -> dict[str, Any]:
    found = svc.search_registered_models(
        call.ctx, call.state.uow, req.filter, req.max_results, req.order_by, req.page_token
    )
    models = [wire.registered_model(m) for m in found.items]
    return wire.page("registered_models", models, found.next_page_token)


def _latest_versions(req: p.GetLatestVersions, call: Call) -> dict[str, Any]:
    found = svc.get_latest_versions(call.ctx, call.state.uow, req.name, req.stages)
    return {"model_versions": [wire.model_version(v) for v in found]}


router.route("POST", "/registered-models/get-latest-versions", p.GetLatestVersions)(
    _latest_versions
)
router.route("GET", "/registered-models/get-latest-versions", p.GetLatestVersions)(_latest_versions)


@router.route("POST", "/registered-models/set-tag", p.ModelTag, inline=True)
def set_registered_model_tag(req: p.ModelTag, call: Call) -> dict[str, Any]:
    key = required(req.key, "key")
    svc.set_registered_model_tag(call.ctx, call.state.uow, req.name, key, req.value or "")
    return {}


@router.route("DELETE", "/registered-models/delete-tag", p.ModelTag)
def delete_registered_model_tag(req: p.ModelTag, call: Call) -> dict[str, Any]:
    svc.delete_registered_model_tag(call.ctx, call.state.uow, req.name, required(req.key, "key"))
    return {}


@router.route("POST", "/registered-models/alias", p.ModelAlias, inline=True)
def set_registered_model_alias(req: p.ModelAlias, call: Call) -> dict[str, Any]:
    svc.set_registered_model_alias(call.ctx, call.state.uow, req.name, req.alias, req.version)
    return {}


@router.route("DELETE", "/registered-models/alias", p.ModelAlias, inline=True)
def delete_registered_model_alias(req: p.ModelAlias, call: Call) -> dict[str, Any]:
    svc.delete_registered_model_alias(call.ctx, call.state.uow, req.name, req.alias)
    return {}


@router.route("GET", "/registered-models/alias", p.ModelAlias, inline=True)
def get_model_version_by_alias(req: p.ModelAlias, call: Call) -> dict[str, Any]:
    found = svc.get_model_version_by_alias(call.ctx, call.state.uow, req.name, req.alias)
    return {"model_version": wire.model_version(found)}
