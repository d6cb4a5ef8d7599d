"""Connection-level helpers shared by the auth repository: row mapping, lookups, checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from atrium.errors import InvalidParameterValue, ResourceDoesNotExist
from atrium.stores.auth.entities import Role, RolePermission, User
from atrium.stores.auth.schema import role_permissions, roles, user_role_assignments, users


def check_length(field: str, value: str | None, limit: int) -> None:
    """SQLite does not enforce VARCHAR lengths; refuse the same values on both backends."""
    if value is not None and len(value) > limit:
        raise InvalidParameterValue(f"{field} must be at most {limit} characters.")


def user_from_row(row: Any) -> User:
    return User(row.id, row.username, bool(row.is_admin), row.password_hash, bool(row.is_service))


def permission_from_row(row: Any) -> RolePermission:
    return RolePermission(
        row.id, row.role_id, row.resource_type, row.resource_pattern, row.permission
    )


def user_not_found(user_id: int) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"User with id={user_id} not found")


def role_not_found(role_id: int) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Role with id={role_id} not found")


def require_user(conn: sa.Connection, user_id: int) -> User:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise user_not_found(user_id)
    return user_from_row(row)


def user_id_of(conn: sa.Connection, username: str) -> int:
    found = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise ResourceDoesNotExist(f"User with username={username} not found")
    return int(found)


def require_role_row(conn: sa.Connection, role_id: int) -> Any:
    row = conn.execute(sa.select(roles).where(roles.c.id == role_id)).first()
    if row is None:
        raise role_not_found(role_id)
    return row


def load_roles(conn: sa.Connection, query: sa.Select[Any]) -> list[Role]:
    """The roles ``query`` selects (it must select ``roles`` columns), permissions attached."""
    role_rows = conn.execute(query.order_by(roles.c.id)).all()
    if not role_rows:
        return []
    ids = [row.id for row in role_rows]
    perm_rows = conn.execute(
        sa.select(role_permissions)
        .where(role_permissions.c.role_id.in_(ids))
        .order_by(role_permissions.c.id)
    ).all()
    by_role: dict[int, list[RolePermission]] = {role_id: [] for role_id in ids}
    for perm in perm_rows:
        by_role[perm.role_id].append(permission_from_row(perm))
    return [
        Role(row.id, row.name, row.workspace, row.description, tuple(by_role[row.id]))
        for row in role_rows
    ]


def insert_or_ignore(
    conn: sa.Connection, table: sa.Table, values: dict[str, Any], keys: Sequence[str]
) -> None:
    """INSERT that silently loses a race on the unique key ``keys`` (both dialects)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))


def delete_roles(conn: sa.Connection, role_ids: sa.Select[Any]) -> None:
    """Delete the roles ``role_ids`` selects, with their permissions and assignments."""
    ids = list(conn.execute(role_ids).scalars())
    if not ids:
        return
    conn.execute(role_permissions.delete().where(role_permissions.c.role_id.in_(ids)))
    conn.execute(user_role_assignments.delete().where(user_role_assignments.c.role_id.in_(ids)))
    conn.execute(roles.delete().where(roles.c.id.in_(ids)))
