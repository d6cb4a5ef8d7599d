"""Model-version endpoints: ``/model-versions/...``."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.responses import Response

from atrium.domain.entities import ModelVersion
from atrium.protocol import registry as p
from atrium.server import wire
from atrium.server.deferred import DeferredJSON
from atrium.server.params import required, to_key_values
from atrium.server.routing import Call, WireRouter
from atrium.services import model_versions as svc

router = WireRouter()


@router.route("POST", "/model-versions/create", p.CreateModelVersion, inline=True)
def create_model_version(req: p.CreateModelVersion, call: Call) -> dict[str, Any] | Response:
    started = svc.start_model_version(
        call.ctx,
        call.state.uow,
        call.state.registry,
        req.name,
        req.source,
        req.run_id,
        to_key_values(req.tags),
        req.run_link,
        req.description,
        req.model_id,
    )
    if isinstance(started, ModelVersion):  # a small source: registered already
        return _created(started)
    if call.state.inline_point_calls:  # on the event loop: copy a large source off it
        return DeferredJSON(lambda: _created(started()))
    return _created(started())


def _created(version: ModelVersion) -> dict[str, Any]:
    return {"model_version": wire.model_version(version)}


@router.route("GET", "/model-versions/get", p.VersionRef, inline=True)
def get_model_version(req: p.VersionRef, call: Call) -> dict[str, Any]:
    found = svc.get_model_version(call.ctx, call.state.uow, req.name, req.version)
    return {"model_version": wire.model_version(found)}


@router.route("PATCH", "/model-versions/update", p.UpdateModelVersion, inline=True)
def update_model_version(req: p.UpdateModelVersion, call: Call) -> dict[str, Any]:
    updated = svc.update_model_version(
        call.ctx, call.state.uow, req.name, req.version, req.description
    )
    return {"model_version": wire.model_version(updated)}


@router.route("DELETE", "/model-versions/delete", p.VersionRef)
def delete_model_version(req: p.VersionRef, call: Call) -> dict[str, Any]:
    svc.delete_model_version(call.ctx, call.state.uow, req.name, req.version)
    return {}


@router.route("GET", "/model-versions/search", p.RegistrySearch, inline=True)
def search_model_versions(req: p.RegistrySearch, call: Call) -> dict[str, Any] | Response:
    search = partial(_search_versions, req, call)
    # On the event loop only a page of one model's versions; any other search goes off it.
    if call.state.inline_point_calls and not svc.is_one_model_search(req.filter, req.max_results):
        return DeferredJSON(search)
    return search()


def _search_versions(req: p.RegistrySearch, call: Call) -> dict[str, Any]:
    found = svc.search_model_versions(
        call.ctx, call.state.uow, req.filter, req.max_results, req.order_by, req.page_token
    )
    versions = [wire.model_version(v) for v in found.items]
    return wire.page("model_versions", versions, found.next_page_token)


@router.route("POST", "/model-versions/transition-stage", p.TransitionStage, inline=True)
def transition_model_version_stage(req: p.TransitionStage, call: Call) -> dict[str, Any]:
    moved = svc.transition_model_version_stage(
        call.ctx,
        call.state.uow,
        req.name,
        req.version,
        required(req.stage, "stage"),
        req.archive_existing_versions,
    )
    return {"model_version": wire.model_version(moved)}


@router.route("POST", "/model-versions/set-tag", p.VersionTag, inline=True)
def set_model_version_tag(req: p.VersionTag, call: Call) -> dict[str, Any]:
    svc.set_model_version_tag(
        call.ctx,
        call.state.uow,
        req.name,
        req.version,
        required(req.key, "key"),
        req.value or "",
    )
    return {}


@router.route("DELETE", "/model-versions/delete-tag", p.VersionTag)
def delete_model_version_tag(req: p.VersionTag, call: Call) -> dict[str, Any]:
    svc.delete_model_version_tag(
        call.ctx, call.state.uow, req.name, req.version, required(req.key, "key")
    )
    return {}


@router.route("GET", "/model-versions/get-download-uri", p.VersionRef, inline=True)
def get_model_version_download_uri(req: p.VersionRef, call: Call) -> dict[str, Any]:
    uri = svc.get_model_version_download_uri(call.ctx, call.state.uow, req.name, req.version)
    return {"artifact_uri": uri}
