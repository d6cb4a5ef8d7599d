"""Per-user grants on the synthetic ``__user_<id>__`` role of a workspace, and grant lookups.

Resource lifecycle helpers (``rekey_grants``, ``drop_grants``) touch synthetic roles only, as
MLflow does: a grant in an admin-made role names a pattern on purpose and outlives the resource.
"""

from __future__ import annotations

import sqlalchemy as sa

from atrium.domain.permissions import (
    SYNTHETIC_ROLE_PREFIX,
    WILDCARD,
    WORKSPACE,
    synthetic_role_name,
    synthetic_role_owner,
    validate_grant,
)
from atrium.errors import InvalidParameterValue
from atrium.stores.auth.entities import Grant
from atrium.stores.auth.queries import check_length, insert_or_ignore, require_user
from atrium.stores.auth.roles import check_workspace
from atrium.stores.auth.schema import (
    PATTERN_LENGTH,
    role_permissions,
    roles,
    user_role_assignments,
    users,
)
from atrium.stores.sql.database import Database
from atrium.stores.sql.upsert import replace_rows

_GRANT_KEY = ("role_id", "resource_type", "resource_pattern")


def _synthetic_role(conn: sa.Connection, user_id: int, workspace: str) -> int:
    """The id of the user's synthetic role in ``workspace``, created and assigned on demand."""
    name = synthetic_role_name(user_id)
    values = {"workspace": workspace, "name": name, "description": None}
    insert_or_ignore(conn, roles, values, ("workspace", "name"))
    role_id = int(
        conn.execute(
            sa.select(roles.c.id).where(roles.c.workspace == workspace, roles.c.name == name)
        ).scalar_one()
    )
    other = conn.execute(
        sa.select(user_role_assignments.c.user_id).where(
            user_role_assignments.c.role_id == role_id,
            user_role_assignments.c.user_id != user_id,
        )
    ).first()
    if other is not None:  # only a hand-made row could do this; never leak grants through it
        raise InvalidParameterValue(
            f"Role {name!r} in workspace {workspace!r} collides with the reserved "
            f"'__user_<id>__' synthetic namespace but is already assigned to "
            f"user_id={other.user_id}. Rename or delete the conflicting role before granting "
            "per-user permissions."
        )
    assignment = {"user_id": user_id, "role_id": role_id}
    insert_or_ignore(conn, user_role_assignments, assignment, ("user_id", "role_id"))
    return role_id


def _synthetic_role_ids(conn: sa.Connection, workspace: str) -> list[int]:
    rows = conn.execute(
        sa.select(roles.c.id, roles.c.name).where(
            roles.c.workspace == workspace,
            roles.c.name.startswith(SYNTHETIC_ROLE_PREFIX, autoescape=True),
        )
    ).all()
    return [row.id for row in rows if synthetic_role_owner(row.name) is not None]


def _matching(role_ids: list[int], resource_type: str, pattern: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        role_permissions.c.role_id.in_(role_ids),
        role_permissions.c.resource_type == resource_type,
        role_permissions.c.resource_pattern == pattern,
    )


