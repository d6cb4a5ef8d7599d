"""Model-version use cases; creating a version copies its files into registry-owned storage.

Creation runs in three steps so no database lock is held while files are copied: the version
is recorded as PENDING_REGISTRATION, the files are copied, and it becomes READY (or
FAILED_REGISTRATION with the reason).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from atrium.domain import registry_rules as rules
from atrium.domain.entities import (
    VERSION_FAILED,
    VERSION_PENDING,
    VERSION_READY,
    KeyValue,
    ModelVersion,
    Page,
)
from atrium.domain.search import MODEL_VERSIONS, parse_filter, parse_order_by
from atrium.errors import AtriumError, InvalidParameterValue, ResourceDoesNotExist
from atrium.services.context import RequestContext, now_ms
from atrium.services.model_sources import RegistryStorage, resolve_source_key
from atrium.services.paging import check_max_results
from atrium.services.registered_models import require_model
from atrium.stores.base import Repositories, UnitOfWork

MAX_VERSIONS_PER_PAGE = 200_000
DEFAULT_VERSIONS_PER_PAGE = 10_000
_log = logging.getLogger("atrium.registry")


def require_version(
    repos: Repositories, ctx: RequestContext, name: str | None, version: str | None
) -> int:
    model_pk = require_model(repos, ctx, name)
    number = rules.parse_version(version)
    pk = repos.model_versions.find_pk(model_pk, number)
    if pk is None:
        raise ResourceDoesNotExist(f"Model Version (name={name}, version={number}) not found")
    return pk


def _source_run_id(repos: Repositories, ctx: RequestContext, model_id: str | None) -> str | None:
    if not model_id:
        return None
    pk = repos.logged_models.find_pk(ctx.workspace, model_id)
    return repos.logged_models.get(pk).source_run_id if pk is not None else None


def _model_id_of(source: str, model_id: str | None) -> str | None:
    if model_id:
        return model_id
    rest = source.removeprefix("models:/")
    return rest if rest != source and rest.startswith("m-") and "/" not in rest else None


def create_model_version(
    ctx: RequestContext,
    uow: UnitOfWork,
    storage: RegistryStorage,
    name: str | None,
    source: str | None,
    run_id: str | None,
    tags: Sequence[KeyValue],
    run_link: str | None,
    description: str | None,
    model_id: str | None,
) -> ModelVersion:
    if not source:
        raise InvalidParameterValue("Missing value for required parameter 'source'.")
    for tag in tags:
        rules.validate_registry_tag(tag.key, tag.value)
    model_id = _model_id_of(source, model_id)
    with uow.write() as repos:
        model_pk = require_model(repos, ctx, name)
        source_key = resolve_source_key(ctx, repos, storage, source)
        number = repos.registered_models.next_version(model_pk)
        target_key = storage.version_key(ctx.workspace, model_pk, number)
        now = now_ms()
        pending = ModelVersion(
            name=name or "",
            version=number,
            creation_timestamp=now,
            last_updated_timestamp=now,
            current_stage="None",
            source=source,
            status=VERSION_PENDING,
            user_id=ctx.principal,
            description=description,
            run_id=run_id or _source_run_id(repos, ctx, model_id),
            run_link=run_link,
            model_id=model_id,
            storage_location=storage.uri_for(target_key),
            tags=tuple(tags),
        )
        version_pk = repos.model_versions.create(model_pk, pending)
        repos.registered_models.update(model_pk, last_updated_timestamp=now)
    status, message = _copy_files(storage, source_key, target_key)
    with uow.write() as repos:
        repos.model_versions.update(version_pk, status=status, status_message=message)
    # Nothing else about a brand-new version can have changed: no need to read it back.
    return dataclasses.replace(pending, status=status, status_message=message)


def _copy_files(
    storage: RegistryStorage, source_key: str, target_key: str
) -> tuple[str, str | None]:
    try:
        if not storage.store.exists(source_key):
            return VERSION_FAILED, f"No files found at the model source '{source_key}'."
        copied = storage.store.copy_tree(source_key, target_key)
    except AtriumError as error:
        return VERSION_FAILED, f"Copying the model files failed: {error.message}"
    _log.info("registered %d files from %s into %s", copied, source_key, target_key)
    return VERSION_READY, None


def get_model_version(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, version: str | None
) -> ModelVersion:
    with uow.read() as repos:
        return repos.model_versions.get(require_version(repos, ctx, name, version))


def update_model_version(
    ctx: RequestContext,
    uow: UnitOfWork,
    name: str | None,
    version: str | None,
    description: str | None,
) -> ModelVersion:
    with uow.write() as repos:
        pk = require_version(repos, ctx, name, version)
        changes: dict[str, object] = {"last_updated_timestamp": now_ms()}
        if description is not None:
            changes["description"] = description
        repos.model_versions.update(pk, **changes)
        return repos.model_versions.get(pk)


def delete_model_version(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, version: str | None
) -> None:
    with uow.write() as repos:
        repos.model_versions.delete(require_version(repos, ctx, name, version))


def transition_model_version_stage(
    ctx: RequestContext,
    uow: UnitOfWork,
    name: str | None,
    version: str | None,
    stage: str | None,
    archive_existing_versions: bool,
) -> ModelVersion:
    canonical = rules.canonical_stage(stage)
    if archive_existing_versions and canonical not in ("Staging", "Production"):
        raise InvalidParameterValue(
            f"Model version transition cannot archive existing model versions because "
            f"'{canonical}' is not an Active stage. Valid stages are Staging, Production."
        )
    with uow.write() as repos:
        pk = require_version(repos, ctx, name, version)
        model_pk = require_model(repos, ctx, name)
        now = now_ms()
        repos.model_versions.update(pk, current_stage=canonical, last_updated_timestamp=now)
        if archive_existing_versions:
            repos.model_versions.archive_stage(model_pk, canonical, pk, now)
        return repos.model_versions.get(pk)


def set_model_version_tag(
    ctx: RequestContext,
    uow: UnitOfWork,
    name: str | None,
    version: str | None,
    key: str,
    value: str,
) -> None:
    rules.validate_registry_tag(key, value)
    with uow.write() as repos:
        repos.model_versions.set_tags(
            require_version(repos, ctx, name, version), [KeyValue(key, value)]
        )


def delete_model_version_tag(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, version: str | None, key: str
) -> None:
    with uow.write() as repos:
        if not repos.model_versions.delete_tag(require_version(repos, ctx, name, version), key):
            raise ResourceDoesNotExist(f"No tag with key '{key}' on model version {name}/{version}")


def get_model_version_download_uri(
    ctx: RequestContext, uow: UnitOfWork, name: str | None, version: str | None
) -> str:
    found = get_model_version(ctx, uow, name, version)
    return found.storage_location or found.source


def search_model_versions(
    ctx: RequestContext,
    uow: UnitOfWork,
    filter_string: str | None,
    max_results: int | None,
    order_by: Sequence[str],
    page_token: str | None,
) -> Page[ModelVersion]:
    limit = check_max_results(max_results, DEFAULT_VERSIONS_PER_PAGE, MAX_VERSIONS_PER_PAGE)
    filters = parse_filter(filter_string, MODEL_VERSIONS)
    ordering = parse_order_by(order_by, MODEL_VERSIONS)
    with uow.read() as repos:
        return repos.model_versions.search(ctx.workspace, filters, ordering, limit, page_token)
