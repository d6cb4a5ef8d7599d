"""Roles, their permissions and their assignments to users, as the roles REST API edits them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from atrium.domain.permissions import synthetic_role_owner, validate_grant, validate_role_name
from atrium.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from atrium.stores.auth.entities import Role, RolePermission
from atrium.stores.auth.queries import (
    check_length,
    delete_roles,
    load_roles,
    permission_from_row,
    require_role_row,
)
from atrium.stores.auth.schema import (
    DESCRIPTION_LENGTH,
    role_permissions,
    roles,
)
from atrium.stores.sql.database import Database, inserted_id
from atrium.stores.sql.errors import unique_violation_as

WORKSPACE_LENGTH = 63


def check_workspace(workspace: str) -> None:
    if not workspace:
        raise InvalidParameterValue("Workspace cannot be empty.")
    check_length("Workspace", workspace, WORKSPACE_LENGTH)


def _role_exists(name: str, workspace: str) -> ResourceAlreadyExists:
    return ResourceAlreadyExists(f"Role (name={name}, workspace={workspace}) already exists.")


def _permission_row(conn: sa.Connection, permission_id: int) -> Any:
    row = conn.execute(
        sa.select(role_permissions).where(role_permissions.c.id == permission_id)
    ).first()
    if row is None:
        raise ResourceDoesNotExist(f"Role permission with id={permission_id} not found")
    return row


def _check_rename(conn: sa.Connection, row: Any, name: str) -> None:
    if synthetic_role_owner(row.name) is not None:
        raise InvalidParameterValue(
            f"Role {row.name!r} holds per-user grants and cannot be renamed."
        )
    clash = conn.execute(
        sa.select(roles.c.id).where(
            roles.c.workspace == row.workspace, roles.c.name == name, roles.c.id != row.id
        )
    ).first()
    if clash is not None:
        raise _role_exists(name, row.workspace)


class RoleRecords:
    """Roles and assignments; mixed into :class:`~atrium.stores.auth.repository.AuthStore`."""

    _db: Database

    def create_role(self, workspace: str, name: str, description: str | None) -> Role:
        """A new empty role; the workspace's existence is not checked (as MLflow)."""
        validate_role_name(name)
        check_workspace(workspace)
        check_length("Role description", description, DESCRIPTION_LENGTH)
        values = {"workspace": workspace, "name": name, "description": description}
        duplicate = str(_role_exists(name, workspace))
        with self._db.write() as conn, unique_violation_as(duplicate):
            role_id = inserted_id(conn.execute(roles.insert().values(**values)))
        return Role(role_id, name, workspace, description, ())

    def get_role(self, role_id: int) -> Role | None:
        with self._db.read() as conn:
            found = load_roles(conn, sa.select(roles).where(roles.c.id == role_id))
        return found[0] if found else None

    def list_roles(self, workspaces: Sequence[str] | None = None) -> list[Role]:
        """Roles of the given workspaces (every role for ``None``; none for an empty list)."""
        query = sa.select(roles)
        if workspaces is not None:
            if not workspaces:
                return []
            query = query.where(roles.c.workspace.in_(list(workspaces)))
        with self._db.read() as conn:
            return load_roles(conn, query)

    def update_role(self, role_id: int, name: str | None, description: str | None) -> Role:
        """Rename and/or describe a role; ``None`` leaves a field as it is."""
        if name is not None:
            validate_role_name(name)
        check_length("Role description", description, DESCRIPTION_LENGTH)
        with self._db.write() as conn:
            row = require_role_row(conn, role_id)
            changes: dict[str, str] = {}
            if name is not None and name != row.name:
                _check_rename(conn, row, name)
                changes["name"] = name
            if description is not None:
                changes["description"] = description
            if changes:
                with unique_violation_as(str(_role_exists(name or row.name, row.workspace))):
                    conn.execute(roles.update().where(roles.c.id == role_id).values(**changes))
            return load_roles(conn, sa.select(roles).where(roles.c.id == role_id))[0]

    def delete_role(self, role_id: int) -> None:
        with self._db.write() as conn:
            require_role_row(conn, role_id)
            delete_roles(conn, sa.select(roles.c.id).where(roles.c.id == role_id))

    def delete_workspace_roles(self, workspace: str) -> None:
        """Remove every role of a deleted workspace, synthetic ones included."""
        with self._db.write() as conn:
            delete_roles(conn, sa.select(roles.c.id).where(roles.c.workspace == workspace))

    def add_role_permission(
        self, role_id: int, resource_type: str, pattern: str, permission: str
    ) -> RolePermission:
        """Add a validated grant to a role; the same (type, pattern) twice is a duplicate."""
        validate_grant(resource_type, pattern, permission)
        values = {
            "role_id": role_id,
            "resource_type": resource_type,
            "resource_pattern": pattern,
            "permission": permission,
        }
        duplicate = (
            f"Role permission (role_id={role_id}, resource_type={resource_type}, "
            f"resource_pattern={pattern}) already exists."
        )
        with self._db.write() as conn:
            require_role_row(conn, role_id)
            with unique_violation_as(duplicate):
                new_id = inserted_id(conn.execute(role_permissions.insert().values(**values)))
        return RolePermission(new_id, role_id, resource_type, pattern, permission)

    def get_role_permission(self, permission_id: int) -> RolePermission | None:
        with self._db.read() as conn:
            row = conn.execute(
                sa.select(role_permissions).where(role_permissions.c.id == permission_id)
            ).first()
        return None if row is None else permission_from_row(row)

    def update_role_permission(self, permission_id: int, permission: str) -> RolePermission:
        """Change the level of one grant, validated against its resource type."""
        with self._db.write() as conn:
            row = _permission_row(conn, permission_id)
            validate_grant(row.resource_type, row.resource_pattern, permission)
            conn.execute(
                role_permissions.update()
                .where(role_permissions.c.id == permission_id)
                .values(permission=permission)
            )
        return replace(permission_from_row(row), permission=permission)

    def remove_role_permission(self, permission_id: int) -> None:
        with self._db.write() as conn:
            result = conn.execute(
                role_permissions.delete().where(role_permissions.c.id == permission_id)
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(f"Role permission with id={permission_id} not found")
