"""The SQL unit of work: repositories bound to one transaction of a :class:`Database`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from atrium.stores.sql.database import Database
from atrium.stores.sql.experiments import SqlExperimentRepository
from atrium.stores.sql.logged_models import SqlLoggedModelRepository
from atrium.stores.sql.metrics import SqlMetricRepository
from atrium.stores.sql.model_versions import SqlModelVersionRepository
from atrium.stores.sql.registered_models import SqlRegisteredModelRepository
from atrium.stores.sql.runs import SqlRunRepository


class SqlRepositories:
    """Every repository of one transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.experiments = SqlExperimentRepository(connection)
        self.runs = SqlRunRepository(connection)
        self.metrics = SqlMetricRepository(connection)
        self.logged_models = SqlLoggedModelRepository(connection)
        self.registered_models = SqlRegisteredModelRepository(connection)
        self.model_versions = SqlModelVersionRepository(connection)


class SqlUnitOfWork:
    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def write(self) -> Iterator[SqlRepositories]:
        with self.database.write() as connection:
            yield SqlRepositories(connection)

    @contextmanager
    def read(self) -> Iterator[SqlRepositories]:
        with self.database.read() as connection:
            yield SqlRepositories(connection)
