"""Access-token records: stored by SHA-256 digest only, found by digest with their user."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from atrium.errors import InvalidParameterValue
from atrium.stores.auth.entities import AccessToken, User
from atrium.stores.auth.queries import check_length, require_user
from atrium.stores.auth.schema import COMMENT_LENGTH, access_tokens, users
from atrium.stores.sql.database import Database, inserted_id
from atrium.stores.sql.errors import unique_violation_as

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
# The user's columns under names that cannot clash with the token's own.
_USER_COLUMNS = [column.label(f"owner_{column.name}") for column in users.c]


def _token_from_row(row: Any) -> AccessToken:
    workspaces = None if row.workspaces is None else tuple(json.loads(row.workspaces))
    return AccessToken(
        row.id,
        row.user_id,
        row.comment,
        row.created_at,
        row.expires_at,
        workspaces,
        bool(row.read_only),
        row.last_used_at,
    )


def _owner_from_row(row: Any) -> User:
    return User(
        row.owner_id,
        row.owner_username,
        bool(row.owner_is_admin),
        row.owner_password_hash,
        bool(row.owner_is_service),
    )


class TokenRecords:
    """The ``access_tokens`` table; mixed into :class:`~atrium.stores.auth.repository.AuthStore`."""

    _db: Database

    def create_token(
        self,
        user_id: int,
        digest: str,
        comment: str | None,
        created_at: int,
        expires_at: int | None,
        workspaces: Sequence[str] | None,
        read_only: bool,
    ) -> AccessToken:
        """Store a token by its digest (64 lowercase hex characters, never the plaintext)."""
        if not _DIGEST.match(digest):
            raise InvalidParameterValue("A token digest must be 64 lowercase hex characters.")
        check_length("comment", comment, COMMENT_LENGTH)
        scope = None if workspaces is None else tuple(workspaces)
        values = {
            "user_id": user_id,
            "digest": digest,
            "comment": comment,
            "created_at": created_at,
            "expires_at": expires_at,
            "workspaces": None if scope is None else json.dumps(list(scope)),
            "read_only": read_only,
        }
        with self._db.write() as conn:
            require_user(conn, user_id)
            with unique_violation_as("An access token with this digest already exists."):
                token_id = inserted_id(conn.execute(access_tokens.insert().values(**values)))
        return AccessToken(
            token_id, user_id, comment, created_at, expires_at, scope, read_only, None
        )

    def find_token(self, digest: str) -> tuple[AccessToken, User] | None:
        """The token with this digest and its owner; expiry is the caller's to check."""
        query = (
            sa.select(access_tokens, *_USER_COLUMNS)
            .join(users, users.c.id == access_tokens.c.user_id)
            .where(access_tokens.c.digest == digest)
        )
        with self._db.read() as conn:
            row = conn.execute(query).first()
        return None if row is None else (_token_from_row(row), _owner_from_row(row))

    def list_tokens(self, user_id: int | None = None) -> list[AccessToken]:
        """Every token (of one user when ``user_id`` is given), oldest first."""
        query = sa.select(access_tokens).order_by(access_tokens.c.id)
        if user_id is not None:
            query = query.where(access_tokens.c.user_id == user_id)
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [_token_from_row(row) for row in rows]

    def delete_token(self, token_id: int) -> bool:
        """Whether a token was deleted."""
        with self._db.write() as conn:
            result = conn.execute(access_tokens.delete().where(access_tokens.c.id == token_id))
        return result.rowcount > 0

    def touch_token(self, token_id: int, now: int) -> None:
        """Record a use of the token (a vanished token is ignored)."""
        with self._db.write() as conn:
            conn.execute(
                access_tokens.update()
                .where(access_tokens.c.id == token_id)
                .values(last_used_at=now)
            )
