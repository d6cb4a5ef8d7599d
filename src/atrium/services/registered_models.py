"""Registered-model use cases: create, read, rename, update, delete, search, tags, aliases."""

from __future__ import annotations

from collections.abc import Sequence

from atrium.domain import registry_rules as rules
from atrium.domain.entities import STAGES, KeyValue, ModelVersion, Page, RegisteredModel
from atrium.domain.search import REGISTERED_MODELS, parse_filter, parse_order_by
from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext, now_ms
from atrium.services.paging import check_max_results
from atrium.stores.base import Repositories, UnitOfWork

MAX_MODELS_PER_PAGE = 1000
DEFAULT_MODELS_PER_PAGE = 100


def require_model(repos: Repositories, ctx: RequestContext, name: str | None) -> int:
    """The model's key; a name that breaks the naming rule simply names no model (404)."""
    if not name:
        raise InvalidParameterValue("Missing value for required parameter 'name'.")
    pk = repos.registered_models.find_pk(ctx.workspace, name)
    if pk is None:
        raise ResourceDoesNotExist(f"Registered Model with name={name} not found")
    return pk


def create_registered_model(
    ctx: RequestContext,
    uow: UnitOfWork,
    name: str | None,
    description: str | None,
    tags: Sequence[KeyValue],
    deployment_job_id: str | None,
) -> RegisteredModel:
    name = rules.validate_model_name(name)
    for tag in tags:
        rules.validate_registry_tag(tag.key, tag.value)
    now = now_ms()
    model = RegisteredModel(
        name=name,
        creation_timestamp=now,
        last_updated_timestamp=now,
        description=description,
        user_id=ctx.principal,
        deployment_job_id=deployment_job_id,
        tags=tuple(tags),
    )
    with uow.write() as repos:
        pk = repos.registered_models.create(ctx.workspace, model)
        return repos.registered_models.get(pk)


def get_registered_model(ctx: RequestContext, uow: UnitOfWork, name: str | None) -> RegisteredModel:
    with uow.read() as repos:
        return repos.registered_models.get(require_model(repos, ctx, name))


def rename_registered_model(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, new_name: str | None
) -> RegisteredModel:
    new_name = rules.validate_model_name(new_name)
    with uow.write() as repos:
        pk = require_model(repos, ctx, name)
        repos.registered_models.rename(pk, new_name, now_ms())
        return repos.registered_models.get(pk)


def update_registered_model(
    ctx: RequestContext,
    uow: UnitOfWork,
    name: str | None,
    description: str | None,
    deployment_job_id: str | None,
) -> RegisteredModel:
    with uow.write() as repos:
        pk = require_model(repos, ctx, name)
        changes: dict[str, object] = {"last_updated_timestamp": now_ms()}
        if description is not None:
            changes["description"] = description
        if deployment_job_id is not None:
            changes["deployment_job_id"] = deployment_job_id
        repos.registered_models.update(pk, **changes)
        return repos.registered_models.get(pk)


def delete_registered_model(ctx: RequestContext, uow: UnitOfWork, name: str | None) -> None:
    with uow.write() as repos:
        repos.registered_models.delete(require_model(repos, ctx, name))


def search_registered_models(
    ctx: RequestContext,
    uow: UnitOfWork,
    filter_string: str | None,
    max_results: int | None,
    order_by: Sequence[str],
    page_token: str | None,
) -> Page[RegisteredModel]:
    limit = check_max_results(max_results, DEFAULT_MODELS_PER_PAGE, MAX_MODELS_PER_PAGE)
    filters = [*parse_filter(filter_string, REGISTERED_MODELS), *ctx.search_limits]
    ordering = parse_order_by(order_by, REGISTERED_MODELS)
    with uow.read() as repos:
        return repos.registered_models.search(ctx.workspace, filters, ordering, limit, page_token)


def set_registered_model_tag(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, key: str, value: str
) -> None:
    rules.validate_registry_tag(key, value)
    with uow.write() as repos:
        repos.registered_models.set_tags(require_model(repos, ctx, name), [KeyValue(key, value)])


def delete_registered_model_tag(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, key: str
) -> None:
    with uow.write() as repos:
        if not repos.registered_models.delete_tag(require_model(repos, ctx, name), key):
            raise ResourceDoesNotExist(f"No tag with key '{key}' on registered model '{name}'")


def get_latest_versions(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, stages: Sequence[str]
) -> list[ModelVersion]:
    wanted = [rules.canonical_stage(s) for s in stages] if stages else list(STAGES)
    with uow.read() as repos:
        pk = require_model(repos, ctx, name)
        return repos.model_versions.latest_per_stage(pk, list(dict.fromkeys(wanted)))


def set_registered_model_alias(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, alias: str | None, version: str | None
) -> None:
    alias = rules.validate_alias(alias)
    number = rules.parse_version(version)
    with uow.write() as repos:
        pk = require_model(repos, ctx, name)
        if repos.model_versions.find_pk(pk, number) is None:
            raise ResourceDoesNotExist(f"Model Version (name={name}, version={number}) not found")
        repos.registered_models.set_alias(pk, alias, number)
        repos.registered_models.update(pk, last_updated_timestamp=now_ms())


def delete_registered_model_alias(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, alias: str | None
) -> None:
    alias = rules.validate_alias(alias)
    with uow.write() as repos:
        pk = require_model(repos, ctx, name)
        if repos.registered_models.alias_version(pk, alias) is None:
            raise ResourceDoesNotExist(f"Registered model alias {alias} not found.")
        repos.registered_models.delete_alias(pk, alias)


def get_model_version_by_alias(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, alias: str | None
) -> ModelVersion:
    if not alias:
        raise InvalidParameterValue("Missing value for required parameter 'alias'.")
    with uow.read() as repos:
        pk = require_model(repos, ctx, name)
        if alias.lower() == "latest":
            number: int | None = _max_version(repos, pk)
        else:
            number = repos.registered_models.alias_version(pk, alias)
        version_pk = repos.model_versions.find_pk(pk, number) if number is not None else None
        if version_pk is None:
            raise ResourceDoesNotExist(f"Registered model alias {alias} not found.")
        return repos.model_versions.get(version_pk)


def _max_version(repos: Repositories, model_pk: int) -> int | None:
    latest = repos.model_versions.latest_per_stage(model_pk, STAGES)
    return max((v.version for v in latest), default=None)
