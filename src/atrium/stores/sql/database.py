"""Engine construction and the unit of work: one transaction per request, all or nothing.

SQLite runs in WAL mode. Writers take ``BEGIN IMMEDIATE`` so two writers never deadlock on a
lock upgrade; inside one process they also queue on a lock (a fast hand-off instead of SQLite's
sleeping busy handler), and across processes the busy timeout makes them wait rather than fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, NoSuchModuleError

from atrium.errors import InvalidParameterValue

SQLITE_BUSY_TIMEOUT_MS = 60_000
_WRITE_OPTION = "atrium_write"


def normalize_uri(uri: str) -> str:
    """Map the URIs users write (``postgresql://``) to the drivers Atrium ships."""
    try:
        url = make_url(uri)
    except ArgumentError as exc:
        raise InvalidParameterValue(f"Invalid backend store URI '{uri}': {exc}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise InvalidParameterValue(
            f"Unsupported backend store URI '{uri}': use sqlite:///<path> or postgresql://..."
        )
    return url.render_as_string(hide_password=False)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA case_sensitive_like = ON")  # MLflow: LIKE is case-sensitive
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_engine(uri: str) -> sa.Engine:
    """Build the engine for a backend store URI (sqlite or postgresql)."""
    url = normalize_uri(uri)
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(
                url, pool_size=16, max_overflow=16, connect_args={"check_same_thread": False}
            )
            _configure_sqlite(engine)
            return engine
        return sa.create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise InvalidParameterValue(f"Invalid backend store URI '{uri}': {exc}") from None


@contextmanager
def _driver_errors_translated() -> Iterator[None]:
    """A value the database cannot hold is the client's mistake (400), never a 500."""
    try:
        yield
    except OverflowError as exc:
        raise InvalidParameterValue(f"Invalid value: {exc}") from exc
    except (DataError, psycopg.DataError) as exc:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise InvalidParameterValue(f"Invalid value: {detail}") from exc


class Database:
    """Owns the engine and hands out transactions."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        # Counts committed write transactions: caches of what the database holds compare it
        # to notice a change made through this process.
        self.commits = 0
        self._commits_lock = threading.Lock()

    @classmethod
    def from_uri(cls, uri: str) -> Database:
        return cls(create_engine(uri))

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A read-write transaction; commits on success, rolls back on any exception."""
        with _driver_errors_translated():
            if self._write_lock is None:
                with self.engine.begin() as connection:
                    yield connection
                self._count_commit()
                return
            with self._write_lock:
                connection = self.engine.connect().execution_options(**{_WRITE_OPTION: True})
                try:
                    with connection.begin():
                        yield connection
                    self._count_commit()
                finally:
                    connection.close()

    def _count_commit(self) -> None:
        with self._commits_lock:
            self.commits += 1

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read transaction with one consistent snapshot."""
        with _driver_errors_translated(), self.engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The integer primary key the INSERT behind ``result`` generated."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT generated no primary key")
    return int(key[0])