class GrantRecords:
    """Per-user grants; mixed into :class:`~atrium.stores.auth.repository.AuthStore`."""

    _db: Database

    def grant(
        self, user_id: int, workspace: str, resource_type: str, pattern: str, permission: str
    ) -> None:
        """Set the user's own grant on (type, pattern) in ``workspace``, replacing any level."""
        validate_grant(resource_type, pattern, permission)
        check_workspace(workspace)
        with self._db.write() as conn:
            require_user(conn, user_id)
            row = {
                "role_id": _synthetic_role(conn, user_id, workspace),
                "resource_type": resource_type,
                "resource_pattern": pattern,
                "permission": permission,
            }
            replace_rows(conn, role_permissions, [row], _GRANT_KEY, ("permission",))

    def revoke(self, user_id: int, workspace: str, resource_type: str, pattern: str) -> bool:
        """Remove the user's own grant on (type, pattern); whether there was one."""
        own_role = sa.select(roles.c.id).where(
            roles.c.workspace == workspace, roles.c.name == synthetic_role_name(user_id)
        )
        with self._db.write() as conn:
            role_ids = list(conn.execute(own_role).scalars())
            if not role_ids:
                return False
            result = conn.execute(
                role_permissions.delete().where(_matching(role_ids, resource_type, pattern))
            )
        return result.rowcount > 0

    def grants_of_user(self, user_id: int, workspace: str | None = None) -> list[Grant]:
        """Every grant the user holds through any role, optionally in one workspace only."""
        query = (
            sa.select(roles.c.workspace, roles.c.name, role_permissions)
            .join(user_role_assignments, user_role_assignments.c.role_id == roles.c.id)
            .join(role_permissions, role_permissions.c.role_id == roles.c.id)
            .where(user_role_assignments.c.user_id == user_id)
            .order_by(roles.c.workspace, roles.c.id, role_permissions.c.id)
        )
        if workspace is not None:
            query = query.where(roles.c.workspace == workspace)
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [
            Grant(
                row.workspace,
                row.resource_type,
                row.resource_pattern,
                row.permission,
                synthetic_role_owner(row.name) is not None,
            )
            for row in rows
        ]

    def workspace_grants(self, workspace: str) -> list[tuple[int, str, str]]:
        """``(user_id, username, level)`` of every per-user workspace-wide grant in it."""
        query = (
            sa.select(users.c.id, users.c.username, role_permissions.c.permission, roles.c.name)
            .join(user_role_assignments, user_role_assignments.c.user_id == users.c.id)
            .join(roles, roles.c.id == user_role_assignments.c.role_id)
            .join(role_permissions, role_permissions.c.role_id == roles.c.id)
            .where(
                roles.c.workspace == workspace,
                role_permissions.c.resource_type == WORKSPACE,
                role_permissions.c.resource_pattern == WILDCARD,
            )
            .order_by(users.c.username)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [
            (row.id, row.username, row.permission)
            for row in rows
            if synthetic_role_owner(row.name) == row.id
        ]

    def workspaces_with_assignment(self, user_id: int) -> set[str]:
        """Workspaces where the user holds an ordinary (not synthetic) role, even an empty one."""
        query = (
            sa.select(roles.c.workspace, roles.c.name)
            .join(user_role_assignments, user_role_assignments.c.role_id == roles.c.id)
            .where(user_role_assignments.c.user_id == user_id)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return {row.workspace for row in rows if synthetic_role_owner(row.name) is None}

    def rekey_grants(self, workspace: str, resource_type: str, old: str, new: str) -> None:
        """Move per-user grants from a resource's old name to its new one (a rename).

        A per-user grant already on ``new`` in a role that also holds one on ``old`` is stale
        (nothing had that name); the renamed resource's grant replaces it.
        """
        if old == new:
            return
        check_length("resource_pattern", new, PATTERN_LENGTH)
        with self._db.write() as conn:
            role_ids = _synthetic_role_ids(conn, workspace)
            if not role_ids:
                return
            holders = list(
                conn.execute(
                    sa.select(role_permissions.c.role_id).where(
                        _matching(role_ids, resource_type, old)
                    )
                ).scalars()
            )
            if not holders:
                return
            conn.execute(role_permissions.delete().where(_matching(holders, resource_type, new)))
            conn.execute(
                role_permissions.update()
                .where(_matching(holders, resource_type, old))
                .values(resource_pattern=new)
            )

    def drop_grants(self, workspace: str, resource_type: str, pattern: str) -> None:
        """Remove the per-user grants on a deleted resource."""
        with self._db.write() as conn:
            role_ids = _synthetic_role_ids(conn, workspace)
            if role_ids:
                conn.execute(
                    role_permissions.delete().where(_matching(role_ids, resource_type, pattern))
                )
