"""The SQL workspace provider: the ``workspaces`` table in the backend store's database.

Deleting a workspace touches the resources it owns in the same transaction: RESTRICT refuses
while any remain, CASCADE removes them, SET_DEFAULT hands them to ``default`` unless a name
would collide there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.workspaces import Workspace
from atrium.errors import ConflictingState, ResourceDoesNotExist
from atrium.stores.sql.database import Database
from atrium.stores.sql.errors import unique_violation_as
from atrium.stores.sql.schema import WORKSPACE_ROOT_TABLES, logged_models, runs, workspaces

_FIELDS = (
    "description",
    "default_artifact_root",
    "trace_archival_location",
    "trace_archival_retention",
)
# Rows that carry their own copy of the workspace column follow their experiment.
_DENORMALISED = (runs, logged_models)


def _from_row(row: Any) -> Workspace:
    return Workspace(row.name, *(getattr(row, field) for field in _FIELDS))


def _not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Workspace '{name}' not found")


class SqlWorkspaceProvider:
    """Workspaces kept in the same database as the tracking and registry stores."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def get_default_workspace(self) -> str | None:
        return DEFAULT_WORKSPACE

    def list_workspaces(self) -> list[Workspace]:
        with self._db.read() as conn:
            rows = conn.execute(sa.select(workspaces).order_by(workspaces.c.name)).all()
        return [_from_row(row) for row in rows]

    def get_workspace(self, name: str) -> Workspace | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(workspaces).where(workspaces.c.name == name)).first()
        return None if row is None else _from_row(row)

    def create_workspace(self, workspace: Workspace) -> Workspace:
        values = {"name": workspace.name} | {f: getattr(workspace, f) for f in _FIELDS}
        with (
            self._db.write() as conn,
            unique_violation_as(f"Workspace '{workspace.name}' already exists."),
        ):
            conn.execute(workspaces.insert().values(**values))
        return workspace

    def update_workspace(self, name: str, changes: dict[str, str | None]) -> Workspace:
        with self._db.write() as conn:
            result = conn.execute(
                workspaces.update().where(workspaces.c.name == name).values(**changes)
            )
            if result.rowcount == 0:
                raise _not_found(name)
            row = conn.execute(sa.select(workspaces).where(workspaces.c.name == name)).one()
        return _from_row(row)

    def delete_workspace(self, name: str, mode: str) -> None:
        with self._db.write() as conn:
            if (
                conn.execute(sa.select(workspaces.c.name).where(workspaces.c.name == name)).first()
                is None
            ):
                raise _not_found(name)
            if mode == "RESTRICT":
                _refuse_if_owning(conn, name)
            elif mode == "SET_DEFAULT":
                _move_to_default(conn, name)
            else:
                for table in WORKSPACE_ROOT_TABLES:
                    conn.execute(table.delete().where(table.c.workspace == name))
            conn.execute(workspaces.delete().where(workspaces.c.name == name))


def _refuse_if_owning(conn: sa.Connection, name: str) -> None:
    for table in WORKSPACE_ROOT_TABLES:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.workspace == name)
        ).scalar_one()
        if count:
            raise ConflictingState(
                f"Cannot delete workspace '{name}': table '{table.name}' still contains "
                f"{count} resource(s). Remove or reassign them before deleting the workspace."
            )


def name_conflicts(conn: sa.Connection, source: str, target: str) -> list[tuple[str, str]]:
    """(table, name) pairs that exist in both workspaces."""
    found: list[tuple[str, str]] = []
    for table in WORKSPACE_ROOT_TABLES:
        mine = sa.select(table.c.name).where(table.c.workspace == source)
        clash = conn.execute(
            sa.select(table.c.name).where(table.c.workspace == target, table.c.name.in_(mine))
        )
        found += [(table.name, row.name) for row in clash]
    return sorted(found)


def _move_to_default(conn: sa.Connection, name: str) -> None:
    conflicts = name_conflicts(conn, name, DEFAULT_WORKSPACE)
    if conflicts:
        listing = "\n".join(f"  - {table}: '{value}'" for table, value in conflicts)
        raise ConflictingState(
            f"Cannot reassign resources from workspace '{name}' to 'default': the following "
            f"names already exist in the default workspace and would cause conflicts:\n"
            f"{listing}\nRename or remove the conflicting resources before retrying."
        )
    for table in (*WORKSPACE_ROOT_TABLES, *_DENORMALISED):
        conn.execute(
            table.update().where(table.c.workspace == name).values(workspace=DEFAULT_WORKSPACE)
        )


def ensure_default_workspace(database: Database) -> bool:
    """Recreate the reserved ``default`` row if someone removed it; True when it was missing."""
    with database.write() as conn:
        present = conn.execute(
            sa.select(workspaces.c.name).where(workspaces.c.name == DEFAULT_WORKSPACE)
        ).first()
        if present is None:
            conn.execute(
                workspaces.insert().values(
                    name=DEFAULT_WORKSPACE, description="Default workspace for legacy resources"
                )
            )
    return present is None
