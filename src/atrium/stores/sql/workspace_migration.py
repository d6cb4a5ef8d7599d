"""Moving every workspace-owned row into ``default`` (to turn workspaces off), and the
artifact-root preflight to run before turning them on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

from atrium.domain.artifact_layout import WORKSPACES_DIR, join_uri
from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.errors import InvalidState
from atrium.stores.sql.schema import experiments, logged_models, registered_models, runs

MOVED_TABLES = (registered_models, experiments, runs, logged_models)
# (table, description, id column) in the order conflicts are looked for.
NAMED_TABLES = (
    (experiments, "experiments with the same name", "experiment_id"),
    (registered_models, "registered models with the same name", None),
)


@dataclass(frozen=True, slots=True)
class Conflict:
    description: str
    rows: list[str]


def _outside_default(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.workspace != DEFAULT_WORKSPACE


def count_rows_to_move(conn: sa.Connection) -> dict[str, int]:
    try:
        return {
            table.name: int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(_outside_default(table))
                ).scalar_one()
            )
            for table in MOVED_TABLES
        }
    except (OperationalError, ProgrammingError) as exc:
        raise InvalidState(
            "Aborted: the database does not have workspaces enabled. Make sure the database URI "
            "is correct and that it has been upgraded with `atrium db upgrade <uri>`."
        ) from exc


def _describe(row: Any, id_column: str | None) -> str:
    text = f"name={row.name!r}, workspace={row.workspace!r}"
    return f"{text}, {id_column}={getattr(row, id_column)}" if id_column else text


def find_conflict(conn: sa.Connection) -> Conflict | None:
    """The first table whose names would collide once merged into one workspace."""
    for table, description, id_column in NAMED_TABLES:
        shared = sa.select(table.c.name).group_by(table.c.name).having(sa.func.count() > 1)
        columns = [table.c.name, table.c.workspace]
        if id_column:
            columns.append(table.c[id_column])
        order = [table.c.name, table.c.workspace, *columns[2:]]
        rows = conn.execute(sa.select(*columns).where(table.c.name.in_(shared)).order_by(*order))
        found = [_describe(row, id_column) for row in rows]
        if found:
            return Conflict(description, found)
    return None


def move_to_default(conn: sa.Connection) -> int:
    moved = 0
    for table in MOVED_TABLES:
        result = conn.execute(
            table.update().where(_outside_default(table)).values(workspace=DEFAULT_WORKSPACE)
        )
        moved += result.rowcount
    return moved


def colliding_artifact_roots(conn: sa.Connection, default_root: str) -> list[Any]:
    """Experiments stored under ``<root>/workspaces/`` other than their own workspace layout."""
    reserved = join_uri(default_root, WORKSPACES_DIR) + "/"
    rows = conn.execute(
        sa.select(
            experiments.c.experiment_id,
            experiments.c.name,
            experiments.c.workspace,
            experiments.c.artifact_location,
        ).order_by(experiments.c.experiment_id)
    )
    return [
        row
        for row in rows
        if row.artifact_location.startswith(reserved)
        and row.artifact_location
        != join_uri(default_root, WORKSPACES_DIR, row.workspace, str(row.experiment_id))
    ]
