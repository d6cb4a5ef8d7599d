"""Logged-model endpoints (MLflow 3.x): ``/logged-models...``."""

from __future__ import annotations

from typing import Any

from atrium.protocol import logged_models as p
from atrium.server import wire
from atrium.server.params import required, to_key_values
from atrium.server.routing import Call, WireRouter
from atrium.services import logged_models as svc

router = WireRouter()

# Registered before the ``{model_id}`` patterns so that "search" is never taken for an id.


@router.route("POST", "/logged-models/search", p.SearchLoggedModels)
def search_logged_models(req: p.SearchLoggedModels, call: Call) -> dict[str, Any]:
    found = svc.search_logged_models(
        call.ctx,
        call.state.uow,
        req.experiment_ids,
        req.filter,
        [o.model_dump() for o in req.order_by],
        req.max_results,
        req.page_token,
    )
    return wire.page("models", [wire.logged_model(m) for m in found.items], found.next_page_token)


@router.route("POST", "/logged-models", p.CreateLoggedModel, inline=True)
def create_logged_model(req: p.CreateLoggedModel, call: Call) -> dict[str, Any]:
    created = svc.create_logged_model(
        call.ctx,
        call.state.uow,
        req.experiment_id,
        req.name,
        req.model_type,
        req.source_run_id,
        to_key_values(req.params, "params"),
        to_key_values(req.tags),
    )
    return {"model": wire.logged_model(created)}


@router.route("GET", "/logged-models/{model_id}", p.GetLoggedModel, inline=True)
def get_logged_model(req: p.GetLoggedModel, call: Call) -> dict[str, Any]:
    found = svc.get_logged_model(
        call.ctx, call.state.uow, call.path["model_id"], allow_deleted=req.allow_deleted
    )
    return {"model": wire.logged_model(found)}


@router.route("PATCH", "/logged-models/{model_id}", p.FinalizeLoggedModel, inline=True)
def finalize_logged_model(req: p.FinalizeLoggedModel, call: Call) -> dict[str, Any]:
    status = required(req.status, "status")
    found = svc.finalize_logged_model(call.ctx, call.state.uow, call.path["model_id"], status)
    return {"model": wire.logged_model(found)}


@router.route("DELETE", "/logged-models/{model_id}", None, inline=True)
def delete_logged_model(_req: None, call: Call) -> dict[str, Any]:
    svc.delete_logged_model(call.ctx, call.state.uow, call.path["model_id"])
    return {}


@router.route("PATCH", "/logged-models/{model_id}/tags", p.SetLoggedModelTags, inline=True)
def set_logged_model_tags(req: p.SetLoggedModelTags, call: Call) -> dict[str, Any]:
    found = svc.set_logged_model_tags(
        call.ctx, call.state.uow, call.path["model_id"], to_key_values(req.tags)
    )
    return {"model": wire.logged_model(found)}


@router.route("DELETE", "/logged-models/{model_id}/tags/{tag_key:path}", None)
def delete_logged_model_tag(_req: None, call: Call) -> dict[str, Any]:
    svc.delete_logged_model_tag(
        call.ctx, call.state.uow, call.path["model_id"], call.path["tag_key"]
    )
    return {}


@router.route("POST", "/logged-models/{model_id}/params", p.LogLoggedModelParams, inline=True)
def log_logged_model_params(req: p.LogLoggedModelParams, call: Call) -> dict[str, Any]:
    svc.log_logged_model_params(
        call.ctx, call.state.uow, call.path["model_id"], to_key_values(req.params, "params")
    )
    return {}
