"""Model-version use cases; creating a version copies its files into registry-owned storage.

No database lock is held while files are copied. A small source (a few files, as a saved model
usually is) is copied first and its version recorded READY in one write transaction; any other
source is registered in three steps: the version is recorded as PENDING_REGISTRATION, the files
are copied, and it becomes READY (or FAILED_REGISTRATION with the reason).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from functools import partial

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
# A search of one model's versions, this many per page at most, is short enough to answer
# without handing it to a thread (see is_one_model_search).
ONE_MODEL_PAGE = 1000
# A source this small is copied before its version is recorded, READY, in one write; a larger
# one is recorded PENDING_REGISTRATION first, so clients can watch a long copy progress. Bytes
# count only when they are copied: files the store can hard-link cost none. (On SQLite a create
# runs on the event loop as far as start_model_version goes: these limits bound that too.)
SMALL_SOURCE_FILES = 64
SMALL_SOURCE_BYTES = 16 << 20
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
    """Register a new version of model ``name`` holding a copy of the files at ``source``."""
    started = start_model_version(
        ctx, uow, storage, name, source, run_id, tags, run_link, description, model_id
    )
    return started if isinstance(started, ModelVersion) else started()


def start_model_version(
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
) -> ModelVersion | Callable[[], ModelVersion]:
    """:func:`create_model_version` as far as it is quick: a small source's version, READY,
    or else the rest of the work, which copies a large source and may take long.

    Validation errors are raised here, before anything is written.
    """
    if not source:
        raise InvalidParameterValue("Missing value for required parameter 'source'.")
    for tag in tags:
        rules.validate_registry_tag(tag.key, tag.value)
    model_id = _model_id_of(source, model_id)
    with uow.read() as repos:
        model_pk = require_model(repos, ctx, name)
        source_key = resolve_source_key(ctx, repos, storage, source)
        run_id = run_id or _source_run_id(repos, ctx, model_id)
    now = now_ms()
    draft = ModelVersion(
        name=name or "",
        version=0,  # issued when the version is recorded
        creation_timestamp=now,
        last_updated_timestamp=now,
        current_stage="None",
        source=source,
        status=VERSION_READY,
        user_id=ctx.principal,
        description=description,
        run_id=run_id,
        run_link=run_link,
        model_id=model_id,
        tags=tuple(tags),
    )
    created = _register_small(ctx, uow, storage, model_pk, source_key, draft)
    return created or partial(_register_in_steps, ctx, uow, storage, source_key, draft)


def _register_small(
    ctx: RequestContext,
    uow: UnitOfWork,
    storage: RegistryStorage,
    model_pk: int,
    source_key: str,
    draft: ModelVersion,
) -> ModelVersion | None:
    """Copy a small source first, then record the version READY in one write transaction.

    None, leaving nothing behind, when the source is large, missing or fails to copy, or when
    the model was deleted or renamed meanwhile: the stepwise path then takes over.
    """
    target_key = storage.version_key(ctx.workspace, model_pk)
    try:
        copied = storage.store.copy_small_tree(
            source_key, target_key, SMALL_SOURCE_FILES, SMALL_SOURCE_BYTES
        )
    except AtriumError:
        return None  # the stepwise path copies again and records why it failed
    if copied is None:
        return None
    created, committed = None, False
    try:
        with uow.write() as repos:
            if repos.registered_models.find_pk(ctx.workspace, draft.name) == model_pk:
                number = repos.registered_models.next_version(model_pk, draft.creation_timestamp)
                location = storage.uri_for(target_key)
                created = dataclasses.replace(draft, version=number, storage_location=location)
                repos.model_versions.create(model_pk, created)
        committed = created is not None
    finally:
        if not committed:  # not recorded, or rolled back: the copy belongs to no version
            _discard(storage, target_key)
    if committed:
        _log.debug("registered %d files from %s into %s", copied, source_key, target_key)
    return created


def _register_in_steps(
    ctx: RequestContext,
    uow: UnitOfWork,
    storage: RegistryStorage,
    source_key: str,
    draft: ModelVersion,
) -> ModelVersion:
    """Record the version PENDING_REGISTRATION, copy its files, then mark it READY or FAILED."""
    with uow.write() as repos:
        model_pk = require_model(repos, ctx, draft.name)
        target_key = storage.version_key(ctx.workspace, model_pk)
        pending = dataclasses.replace(
            draft,
            version=repos.registered_models.next_version(model_pk, draft.creation_timestamp),
            status=VERSION_PENDING,
            storage_location=storage.uri_for(target_key),
        )
        version_pk = repos.model_versions.create(model_pk, pending)
    status, message = _copy_files(storage, source_key, target_key)
    with uow.write() as repos:
        repos.model_versions.update(version_pk, status=status, status_message=message)
    # Nothing else about a brand-new version can have changed: no need to read it back.
    return dataclasses.replace(pending, status=status, status_message=message)


def _discard(storage: RegistryStorage, key: str) -> None:
    try:
        storage.store.delete(key)
    except AtriumError as error:  # an orphaned copy is untidy, not wrong: log and go on
        _log.warning("could not remove the unused copy %s: %s", key, error.message)


def _copy_files(
    storage: RegistryStorage, source_key: str, target_key: str
) -> tuple[str, str | None]:
    try:
        if not storage.store.exists(source_key):
            return VERSION_FAILED, f"No files found at the model source '{source_key}'."
        copied = storage.store.copy_tree(source_key, target_key)
    except AtriumError as error:
        return VERSION_FAILED, f"Copying the model files failed: {error.message}"
    _log.debug("registered %d files from %s into %s", copied, source_key, target_key)
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
    filters = [*parse_filter(filter_string, MODEL_VERSIONS), *ctx.search_limits]
    ordering = parse_order_by(order_by, MODEL_VERSIONS)
    with uow.read() as repos:
        return repos.model_versions.search(ctx.workspace, filters, ordering, limit, page_token)


def is_one_model_search(filter_string: str | None, max_results: int | None) -> bool:
    """True when a search can only find versions of one model (``name = '...'``), a page of
    at most ``ONE_MODEL_PAGE``: its cost is bounded by that model's versions, not the registry's.

    Raises for a malformed filter, as the search itself would.
    """
    if max_results is None or max_results > ONE_MODEL_PAGE:
        return False
    filters = parse_filter(filter_string, MODEL_VERSIONS)
    return any(c.entity == "attribute" and c.key == "name" and c.op == "=" for c in filters)
