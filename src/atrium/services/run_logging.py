"""Logging into a run: metrics, params, tags, dataset inputs and model outputs.

Everything is validated before anything is written, and each request is one transaction, so a
batch lands whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from atrium.domain import validation
from atrium.domain.entities import DatasetInput, KeyValue, Metric, ModelOutput
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext
from atrium.services.runs import RUN_NAME_TAG, require_active_run
from atrium.stores.base import Repositories, RunRecord, UnitOfWork


def _check_params_unique(params: Sequence[KeyValue]) -> None:
    counts = Counter(p.key for p in params)
    duplicates = sorted(key for key, count in counts.items() if count > 1)
    if duplicates:
        raise InvalidParameterValue(
            f"Duplicate parameter keys have been submitted: {duplicates}. Please ensure the "
            "request contains only one param value per param key."
        )


def _write_params(repos: Repositories, record: RunRecord, params: Sequence[KeyValue]) -> None:
    existing = repos.runs.existing_params(record.pk, [p.key for p in params])
    for param in params:
        old = existing.get(param.key)
        if old is not None and old != param.value:
            raise InvalidParameterValue(
                f"Changing param values is not allowed. Param with key='{param.key}' was already "
                f"logged with value='{old}' for run ID='{record.info.run_id}'. "
                f"Attempted logging new value '{param.value}'."
            )
    repos.runs.insert_params(record.pk, [p for p in params if p.key not in existing])


def _write_tags(repos: Repositories, record: RunRecord, tags: Sequence[KeyValue]) -> None:
    repos.runs.set_tags(record.pk, tags)
    renamed = [t.value for t in tags if t.key == RUN_NAME_TAG]
    if renamed:
        repos.runs.update(record.pk, name=renamed[-1])


def log_batch(
    ctx: RequestContext,
    uow: UnitOfWork,
    run_id: str | None,
    metrics: Sequence[Metric],
    params: Sequence[KeyValue],
    tags: Sequence[KeyValue],
) -> None:
    validation.validate_batch_sizes(len(metrics), len(params), len(tags))
    for metric in metrics:
        validation.validate_metric(metric.key, metric.value, metric.timestamp, metric.step)
    for param in params:
        validation.validate_param(param.key, param.value)
    for tag in tags:
        validation.validate_tag(tag.key, tag.value)
    _check_params_unique(params)
    with uow.write() as repos:
        record = require_active_run(repos, ctx, run_id)
        if params:
            _write_params(repos, record, params)
        if tags:
            _write_tags(repos, record, tags)
        repos.metrics.log(record.pk, metrics)


def log_metric(ctx: RequestContext, uow: UnitOfWork, run_id: str | None, metric: Metric) -> None:
    log_batch(ctx, uow, run_id, [metric], (), ())


def log_param(ctx: RequestContext, uow: UnitOfWork, run_id: str | None, param: KeyValue) -> None:
    log_batch(ctx, uow, run_id, (), [param], ())


def set_tag(ctx: RequestContext, uow: UnitOfWork, run_id: str | None, tag: KeyValue) -> None:
    log_batch(ctx, uow, run_id, (), (), [tag])


def delete_tag(ctx: RequestContext, uow: UnitOfWork, run_id: str | None, key: str) -> None:
    with uow.write() as repos:
        record = require_active_run(repos, ctx, run_id)
        if not repos.runs.delete_tag(record.pk, key):
            raise ResourceDoesNotExist(f"No tag with name: {key} in run with id {run_id}")


def _validate_dataset_input(item: DatasetInput) -> None:
    dataset = item.dataset
    limits = (
        ("dataset name", dataset.name, validation.MAX_DATASET_NAME_LENGTH),
        ("dataset digest", dataset.digest, validation.MAX_DATASET_DIGEST_LENGTH),
        ("dataset source", dataset.source, validation.MAX_DATASET_SOURCE_LENGTH),
        ("dataset schema", dataset.schema, validation.MAX_DATASET_SCHEMA_LENGTH),
        ("dataset profile", dataset.profile, validation.MAX_DATASET_PROFILE_LENGTH),
    )
    for what, value, limit in limits:
        validation.validate_length(what, value, limit)
    for tag in item.tags:
        validation.validate_length("input tag key", tag.key, validation.MAX_INPUT_TAG_KEY_LENGTH)
        validation.validate_length(
            "input tag value", tag.value, validation.MAX_INPUT_TAG_VALUE_LENGTH
        )


def log_inputs(
    ctx: RequestContext,
    uow: UnitOfWork,
    run_id: str | None,
    datasets: Sequence[DatasetInput],
    model_ids: Sequence[str],
) -> None:
    for item in datasets:
        _validate_dataset_input(item)
    with uow.write() as repos:
        record = require_active_run(repos, ctx, run_id)
        repos.runs.add_dataset_inputs(record.pk, record.info.experiment_id, datasets)
        for model_id in model_ids:
            _require_model(repos, ctx, model_id)
        repos.runs.add_model_io(record.pk, "input", [ModelOutput(m, 0) for m in model_ids])


def log_outputs(
    ctx: RequestContext, uow: UnitOfWork, run_id: str | None, models: Sequence[ModelOutput]
) -> None:
    with uow.write() as repos:
        record = require_active_run(repos, ctx, run_id)
        for model in models:
            _require_model(repos, ctx, model.model_id)
        repos.runs.add_model_io(record.pk, "output", models)


def _require_model(repos: Repositories, ctx: RequestContext, model_id: str) -> None:
    if repos.logged_models.find_pk(ctx.workspace, model_id) is None:
        raise ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")
