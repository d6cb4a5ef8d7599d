"""Find the resource a permission check is about, inside the request's workspace, with a cache.

A lookup is made in the request workspace only, as the handlers do, so a resource of another
workspace resolves to nothing. Results are remembered for ``workspace_cache_ttl_seconds`` in a
cache bounded by ``workspace_cache_max_size``; misses for a few seconds only, so a resource made
on another replica is found soon. A stale entry cannot widen access: the handler looks the
resource up again in the request workspace and answers "does not exist" when it moved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from atrium.domain.registry_rules import PROMPT_TAG, grant_type_of
from atrium.domain.search.ast import Comparison
from atrium.errors import AtriumError
from atrium.services.auth.ttl_cache import TtlCache
from atrium.stores.base import Repositories, UnitOfWork

MISS_TTL_SECONDS = 5.0

T = TypeVar("T")

# (resource type, key): a registered model is checked as a prompt when it is one.
ModelKey = tuple[str, str]


def _model_key(repos: Repositories, pk: int) -> ModelKey:
    model = repos.registered_models.get(pk)
    return (grant_type_of(model.tags), model.name)


class ResourceResolver:
    def __init__(self, uow: UnitOfWork, max_size: int, ttl_seconds: float) -> None:
        self._uow = uow
        self._cache: TtlCache[tuple[str, str, str], object] = TtlCache(max_size, ttl_seconds)

    def _cached(self, label: str, workspace: str, key: str, fetch: Callable[[], T]) -> T | None:
        cache_key = (label, workspace, key)
        hit, value = self._cache.lookup(cache_key)
        if hit:
            return value  # type: ignore[return-value]
        try:
            found: T | None = fetch()
        except AtriumError:  # a malformed id is simply not found
            found = None
        self._cache.put(cache_key, found, None if found is not None else MISS_TTL_SECONDS)
        return found

    def remember(self, label: str, workspace: str, key: str, value: object) -> None:
        self._cache.put((label, workspace, key), value)

    def forget(self, label: str, workspace: str, key: str) -> None:
        self._cache.discard((label, workspace, key))

    def forget_model(self, workspace: str, name: str) -> None:
        """After a rename or delete: the name, and every registry-copy mapping of the workspace
        (they name the model, and a model's id is not known here)."""
        self.forget("registered-model", workspace, name)
        self._cache.discard_if(lambda k: k[0] == "registered-model-pk" and k[1] == workspace)

    def experiment(self, workspace: str, experiment_id: str) -> str | None:
        """The id of an experiment of ``workspace``, or None."""

        def fetch() -> str | None:
            with self._uow.read() as repos:
                found = repos.experiments.get(workspace, experiment_id, with_tags=False)
            return None if found is None else found.experiment_id

        return self._cached("experiment", workspace, experiment_id, fetch)

    def experiment_named(self, workspace: str, name: str) -> str | None:
        """Not cached: names change (renames), and a client looks a name up just before it
        creates it."""
        with self._uow.read() as repos:
            found = repos.experiments.get_by_name(workspace, name)
        return None if found is None else found.experiment_id

    def run_experiment(self, workspace: str, run_id: str) -> str | None:
        """The experiment of a run of ``workspace`` (runs never change experiment)."""

        def fetch() -> str | None:
            with self._uow.read() as repos:
                record = repos.runs.find(workspace, run_id)
            return None if record is None else record.info.experiment_id

        return self._cached("run", workspace, run_id, fetch)

    def logged_model_experiment(self, workspace: str, model_id: str) -> str | None:
        def fetch() -> str | None:
            with self._uow.read() as repos:
                pk = repos.logged_models.find_pk(workspace, model_id, allow_deleted=True)
                return None if pk is None else repos.logged_models.get(pk).experiment_id

        return self._cached("logged-model", workspace, model_id, fetch)

    def registered_model(self, workspace: str, name: str) -> ModelKey | None:
        def fetch() -> ModelKey | None:
            with self._uow.read() as repos:
                pk = repos.registered_models.find_pk(workspace, name)
                return None if pk is None else _model_key(repos, pk)

        return self._cached("registered-model", workspace, name, fetch)

    def prompt_names(self, workspace: str) -> frozenset[str]:
        """Every prompt of ``workspace`` (not cached; only a few searches need it)."""
        prompts = [Comparison("tag", PROMPT_TAG, "=", "true")]
        names: set[str] = set()
        token: str | None = None
        with self._uow.read() as repos:
            while True:
                page = repos.registered_models.search(workspace, prompts, [], 1000, token)
                names.update(model.name for model in page.items)
                token = page.next_page_token
                if not token:
                    return frozenset(names)

    def registered_model_by_pk(self, workspace: str, pk: int) -> ModelKey | None:
        """The model whose registry copies live under ``_registry/<pk>`` of ``workspace``."""

        def fetch() -> ModelKey | None:
            with self._uow.read() as repos:
                name = repos.registered_models.name_of(workspace, pk)
                return None if name is None else _model_key(repos, pk)

        return self._cached("registered-model-pk", workspace, str(pk), fetch)
