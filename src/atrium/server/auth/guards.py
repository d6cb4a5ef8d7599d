"""Per-route permission checks for non-admin users of tracking and registry routes.

A guard sees the parsed request and answers True (go on), False (403), or a narrowed request
or context (searches: only the rows the caller may read). Keys are those of
:data:`atrium.server.auth.policy.DECISIONS`; a resource route without a guard is denied.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from atrium.domain.authorization import RowFilter
from atrium.domain.registry_rules import grant_type_of
from atrium.domain.search.ast import Comparison
from atrium.errors import ResourceDoesNotExist
from atrium.protocol import experiments as pe
from atrium.protocol import logged_models as pl
from atrium.protocol import registry as pr
from atrium.protocol import runs as prun
from atrium.server.auth.artifact_access import may_access
from atrium.server.auth.asker import Asker
from atrium.server.auth.workspace_access import get_workspace
from atrium.server.routing import Call
from atrium.services.auth.authorizer import Action

Guard = Callable[[Asker, Any, Call], Any]


def _limit(key: str, rows: RowFilter) -> tuple[Comparison, ...]:
    """The search clause that keeps only the rows ``rows`` allows."""
    if rows.include is not None:
        return (Comparison("attribute", key, "IN", tuple(sorted(rows.include - rows.exclude))),)
    if rows.exclude:
        return (Comparison("attribute", key, "NOT IN", tuple(sorted(rows.exclude))),)
    return ()


def _narrowed(call: Call, key: str, rows: RowFilter) -> Call:
    limits = call.ctx.search_limits + _limit(key, rows)
    return dataclasses.replace(call, ctx=dataclasses.replace(call.ctx, search_limits=limits))


# -- experiments ------------------------------------------------------------------------------


def experiment_field(action: Action) -> Guard:
    return lambda asker, req, _call: asker.experiment_can(req.experiment_id, action)


def create_experiment(asker: Asker, req: pe.CreateExperiment, _call: Call) -> bool:
    return asker.may_create("experiment", req.name)


def experiment_by_name(asker: Asker, req: pe.GetExperimentByName, _call: Call) -> bool:
    """A name not found is reported as such (clients look a name up before creating it)."""
    name = req.experiment_name
    if not name:
        return True  # the handler refuses the missing parameter
    found = asker.authz.resources.experiment_named(asker.workspace, name)
    if found is None:
        raise ResourceDoesNotExist(f"Could not find experiment with name '{name}'")
    return asker.experiment_can(found, "read")


def search_experiments(asker: Asker, _req: Any, call: Call) -> Call:
    return _narrowed(call, "experiment_id", asker.rows("experiment"))


# -- runs, metrics, logged models -------------------------------------------------------------


def run_ref(action: Action) -> Guard:
    return lambda asker, req, _call: asker.run(req.run_id or req.run_uuid, action)


def create_run(asker: Asker, req: prun.CreateRun, _call: Call) -> bool:
    return asker.experiment_can(req.experiment_id, "update") and asker.not_denied("run")


def _readable_experiments(asker: Asker, ids: list[str], tier: str) -> list[str]:
    if not asker.not_denied(tier):
        return []
    rows = asker.rows("experiment")
    return [i for i in ids if rows.allows(i)]


def search_runs(asker: Asker, req: prun.SearchRuns, _call: Call) -> prun.SearchRuns:
    kept = _readable_experiments(asker, list(req.experiment_ids), "run")
    return req.model_copy(update={"experiment_ids": kept})


def bulk_history(asker: Asker, req: Any, _call: Call) -> bool:
    return bool(req.run_ids) and all(asker.run(run_id, "read") for run_id in req.run_ids)


def logged_model_path(action: Action) -> Guard:
    return lambda asker, _req, call: asker.logged_model(call.path.get("model_id"), action)


def create_logged_model(asker: Asker, req: pl.CreateLoggedModel, _call: Call) -> bool:
    if not (asker.experiment_can(req.experiment_id, "update") and asker.not_denied("logged_model")):
        return False
    return not req.source_run_id or asker.run(req.source_run_id, "read")


def search_logged_models(asker: Asker, req: pl.SearchLoggedModels, _call: Call) -> Any:
    kept = _readable_experiments(asker, list(req.experiment_ids), "logged_model")
    if req.experiment_ids and not kept:
        return {"models": []}
    return req.model_copy(update={"experiment_ids": kept})


# -- registry ---------------------------------------------------------------------------------


def model_name(action: Action) -> Guard:
    return lambda asker, req, _call: asker.model_can(req.name, action)


def versions_of(action: Action) -> Guard:
    return lambda asker, req, _call: asker.versions(req.name, action)


def create_registered_model(asker: Asker, req: pr.CreateRegisteredModel, _call: Call) -> bool:
    return asker.may_create(grant_type_of(req.tags), req.name)


def search_registered_models(asker: Asker, _req: Any, call: Call) -> Call:
    return _narrowed(call, "name", asker.authz.model_row_filter(asker.user_id, asker.workspace))


def _source_readable(asker: Asker, source: str, call: Call) -> bool:
    """Registering copies the source's files: the caller must be able to read them."""
    parts = urlsplit(source)
    if source.startswith("/") and not source.startswith("//"):
        root = os.path.realpath(call.state.registry.local_root)
        relative = os.path.relpath(os.path.realpath(source), root).replace(os.sep, "/")
        return not relative.startswith("..") and may_access(asker, relative, "read")
    if parts.scheme == "mlflow-artifacts":
        return not parts.netloc and may_access(asker, parts.path.lstrip("/"), "read")
    target = source.split(":", 1)[-1].strip("/").split("/")
    if parts.scheme == "runs":
        return asker.run(target[0], "read")
    if parts.scheme == "models":
        if len(target) == 1 and target[0].startswith("m-"):
            return asker.logged_model(target[0], "read")
        return len(target) >= 2 and asker.versions(target[0], "read")
    return True  # every other kind of source is refused by the handler itself


