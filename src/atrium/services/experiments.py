"""Experiment use cases: create, read, search, rename, delete/restore and tags."""

from __future__ import annotations

from collections.abc import Sequence

from atrium.domain import validation
from atrium.domain.entities import ACTIVE, DELETED, Experiment, KeyValue, Page
from atrium.domain.search import EXPERIMENTS, parse_filter, parse_order_by
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext, now_ms
from atrium.services.locations import ArtifactLocations
from atrium.services.paging import check_max_results
from atrium.stores.base import Repositories, UnitOfWork

MAX_EXPERIMENTS_PER_PAGE = 50000
DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"


def require_experiment(
    repos: Repositories, ctx: RequestContext, experiment_id: str, with_tags: bool = True
) -> Experiment:
    experiment = repos.experiments.get(ctx.workspace, experiment_id, with_tags)
    if experiment is None:
        raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
    return experiment


def require_active_experiment(
    repos: Repositories, ctx: RequestContext, experiment_id: str
) -> Experiment:
    """The experiment (without its tags: callers only check it and read its location)."""
    experiment = require_experiment(repos, ctx, experiment_id, with_tags=False)
    if experiment.lifecycle_stage != ACTIVE:
        raise InvalidParameterValue(
            f"The experiment {experiment_id} must be in the 'active' state. "
            f"Current state is {experiment.lifecycle_stage}."
        )
    return experiment


def ensure_default_experiment(uow: UnitOfWork, locations: ArtifactLocations) -> None:
    """Create experiment ``0`` ("Default") in the default workspace when it is missing."""
    with uow.write() as repos:
        if repos.experiments.exists_any(int(DEFAULT_EXPERIMENT_ID)):
            return
        repos.experiments.create(
            "default",
            DEFAULT_EXPERIMENT_NAME,
            lambda eid: locations.for_experiment("default", eid),
            (),
            now_ms(),
            experiment_id=int(DEFAULT_EXPERIMENT_ID),
        )


def create_experiment(
    ctx: RequestContext,
    uow: UnitOfWork,
    locations: ArtifactLocations,
    name: str | None,
    artifact_location: str | None,
    tags: Sequence[KeyValue],
) -> str:
    name = validation.validate_experiment_name(name)
    if artifact_location and locations.workspaces_enabled:
        raise InvalidParameterValue(
            "artifact_location cannot be specified when workspaces are enabled"
        )
    validation.validate_artifact_location(artifact_location)
    for tag in tags:
        validation.validate_experiment_tag(tag.key, tag.value)

    def location_for(experiment_id: str) -> str:
        if artifact_location:
            return artifact_location
        return locations.for_experiment(ctx.workspace, experiment_id)

    with uow.write() as repos:
        return repos.experiments.create(ctx.workspace, name, location_for, tags, now_ms())


def get_experiment(ctx: RequestContext, uow: UnitOfWork, experiment_id: str) -> Experiment:
    with uow.read() as repos:
        return require_experiment(repos, ctx, experiment_id)


def get_experiment_by_name(ctx: RequestContext, uow: UnitOfWork, name: str) -> Experiment:
    with uow.read() as repos:
        experiment = repos.experiments.get_by_name(ctx.workspace, name)
    if experiment is None:
        raise ResourceDoesNotExist(f"Could not find experiment with name '{name}'")
    return experiment


def search_experiments(
    ctx: RequestContext,
    uow: UnitOfWork,
    view_type: str,
    max_results: int | None,
    filter_string: str | None,
    order_by: Sequence[str],
    page_token: str | None,
) -> Page[Experiment]:
    limit = check_max_results(max_results, 1000, MAX_EXPERIMENTS_PER_PAGE)
    filters = [*parse_filter(filter_string, EXPERIMENTS), *ctx.search_limits]
    ordering = parse_order_by(order_by, EXPERIMENTS)
    with uow.read() as repos:
        return repos.experiments.search(
            ctx.workspace, view_type, filters, ordering, limit, page_token
        )


def update_experiment(
    ctx: RequestContext, uow: UnitOfWork, experiment_id: str, new_name: str | None
) -> None:
    new_name = validation.validate_experiment_name(new_name)
    with uow.write() as repos:
        experiment = require_experiment(repos, ctx, experiment_id)
        if experiment.lifecycle_stage != ACTIVE:
            raise InvalidParameterValue("Cannot rename a non-active experiment.")
        repos.experiments.rename(experiment_id, new_name, now_ms())


def _set_lifecycle(ctx: RequestContext, uow: UnitOfWork, experiment_id: str, stage: str) -> None:
    with uow.write() as repos:
        require_experiment(repos, ctx, experiment_id)
        now = now_ms()
        repos.experiments.set_lifecycle(experiment_id, stage, now)
        repos.runs.set_lifecycle_in_experiment(experiment_id, stage, now)


def delete_experiment(ctx: RequestContext, uow: UnitOfWork, experiment_id: str) -> None:
    _set_lifecycle(ctx, uow, experiment_id, DELETED)


def restore_experiment(ctx: RequestContext, uow: UnitOfWork, experiment_id: str) -> None:
    _set_lifecycle(ctx, uow, experiment_id, ACTIVE)


def set_experiment_tag(
    ctx: RequestContext, uow: UnitOfWork, experiment_id: str, key: str, value: str
) -> None:
    validation.validate_experiment_tag(key, value)
    with uow.write() as repos:
        require_active_experiment(repos, ctx, experiment_id)
        repos.experiments.set_tags(experiment_id, [KeyValue(key, value)])


def delete_experiment_tag(
    ctx: RequestContext, uow: UnitOfWork, experiment_id: str, key: str
) -> None:
    with uow.write() as repos:
        require_active_experiment(repos, ctx, experiment_id)
        if not repos.experiments.delete_tag(experiment_id, key):
            raise ResourceDoesNotExist(
                f"No tag with name: {key} in experiment with id {experiment_id}"
            )
