"""User records of the auth store: create, look up, change and delete (with all they own)."""

from __future__ import annotations

import sqlalchemy as sa

from atrium.domain.permissions import synthetic_role_name
from atrium.errors import InvalidParameterValue
from atrium.stores.auth.entities import User
from atrium.stores.auth.queries import check_length, delete_roles, user_from_row, user_id_of
from atrium.stores.auth.schema import (
    USERNAME_LENGTH,
    access_tokens,
    roles,
    user_role_assignments,
    users,
)
from atrium.stores.sql.database import Database, inserted_id
from atrium.stores.sql.errors import unique_violation_as


class UserRecords:
    """The ``users`` table; mixed into :class:`~atrium.stores.auth.repository.AuthStore`."""

    _db: Database

    def create_user(
        self,
        username: str,
        password_hash: str | None,
        is_admin: bool = False,
        is_service: bool = False,
    ) -> User:
        """A new user; a taken username is RESOURCE_ALREADY_EXISTS."""
        if not username:
            raise InvalidParameterValue("Username cannot be empty.")
        check_length("Username", username, USERNAME_LENGTH)
        values = {
            "username": username,
            "password_hash": password_hash,
            "is_admin": is_admin,
            "is_service": is_service,
        }
        with self._db.write() as conn, unique_violation_as(f"User '{username}' already exists."):
            user_id = inserted_id(conn.execute(users.insert().values(**values)))
        return User(user_id, username, is_admin, password_hash, is_service)

    def get_user(self, username: str) -> User | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        return None if row is None else user_from_row(row)

    def get_user_by_id(self, user_id: int) -> User | None:
        with self._db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        return None if row is None else user_from_row(row)

    def list_users(self) -> list[User]:
        """Every user, oldest first."""
        with self._db.read() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.id)).all()
        return [user_from_row(row) for row in rows]

    def set_password(self, username: str, password_hash: str) -> None:
        """Replace the stored hash; an unknown user is RESOURCE_DOES_NOT_EXIST."""
        self._update_user(username, password_hash=password_hash)

    def set_admin(self, username: str, is_admin: bool) -> None:
        self._update_user(username, is_admin=is_admin)

    def _update_user(self, username: str, **changes: object) -> None:
        with self._db.write() as conn:
            user_id = user_id_of(conn, username)
            conn.execute(users.update().where(users.c.id == user_id).values(**changes))

    def delete_user(self, username: str) -> None:
        """Delete a user with their assignments, synthetic roles (in every workspace), tokens."""
        with self._db.write() as conn:
            user_id = user_id_of(conn, username)
            own_roles = sa.select(roles.c.id).where(roles.c.name == synthetic_role_name(user_id))
            delete_roles(conn, own_roles)
            conn.execute(
                user_role_assignments.delete().where(user_role_assignments.c.user_id == user_id)
            )
            conn.execute(access_tokens.delete().where(access_tokens.c.user_id == user_id))
            conn.execute(users.delete().where(users.c.id == user_id))
