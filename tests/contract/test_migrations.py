"""The one Alembic tree upgrades an empty database on both backends to exactly ``schema.py``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from atrium.stores.sql import migrate
from atrium.stores.sql.database import create_engine
from atrium.stores.sql.schema import metadata


def test_upgrade_reaches_head_and_matches_schema(backend_uri: str) -> None:
    engine = create_engine(backend_uri)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
        assert differences == [], differences
        migrate.upgrade(engine)  # idempotent
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_workspace_column_defaults_to_default(backend_uri: str) -> None:
    engine = create_engine(backend_uri)
    try:
        migrate.upgrade(engine)
        inspector = sa.inspect(engine)
        for table in ("experiments", "runs", "logged_models"):
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            assert "workspace" in columns, table
            assert "default" in str(columns["workspace"]["default"]), table
    finally:
        engine.dispose()
