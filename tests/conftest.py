"""Fixtures shared by every suite: a fresh database per backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import postgres

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
def backend_uri(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database on each backend; PostgreSQL being unreachable fails the run."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "atrium.db"
        yield f"sqlite:///{path}"
        return
    uri = postgres.create_database()
    try:
        yield uri
    finally:
        postgres.drop_database(uri)
