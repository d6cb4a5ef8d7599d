"""``atrium db``: database administration."""

from __future__ import annotations

import sys

import click

from atrium.errors import AtriumError


@click.group()
def db() -> None:
    """Manage the backend store database."""


@db.command()
@click.argument("uri")
def upgrade(uri: str) -> None:
    """Upgrade the database at URI to the newest schema."""
    from atrium.stores.sql import migrate
    from atrium.stores.sql.database import Database

    try:
        database = Database.from_uri(uri)
        before = migrate.current_revision(database.engine)
        migrate.upgrade(database.engine)
        after = migrate.current_revision(database.engine)
    except AtriumError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"Database upgraded from {before or 'empty'} to {after}.")
