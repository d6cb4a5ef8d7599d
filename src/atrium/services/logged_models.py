"""Logged-model use cases (MLflow 3.x): create, get, finalize, search, tags, params, delete."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from atrium.domain import validation
from atrium.domain.entities import LOGGED_MODEL_STATUSES, KeyValue, LoggedModel, Page
from atrium.domain.run_names import random_run_name
from atrium.domain.search import LOGGED_MODELS, parse_filter, parse_logged_model_order_by
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext, now_ms
from atrium.services.experiments import require_active_experiment
from atrium.services.locations import ArtifactLocations
from atrium.services.paging import check_max_results
from atrium.services.runs import require_run
from atrium.stores.base import Repositories, UnitOfWork

MAX_MODELS_PER_PAGE = 1000
DEFAULT_MODELS_PER_PAGE = 100


def _require_model(repos: Repositories, ctx: RequestContext, model_id: str | None) -> int:
    pk = repos.logged_models.find_pk(ctx.workspace, model_id or "") if model_id else None
    if pk is None:
        raise ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")
    return pk


def create_logged_model(
    ctx: RequestContext,
    uow: UnitOfWork,
    experiment_id: str | None,
    name: str | None,
    model_type: str | None,
    source_run_id: str | None,
    params: Sequence[KeyValue],
    tags: Sequence[KeyValue],
) -> LoggedModel:
    if not experiment_id:
        raise InvalidParameterValue("Missing value for required parameter 'experiment_id'.")
    name = name or random_run_name()
    validation.validate_logged_model_name(name)
    model_id = f"m-{uuid.uuid4().hex}"
    now = now_ms()
    with uow.write() as repos:
        experiment = require_active_experiment(repos, ctx, experiment_id)
        if source_run_id:
            require_run(repos, ctx, source_run_id)
        model = LoggedModel(
            model_id=model_id,
            experiment_id=experiment.experiment_id,
            name=name,
            artifact_uri=ArtifactLocations.for_logged_model(experiment.artifact_location, model_id),
            status="LOGGED_MODEL_PENDING",
            creation_timestamp_ms=now,
            last_updated_timestamp_ms=now,
            model_type=model_type,
            source_run_id=source_run_id,
            tags=tuple(tags),
            params=tuple(params),
        )
        repos.logged_models.create(ctx.workspace, model)
        return repos.logged_models.get(_require_model(repos, ctx, model_id))


def get_logged_model(
    ctx: RequestContext, uow: UnitOfWork, model_id: str, allow_deleted: bool = False
) -> LoggedModel:
    with uow.read() as repos:
        pk = repos.logged_models.find_pk(ctx.workspace, model_id, allow_deleted=allow_deleted)
        if pk is None:
            raise ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")
        return repos.logged_models.get(pk)


def finalize_logged_model(
    ctx: RequestContext, uow: UnitOfWork, model_id: str, status: str | None
) -> LoggedModel:
    if status not in LOGGED_MODEL_STATUSES or status == "LOGGED_MODEL_STATUS_UNSPECIFIED":
        raise InvalidParameterValue(f"Invalid value '{status}' for parameter 'status' supplied.")
    with uow.write() as repos:
        pk = _require_model(repos, ctx, model_id)
        repos.logged_models.update(pk, status=status, last_updated_timestamp_ms=now_ms())
        return repos.logged_models.get(pk)


def set_logged_model_tags(
    ctx: RequestContext, uow: UnitOfWork, model_id: str, tags: Sequence[KeyValue]
) -> LoggedModel:
    for tag in tags:
        validation.validate_key("tag", tag.key)
    with uow.write() as repos:
        pk = _require_model(repos, ctx, model_id)
        repos.logged_models.set_tags(pk, tags)
        return repos.logged_models.get(pk)


def delete_logged_model_tag(ctx: RequestContext, uow: UnitOfWork, model_id: str, key: str) -> None:
    with uow.write() as repos:
        pk = _require_model(repos, ctx, model_id)
        if not repos.logged_models.delete_tag(pk, key):
            raise ResourceDoesNotExist(f"No tag with key '{key}' found for model '{model_id}'.")


def log_logged_model_params(
    ctx: RequestContext, uow: UnitOfWork, model_id: str, params: Sequence[KeyValue]
) -> None:
    for param in params:
        validation.validate_param(param.key, param.value)
    with uow.write() as repos:
        repos.logged_models.set_params(_require_model(repos, ctx, model_id), params)


def delete_logged_model(ctx: RequestContext, uow: UnitOfWork, model_id: str) -> None:
    with uow.write() as repos:
        pk = _require_model(repos, ctx, model_id)
        repos.logged_models.update(
            pk, lifecycle_stage="deleted", last_updated_timestamp_ms=now_ms()
        )


def search_logged_models(
    ctx: RequestContext,
    uow: UnitOfWork,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    order_by: Sequence[Mapping[str, object]],
    max_results: int | None,
    page_token: str | None,
) -> Page[LoggedModel]:
    if not experiment_ids:
        raise InvalidParameterValue("Missing value for required parameter 'experiment_ids'.")
    try:
        keys = [int(e) for e in experiment_ids]
    except ValueError:
        raise InvalidParameterValue("Experiment IDs must be integers.") from None
    limit = check_max_results(max_results, DEFAULT_MODELS_PER_PAGE, MAX_MODELS_PER_PAGE)
    filters = parse_filter(filter_string, LOGGED_MODELS)
    ordering = parse_logged_model_order_by(order_by)
    with uow.read() as repos:
        return repos.logged_models.search(ctx.workspace, keys, filters, ordering, limit, page_token)
