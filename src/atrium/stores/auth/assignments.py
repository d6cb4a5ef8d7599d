"""Which users hold which roles: assignment, unassignment and the lookups both ways."""

from __future__ import annotations

import sqlalchemy as sa

from atrium.domain.permissions import synthetic_role_owner
from atrium.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from atrium.stores.auth.entities import Role
from atrium.stores.auth.queries import load_roles, require_role_row, require_user
from atrium.stores.auth.schema import roles, user_role_assignments
from atrium.stores.sql.database import Database, inserted_id
from atrium.stores.sql.errors import unique_violation_as

Assignment = tuple[int, int, int]  # (assignment id, user_id, role_id)


def _described(user_id: int, role_id: int) -> str:
    return f"User role assignment (user_id={user_id}, role_id={role_id})"


class AssignmentRecords:
    """``user_role_assignments``; mixed into :class:`~atrium.stores.auth.repository.AuthStore`."""

    _db: Database

    def assign_role(self, user_id: int, role_id: int) -> Assignment:
        """Give a user a role; assigning it twice is RESOURCE_ALREADY_EXISTS (as MLflow).

        Another user's synthetic ``__user_<id>__`` role cannot be assigned: it would hand over
        that user's per-user grants.
        """
        with self._db.write() as conn:
            require_user(conn, user_id)
            role = require_role_row(conn, role_id)
            owner = synthetic_role_owner(role.name)
            if owner is not None and owner != user_id:
                raise InvalidParameterValue(
                    f"Role {role.name!r} holds the per-user grants of another user and cannot "
                    "be assigned."
                )
            duplicate = f"{_described(user_id, role_id)} already exists"
            existing = conn.execute(
                sa.select(user_role_assignments.c.id).where(
                    user_role_assignments.c.user_id == user_id,
                    user_role_assignments.c.role_id == role_id,
                )
            ).first()
            if existing is not None:
                raise ResourceAlreadyExists(duplicate)
            with unique_violation_as(duplicate):
                insert = user_role_assignments.insert().values(user_id=user_id, role_id=role_id)
                assignment_id = inserted_id(conn.execute(insert))
        return assignment_id, user_id, role_id

    def unassign_role(self, user_id: int, role_id: int) -> None:
        """Take a role away; a missing assignment is RESOURCE_DOES_NOT_EXIST."""
        with self._db.write() as conn:
            result = conn.execute(
                user_role_assignments.delete().where(
                    user_role_assignments.c.user_id == user_id,
                    user_role_assignments.c.role_id == role_id,
                )
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(f"{_described(user_id, role_id)} not found")

    def roles_of_user(self, user_id: int) -> list[Role]:
        """Every role the user holds, synthetic ones included, with their permissions."""
        query = (
            sa.select(roles)
            .join(user_role_assignments, user_role_assignments.c.role_id == roles.c.id)
            .where(user_role_assignments.c.user_id == user_id)
        )
        with self._db.read() as conn:
            return load_roles(conn, query)

    def users_of_role(self, role_id: int) -> list[Assignment]:
        """The assignments of a role, oldest first; an unknown role is RESOURCE_DOES_NOT_EXIST."""
        with self._db.read() as conn:
            require_role_row(conn, role_id)
            rows = conn.execute(
                sa.select(user_role_assignments)
                .where(user_role_assignments.c.role_id == role_id)
                .order_by(user_role_assignments.c.id)
            ).all()
        return [(row.id, row.user_id, row.role_id) for row in rows]
