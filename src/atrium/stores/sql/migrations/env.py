"""Alembic environment of the tracking tree."""

from __future__ import annotations

from atrium.stores.sql.migrate import run_environment
from atrium.stores.sql.schema import metadata

run_environment(metadata)
