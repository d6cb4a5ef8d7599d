"""Experiment endpoints: ``/experiments/...``."""

from __future__ import annotations

from typing import Any

from atrium.protocol import experiments as p
from atrium.server import wire
from atrium.server.params import required, to_key_values
from atrium.server.routing import Call, WireRouter
from atrium.services import experiments as svc

router = WireRouter()


@router.route("POST", "/experiments/create", p.CreateExperiment, inline=True)
def create_experiment(req: p.CreateExperiment, call: Call) -> dict[str, Any]:
    experiment_id = svc.create_experiment(
        call.ctx,
        call.state.uow,
        call.state.locations,
        required(req.name, "name"),
        req.artifact_location,
        to_key_values(req.tags),
    )
    return {"experiment_id": experiment_id}


@router.route("GET", "/experiments/get", p.ExperimentId, inline=True)
def get_experiment(req: p.ExperimentId, call: Call) -> dict[str, Any]:
    found = svc.get_experiment(
        call.ctx, call.state.uow, required(req.experiment_id, "experiment_id")
    )
    return {"experiment": wire.experiment(found)}


@router.route("GET", "/experiments/get-by-name", p.GetExperimentByName, inline=True)
def get_experiment_by_name(req: p.GetExperimentByName, call: Call) -> dict[str, Any]:
    name = required(req.experiment_name, "experiment_name")
    return {
        "experiment": wire.experiment(svc.get_experiment_by_name(call.ctx, call.state.uow, name))
    }


def _search(req: p.SearchExperiments, call: Call) -> dict[str, Any]:
    found = svc.search_experiments(
        call.ctx,
        call.state.uow,
        req.view_type or "ACTIVE_ONLY",
        req.max_results,
        req.filter,
        req.order_by,
        req.page_token,
    )
    return wire.page(
        "experiments", [wire.experiment(e) for e in found.items], found.next_page_token
    )


router.route("POST", "/experiments/search", p.SearchExperiments)(_search)
router.route("GET", "/experiments/search", p.SearchExperiments)(_search)


@router.route("POST", "/experiments/update", p.UpdateExperiment, inline=True)
def update_experiment(req: p.UpdateExperiment, call: Call) -> dict[str, Any]:
    experiment_id = required(req.experiment_id, "experiment_id")
    svc.update_experiment(
        call.ctx, call.state.uow, experiment_id, required(req.new_name, "new_name")
    )
    return {}


@router.route("POST", "/experiments/delete", p.ExperimentId)
def delete_experiment(req: p.ExperimentId, call: Call) -> dict[str, Any]:
    svc.delete_experiment(call.ctx, call.state.uow, required(req.experiment_id, "experiment_id"))
    return {}


@router.route("POST", "/experiments/restore", p.ExperimentId)
def restore_experiment(req: p.ExperimentId, call: Call) -> dict[str, Any]:
    svc.restore_experiment(call.ctx, call.state.uow, required(req.experiment_id, "experiment_id"))
    return {}


@router.route("POST", "/experiments/set-experiment-tag", p.SetExperimentTag, inline=True)
def set_experiment_tag(req: p.SetExperimentTag, call: Call) -> dict[str, Any]:
    svc.set_experiment_tag(
        call.ctx,
        call.state.uow,
        required(req.experiment_id, "experiment_id"),
        required(req.key, "key"),
        req.value or "",
    )
    return {}


@router.route("POST", "/experiments/delete-experiment-tag", p.DeleteExperimentTag, inline=True)
def delete_experiment_tag(req: p.DeleteExperimentTag, call: Call) -> dict[str, Any]:
    svc.delete_experiment_tag(
        call.ctx,
        call.state.uow,
        required(req.experiment_id, "experiment_id"),
        required(req.key, "key"),
    )
    return {}
