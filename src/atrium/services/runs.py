"""Run use cases: create, read, update, delete/restore and search."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from atrium.domain import validation
from atrium.domain.entities import ACTIVE, DELETED, RUN_STATUSES, KeyValue, Page, Run, RunInfo
from atrium.domain.run_names import random_run_name
from atrium.domain.search import RUNS, parse_filter, parse_order_by
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext, now_ms
from atrium.services.experiments import require_active_experiment
from atrium.services.locations import ArtifactLocations
from atrium.services.paging import check_max_results
from atrium.stores.base import Repositories, RunRecord, UnitOfWork

RUN_NAME_TAG = "mlflow.runName"
MAX_RUNS_PER_PAGE = 50000
VIEW_TYPES = ("ACTIVE_ONLY", "DELETED_ONLY", "ALL")


def require_run(repos: Repositories, ctx: RequestContext, run_id: str | None) -> RunRecord:
    validation.validate_run_id(run_id)
    assert run_id is not None  # narrowed by validate_run_id
    record = repos.runs.find(ctx.workspace, run_id)
    if record is None:
        raise ResourceDoesNotExist(f"Run with id={run_id} not found")
    return record


def require_active_run(repos: Repositories, ctx: RequestContext, run_id: str | None) -> RunRecord:
    record = require_run(repos, ctx, run_id)
    if record.info.lifecycle_stage != ACTIVE:
        raise InvalidParameterValue(
            f"The run {record.info.run_id} must be in the 'active' state. "
            f"Current state is {record.info.lifecycle_stage}."
        )
    return record


def _resolve_run_name(run_name: str | None, tags: Sequence[KeyValue]) -> str:
    tagged = next((t.value for t in tags if t.key == RUN_NAME_TAG), None)
    if run_name and tagged and run_name != tagged:
        raise InvalidParameterValue(
            f"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
            f"different values (run_name='{run_name}', mlflow.runName='{tagged}')."
        )
    name = run_name or tagged or random_run_name()
    validation.validate_length("run_name", name, validation.MAX_RUN_NAME_LENGTH)
    return name


def create_run(
    ctx: RequestContext,
    uow: UnitOfWork,
    experiment_id: str | None,
    user_id: str | None,
    run_name: str | None,
    start_time: int | None,
    tags: Sequence[KeyValue],
) -> Run:
    for tag in tags:
        validation.validate_tag(tag.key, tag.value)
    name = _resolve_run_name(run_name, tags)
    run_tags = [t for t in tags if t.key != RUN_NAME_TAG] + [KeyValue(RUN_NAME_TAG, name)]
    run_id = uuid.uuid4().hex
    with uow.write() as repos:
        experiment = require_active_experiment(repos, ctx, experiment_id or "0")
        info = RunInfo(
            run_id=run_id,
            run_name=name,
            experiment_id=experiment.experiment_id,
            user_id=user_id or "",
            status="RUNNING",
            start_time=start_time if start_time is not None else now_ms(),
            end_time=None,
            artifact_uri=ArtifactLocations.for_run(experiment.artifact_location, run_id),
            lifecycle_stage=ACTIVE,
        )
        repos.runs.create(ctx.workspace, info, run_tags)
        return Run(info=info, tags=tuple(run_tags))


def get_run(ctx: RequestContext, uow: UnitOfWork, run_id: str | None) -> Run:
    with uow.read() as repos:
        record = require_run(repos, ctx, run_id)
        run = repos.runs.get_run(ctx.workspace, record.info.run_id)
    if run is None:
        raise ResourceDoesNotExist(f"Run with id={run_id} not found")
    return run


def update_run(
    ctx: RequestContext,
    uow: UnitOfWork,
    run_id: str | None,
    status: str | None,
    end_time: int | None,
    run_name: str | None,
) -> RunInfo:
    if status is not None and status not in RUN_STATUSES:
        raise InvalidParameterValue(f"Invalid value '{status}' for parameter 'status' supplied.")
    with uow.write() as repos:
        record = require_active_run(repos, ctx, run_id)
        changes: dict[str, object] = {}
        if status is not None:
            changes["status"] = status
        if end_time is not None:
            changes["end_time"] = end_time
        if run_name:
            validation.validate_length("run_name", run_name, validation.MAX_RUN_NAME_LENGTH)
            changes["name"] = run_name
            repos.runs.set_tags(record.pk, [KeyValue(RUN_NAME_TAG, run_name)])
        if changes:
            repos.runs.update(record.pk, **changes)
        info = record.info
        return RunInfo(
            run_id=info.run_id,
            run_name=run_name or info.run_name,
            experiment_id=info.experiment_id,
            user_id=info.user_id,
            status=status or info.status,
            start_time=info.start_time,
            end_time=end_time if end_time is not None else info.end_time,
            artifact_uri=info.artifact_uri,
            lifecycle_stage=info.lifecycle_stage,
        )


def delete_run(ctx: RequestContext, uow: UnitOfWork, run_id: str | None) -> None:
    with uow.write() as repos:
        record = require_run(repos, ctx, run_id)
        repos.runs.update(record.pk, lifecycle_stage=DELETED, deleted_time=now_ms())


def restore_run(ctx: RequestContext, uow: UnitOfWork, run_id: str | None) -> None:
    with uow.write() as repos:
        record = require_run(repos, ctx, run_id)
        repos.runs.update(record.pk, lifecycle_stage=ACTIVE, deleted_time=None)


def _experiment_keys(experiment_ids: Sequence[str]) -> list[int]:
    keys = []
    for raw in experiment_ids:
        try:
            keys.append(int(raw))
        except (TypeError, ValueError):
            raise InvalidParameterValue(
                f"Invalid experiment ID '{raw}'. Experiment ID must be a valid integer."
            ) from None
    return keys


def search_runs(
    ctx: RequestContext,
    uow: UnitOfWork,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    view_type: str | None,
    max_results: int | None,
    order_by: Sequence[str],
    page_token: str | None,
) -> Page[Run]:
    view = view_type or "ACTIVE_ONLY"
    if view not in VIEW_TYPES:
        raise InvalidParameterValue(f"Invalid value '{view}' for parameter 'run_view_type'.")
    limit = check_max_results(max_results, 1000, MAX_RUNS_PER_PAGE)
    keys = _experiment_keys(experiment_ids)
    filters = parse_filter(filter_string, RUNS)
    ordering = parse_order_by(order_by, RUNS)
    with uow.read() as repos:
        return repos.runs.search(ctx.workspace, keys, view, filters, ordering, limit, page_token)
