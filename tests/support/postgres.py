"""Throw-away PostgreSQL databases for tests.

PostgreSQL is expected at 127.0.0.1:5432 (user ``postgres``, trust auth). If it is unreachable
a ``RuntimeError`` is raised: tests depending on it must fail, never skip.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

PG_HOST = os.environ.get("ATRIUM_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ATRIUM_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ATRIUM_TEST_PG_USER", "postgres")
MAINTENANCE_DB = "postgres"
DB_PREFIX = "atrium_t_"


def _base_uri(dbname: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    uri = _base_uri(MAINTENANCE_DB)
    try:
        return psycopg.connect(uri, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {uri} ({exc}). The PostgreSQL test backend is "
            "mandatory: start PostgreSQL 15 on 127.0.0.1:5432 (user postgres, trust auth)."
        ) from exc


def create_database() -> str:
    """Create a new empty database and return its ``postgresql://`` URI."""
    dbname = f"{DB_PREFIX}{uuid.uuid4().hex[:16]}"
    with _admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return _base_uri(dbname)


def drop_database(uri: str) -> None:
    """Drop the database named by ``uri`` (created by :func:`create_database`)."""
    dbname = urlsplit(uri).path.lstrip("/")
    if not dbname.startswith(DB_PREFIX):
        raise ValueError(f"refusing to drop a database not created by the tests: {dbname!r}")
    with _admin_connection() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
