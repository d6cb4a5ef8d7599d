"""``atrium db``: database administration (schema upgrades, workspace maintenance)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from atrium.errors import AtriumError

SAMPLE_SIZE = 5


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Any failure is printed as one ``Error:`` line with exit status 1."""
    try:
        yield
    except AtriumError as exc:
        raise click.ClickException(exc.message) from None


@click.group()
def db() -> None:
    """Manage the backend store database."""


@db.command()
@click.argument("uri")
def upgrade(uri: str) -> None:
    """Upgrade the database at URI to the newest schema."""
    from atrium.stores.sql import migrate
    from atrium.stores.sql.database import Database
    from atrium.stores.sql.workspaces import ensure_default_workspace

    with _one_line_errors():
        database = Database.from_uri(uri)
        before = migrate.current_revision(database.engine)
        migrate.upgrade(database.engine)
        after = migrate.current_revision(database.engine)
        restored = ensure_default_workspace(database)
    click.echo(f"Database upgraded from {before or 'empty'} to {after}.")
    if restored:
        click.echo("Restored the reserved 'default' workspace.")


def _print_counts(header: str, counts: dict[str, int]) -> None:
    click.echo(header)
    for table, count in counts.items():
        click.echo(f"  {table}: {count}")
    click.echo(f"Total rows: {sum(counts.values())}")


def _conflict_message(conflict: object, verbose: bool) -> str:
    from atrium.stores.sql.workspace_migration import Conflict

    assert isinstance(conflict, Conflict)
    shown = conflict.rows if verbose else conflict.rows[:SAMPLE_SIZE]
    lines = [f"  {row}" for row in shown]
    if len(conflict.rows) > len(shown):
        lines.append(f"  ... ({len(conflict.rows) - len(shown)} more)")
    return (
        f"Move aborted: merging workspaces would create duplicate {conflict.description}. "
        "Resolve the following conflicts by renaming the affected resources (restore deleted "
        "ones first) or permanently deleting them, then retry: \n" + "\n".join(lines)
    )


@db.command("migrate-to-default-workspace")
@click.argument("uri")
@click.option(
    "--dry-run/--no-dry-run", default=False, help="Report what would move; change nothing."
)
@click.option("--verbose", "-v", is_flag=True, help="List every conflict, not a sample.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def migrate_to_default_workspace(uri: str, dry_run: bool, verbose: bool, yes: bool) -> None:
    """Move every workspace-scoped row into the default workspace, in one transaction."""
    from atrium.stores.sql.database import Database
    from atrium.stores.sql.workspace_migration import (
        count_rows_to_move,
        find_conflict,
        move_to_default,
    )

    with _one_line_errors():
        database = Database.from_uri(uri)
        with database.read() as conn:
            counts = count_rows_to_move(conn)
            conflict = find_conflict(conn)
        if conflict is not None:
            raise click.ClickException(_conflict_message(conflict, verbose))
        if dry_run:
            _print_counts(
                "Dry run completed. Rows that would be moved to the default workspace:", counts
            )
            return
        if not sum(counts.values()):
            click.echo("No rows need to be moved.")
            return
        _print_counts("Rows to be moved to the default workspace:", counts)
        if not yes and not click.confirm("Proceed with migration?", default=False):
            raise click.ClickException("Migration cancelled; nothing was changed.")
        with database.write() as conn:
            if find_conflict(conn) is not None:  # re-checked inside the moving transaction
                raise click.ClickException("Conflicts appeared meanwhile; nothing was changed.")
            moved = move_to_default(conn)
    click.echo(f"Moved {moved} rows to the default workspace.")


@db.command("check-artifact-roots")
@click.argument("uri")
@click.option(
    "--default-artifact-root",
    default="mlflow-artifacts:/",
    show_default=True,
    help="The root the server will use for new experiments.",
)
def check_artifact_roots(uri: str, default_artifact_root: str) -> None:
    """Before enabling workspaces: list experiments whose artifacts already sit under the
    reserved ``<root>/workspaces/<ws>/`` layout and would collide. Exit 1 if any do."""
    from atrium.stores.sql.database import Database
    from atrium.stores.sql.workspace_migration import colliding_artifact_roots

    with _one_line_errors():
        database = Database.from_uri(uri)
        with database.read() as conn:
            rows = colliding_artifact_roots(conn, default_artifact_root)
    if not rows:
        click.echo("No experiment artifact location collides with the workspace layout.")
        return
    click.echo(f"{len(rows)} experiment(s) store artifacts under the reserved layout:")
    for row in rows:
        click.echo(
            f"  experiment_id={row.experiment_id} name={row.name!r} "
            f"workspace={row.workspace!r} artifact_location={row.artifact_location}"
        )
    click.echo("Move or rename these artifact roots before enabling workspaces.")
    sys.exit(1)
