"""auth schema: users, roles, role permissions, assignments, access tokens

Revision ID: auth_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _fk(column: str, table: str, source: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_{source}_{column}_{table}"),
        ondelete="CASCADE",
    )


def _create_users() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_service", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )


def _create_roles() -> None:
    op.create_table(
        "roles",
        _id(),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("workspace", sa.String(length=63), nullable=False),
        sa.Column("description", sa.String(length=1024), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("workspace", "name", name=op.f("uq_roles_workspace_name")),
    )
    op.create_index(op.f("ix_roles_name"), "roles", ["name"])
    op.create_table(
        "role_permissions",
        _id(),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_pattern", sa.String(length=255), nullable=False),
        sa.Column("permission", sa.String(length=32), nullable=False),
        _fk("role_id", "roles", "role_permissions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_permissions")),
        sa.UniqueConstraint(
            "role_id",
            "resource_type",
            "resource_pattern",
            name=op.f("uq_role_permissions_role_id_resource_type_resource_pattern"),
        ),
    )
    op.create_index(
        op.f("ix_role_permissions_resource_type_resource_pattern"),
        "role_permissions",
        ["resource_type", "resource_pattern"],
    )


def _create_assignments() -> None:
    op.create_table(
        "user_role_assignments",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        _fk("user_id", "users", "user_role_assignments"),
        _fk("role_id", "roles", "user_role_assignments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_role_assignments")),
        sa.UniqueConstraint(
            "user_id", "role_id", name=op.f("uq_user_role_assignments_user_id_role_id")
        ),
    )
    op.create_index(op.f("ix_user_role_assignments_role_id"), "user_role_assignments", ["role_id"])


def _create_access_tokens() -> None:
    op.create_table(
        "access_tokens",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("workspaces", sa.Text(), nullable=True),
        sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        _fk("user_id", "users", "access_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_access_tokens_digest")),
    )
    op.create_index(op.f("ix_access_tokens_user_id"), "access_tokens", ["user_id"])


def upgrade() -> None:
    _create_users()
    _create_roles()
    _create_assignments()
    _create_access_tokens()


def downgrade() -> None:
    op.drop_table("access_tokens")
    op.drop_table("user_role_assignments")
    op.drop_table("role_permissions")
    op.drop_table("roles")
    op.drop_table("users")