def create_model_version(asker: Asker, req: pr.CreateModelVersion, call: Call) -> bool:
    if not (asker.model_can(req.name, "update") and asker.not_denied("registered_model_version")):
        return False
    if req.run_id is not None and not asker.run(req.run_id, "read"):
        return False
    return req.source is None or _source_readable(asker, req.source, call)


def search_model_versions(asker: Asker, _req: Any, call: Call) -> Call:
    return search_registered_models(asker, _req, call)


GUARDS: dict[tuple[str, str], Guard] = {
    ("POST", "/mlflow/experiments/create"): create_experiment,
    ("POST", "/mlflow/experiments/delete"): experiment_field("delete"),
    ("POST", "/mlflow/experiments/restore"): experiment_field("delete"),
    ("POST", "/mlflow/experiments/delete-experiment-tag"): experiment_field("update"),
    ("POST", "/mlflow/experiments/set-experiment-tag"): experiment_field("update"),
    ("POST", "/mlflow/experiments/update"): experiment_field("update"),
    ("GET", "/mlflow/experiments/get"): experiment_field("read"),
    ("GET", "/mlflow/experiments/get-by-name"): experiment_by_name,
    ("GET", "/mlflow/experiments/search"): search_experiments,
    ("POST", "/mlflow/experiments/search"): search_experiments,
    ("POST", "/mlflow/runs/create"): create_run,
    ("GET", "/mlflow/runs/get"): run_ref("read"),
    ("POST", "/mlflow/runs/delete"): run_ref("delete"),
    ("POST", "/mlflow/runs/restore"): run_ref("delete"),
    ("POST", "/mlflow/runs/update"): run_ref("update"),
    ("POST", "/mlflow/runs/log-metric"): run_ref("update"),
    ("POST", "/mlflow/runs/log-parameter"): run_ref("update"),
    ("POST", "/mlflow/runs/log-batch"): run_ref("update"),
    ("POST", "/mlflow/runs/log-inputs"): run_ref("update"),
    ("POST", "/mlflow/runs/outputs"): run_ref("update"),
    ("POST", "/mlflow/runs/set-tag"): run_ref("update"),
    ("POST", "/mlflow/runs/delete-tag"): run_ref("update"),
    ("POST", "/mlflow/runs/search"): search_runs,
    ("GET", "/mlflow/metrics/get-history"): run_ref("read"),
    ("GET", "/mlflow/metrics/get-history-bulk-interval"): bulk_history,
    ("POST", "/mlflow/logged-models"): create_logged_model,
    ("POST", "/mlflow/logged-models/search"): search_logged_models,
    ("GET", "/mlflow/logged-models/{model_id}"): logged_model_path("read"),
    ("DELETE", "/mlflow/logged-models/{model_id}"): logged_model_path("delete"),
    ("PATCH", "/mlflow/logged-models/{model_id}"): logged_model_path("update"),
    ("POST", "/mlflow/logged-models/{model_id}/params"): logged_model_path("update"),
    ("PATCH", "/mlflow/logged-models/{model_id}/tags"): logged_model_path("update"),
    ("DELETE", "/mlflow/logged-models/{model_id}/tags/{tag_key:path}"): logged_model_path("delete"),
    ("POST", "/mlflow/registered-models/create"): create_registered_model,
    ("GET", "/mlflow/registered-models/get"): model_name("read"),
    ("POST", "/mlflow/registered-models/rename"): model_name("update"),
    ("PATCH", "/mlflow/registered-models/update"): model_name("update"),
    ("DELETE", "/mlflow/registered-models/delete"): model_name("delete"),
    ("POST", "/mlflow/registered-models/set-tag"): model_name("update"),
    ("DELETE", "/mlflow/registered-models/delete-tag"): model_name("update"),
    ("GET", "/mlflow/registered-models/search"): search_registered_models,
    ("GET", "/mlflow/registered-models/alias"): versions_of("read"),
    ("POST", "/mlflow/registered-models/alias"): versions_of("update"),
    ("DELETE", "/mlflow/registered-models/alias"): versions_of("update"),
    ("GET", "/mlflow/registered-models/get-latest-versions"): versions_of("read"),
    ("POST", "/mlflow/registered-models/get-latest-versions"): versions_of("read"),
    ("POST", "/mlflow/model-versions/create"): create_model_version,
    ("GET", "/mlflow/model-versions/get"): versions_of("read"),
    ("GET", "/mlflow/model-versions/get-download-uri"): versions_of("read"),
    ("PATCH", "/mlflow/model-versions/update"): versions_of("update"),
    ("POST", "/mlflow/model-versions/transition-stage"): versions_of("update"),
    ("POST", "/mlflow/model-versions/set-tag"): versions_of("update"),
    ("DELETE", "/mlflow/model-versions/delete"): versions_of("delete"),
    ("DELETE", "/mlflow/model-versions/delete-tag"): versions_of("delete"),
    ("GET", "/mlflow/model-versions/search"): search_model_versions,
    ("GET", "/mlflow/workspaces/{workspace_name}"): get_workspace,
}
