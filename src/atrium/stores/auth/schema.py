"""SQLAlchemy Core tables of the auth store (MLflow 3.17's RBAC tables plus access tokens).

The tables may share a database with the tracking store: their migrations keep their own version
table. Child rows cascade on delete at the database level as well as in the repository.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

VERSION_TABLE = "atrium_auth_alembic_version"

USERNAME_LENGTH = 255
ROLE_NAME_LENGTH = 255
DESCRIPTION_LENGTH = 1024
RESOURCE_TYPE_LENGTH = 64
PATTERN_LENGTH = 255
COMMENT_LENGTH = 1024

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(USERNAME_LENGTH), nullable=False, unique=True),
    # NULL for service principals that only authenticate with access tokens.
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_service", sa.Boolean, nullable=False, server_default=sa.false()),
)

roles = sa.Table(
    "roles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(ROLE_NAME_LENGTH), nullable=False),
    sa.Column("workspace", sa.String(63), nullable=False),
    sa.Column("description", sa.String(DESCRIPTION_LENGTH), nullable=True),
    sa.UniqueConstraint("workspace", "name"),
    sa.Index(None, "name"),
)

role_permissions = sa.Table(
    "role_permissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resource_type", sa.String(RESOURCE_TYPE_LENGTH), nullable=False),
    sa.Column("resource_pattern", sa.String(PATTERN_LENGTH), nullable=False),
    sa.Column("permission", sa.String(32), nullable=False),
    sa.UniqueConstraint("role_id", "resource_type", "resource_pattern"),
    sa.Index(None, "resource_type", "resource_pattern"),
)

user_role_assignments = sa.Table(
    "user_role_assignments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    sa.UniqueConstraint("user_id", "role_id"),
    sa.Index(None, "role_id"),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 hex of the token; the plaintext is never stored.
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("comment", sa.String(COMMENT_LENGTH), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    # A JSON list of workspace names the token is limited to; NULL means no limit.
    sa.Column("workspaces", sa.Text, nullable=True),
    sa.Column("read_only", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_used_at", sa.BigInteger, nullable=True),
    sa.Index(None, "user_id"),
)
