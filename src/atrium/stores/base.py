"""The repository Protocols services depend on; ``stores/sql`` implements them.

A unit of work hands out one set of repositories bound to one transaction, so a request's
writes commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from atrium.domain.entities import (
    DatasetInput,
    Experiment,
    KeyValue,
    LoggedModel,
    Metric,
    ModelOutput,
    Page,
    Run,
    RunInfo,
)
from atrium.domain.search import Comparison, OrderKey


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run's storage key and info: what a service needs to check a run and log to it."""

    pk: int
    info: RunInfo


class ExperimentRepository(Protocol):
    def create(
        self,
        workspace: str,
        name: str,
        location_for: Callable[[str], str],
        tags: Sequence[KeyValue],
        now: int,
        experiment_id: int | None = None,
    ) -> str: ...
    def get(self, workspace: str, experiment_id: str) -> Experiment | None: ...
    def get_by_name(self, workspace: str, name: str) -> Experiment | None: ...
    def exists_any(self, experiment_id: int) -> bool: ...
    def rename(self, experiment_id: str, new_name: str, now: int) -> None: ...
    def set_lifecycle(self, experiment_id: str, stage: str, now: int) -> None: ...
    def set_tags(self, experiment_id: str, tags: Sequence[KeyValue]) -> None: ...
    def delete_tag(self, experiment_id: str, key: str) -> bool: ...
    def search(
        self,
        workspace: str,
        view_type: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[Experiment]: ...


class RunRepository(Protocol):
    def create(self, workspace: str, info: RunInfo, run_tags: Sequence[KeyValue]) -> int: ...
    def find(self, workspace: str, run_id: str) -> RunRecord | None: ...
    def get_run(self, workspace: str, run_id: str) -> Run | None: ...
    def update(self, pk: int, **values: Any) -> None: ...
    def set_lifecycle_in_experiment(self, experiment_id: str, stage: str, now: int) -> None: ...
    def existing_params(self, pk: int, keys: Sequence[str]) -> dict[str, str]: ...
    def insert_params(self, pk: int, new_params: Sequence[KeyValue]) -> None: ...
    def set_tags(self, pk: int, run_tags: Sequence[KeyValue]) -> None: ...
    def delete_tag(self, pk: int, key: str) -> bool: ...
    def add_dataset_inputs(
        self, pk: int, experiment_id: str, inputs: Sequence[DatasetInput]
    ) -> None: ...
    def add_model_io(self, pk: int, direction: str, models: Sequence[ModelOutput]) -> None: ...
    def search(
        self,
        workspace: str,
        experiment_ids: Sequence[int],
        view_type: str,
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[Run]: ...


class MetricRepository(Protocol):
    def log(self, run_pk: int, batch: Sequence[Metric]) -> None: ...
    def history(
        self, run_pk: int, key: str, max_results: int, page_token: str | None
    ) -> Page[Metric]: ...
    def bulk_interval(
        self,
        run_pks: dict[int, str],
        key: str,
        start_step: int | None,
        end_step: int | None,
        max_results: int,
    ) -> list[Metric]: ...


class LoggedModelRepository(Protocol):
    def create(self, workspace: str, model: LoggedModel) -> None: ...
    def find_pk(self, workspace: str, model_id: str, allow_deleted: bool = False) -> int | None: ...
    def get(self, pk: int) -> LoggedModel: ...
    def update(self, pk: int, **values: Any) -> None: ...
    def set_params(self, pk: int, model_params: Sequence[KeyValue]) -> None: ...
    def set_tags(self, pk: int, model_tags: Sequence[KeyValue]) -> None: ...
    def delete_tag(self, pk: int, key: str) -> bool: ...
    def search(
        self,
        workspace: str,
        experiment_ids: Sequence[int],
        filters: Sequence[Comparison],
        order_by: Sequence[OrderKey],
        max_results: int,
        page_token: str | None,
    ) -> Page[LoggedModel]: ...


class Repositories(Protocol):
    @property
    def experiments(self) -> ExperimentRepository: ...
    @property
    def runs(self) -> RunRepository: ...
    @property
    def metrics(self) -> MetricRepository: ...
    @property
    def logged_models(self) -> LoggedModelRepository: ...


class UnitOfWork(Protocol):
    def write(self) -> AbstractContextManager[Repositories]: ...
    def read(self) -> AbstractContextManager[Repositories]: ...
