"""The auth store: users, roles, grants and access tokens; one transaction per method."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import DBAPIError

from atrium.errors import InvalidState
from atrium.stores.auth import migrate
from atrium.stores.auth.assignments import Assignment, AssignmentRecords
from atrium.stores.auth.entities import AccessToken, Grant, Role, RolePermission, User
from atrium.stores.auth.grants import GrantRecords
from atrium.stores.auth.roles import RoleRecords
from atrium.stores.auth.tokens import TokenRecords
from atrium.stores.auth.users import UserRecords
from atrium.stores.sql.database import Database

__all__ = [
    "AccessToken",
    "Assignment",
    "AuthStore",
    "Grant",
    "Role",
    "RolePermission",
    "User",
]


def _prepare_sqlite_folder(uri: str) -> None:
    if uri.startswith("sqlite:///"):
        path = uri.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


class AuthStore(UserRecords, RoleRecords, AssignmentRecords, GrantRecords, TokenRecords):
    """Everything basic-auth keeps in SQL; the tables may share the tracking store's database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        return self._db

    @classmethod
    def from_uri(cls, uri: str) -> AuthStore:
        """Connect and bring the auth schema up to date (an empty database is fine)."""
        _prepare_sqlite_folder(uri)
        database = Database.from_uri(uri)
        try:
            migrate.upgrade(database.engine)
        except DBAPIError as exc:
            database.dispose()
            detail = " ".join(str(exc.orig).split())
            raise InvalidState(f"Cannot open the auth database: {detail}") from None
        except BaseException:
            database.dispose()
            raise
        return cls(database)
