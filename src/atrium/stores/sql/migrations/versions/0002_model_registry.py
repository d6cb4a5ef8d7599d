"""model registry

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "registered_models",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace", sa.String(length=63), server_default="default", nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("deployment_job_id", sa.String(length=256), nullable=True),
        sa.Column("last_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_models")),
        sa.UniqueConstraint("workspace", "name", name=op.f("uq_registered_models_workspace_name")),
    )
    op.create_table(
        "model_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("model_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("current_stage", sa.String(length=20), server_default="None", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=4096), nullable=False),
        sa.Column("storage_location", sa.String(length=4096), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("run_link", sa.String(length=4096), nullable=True),
        sa.Column("model_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.id"],
            name=op.f("fk_model_versions_model_pk_registered_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("model_pk", "version", name=op.f("uq_model_versions_model_pk_version")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_versions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "registered_model_aliases",
        sa.Column("model_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.id"],
            name=op.f("fk_registered_model_aliases_model_pk_registered_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_pk", "alias", name=op.f("pk_registered_model_aliases")),
    )
    op.create_table(
        "registered_model_tags",
        sa.Column("model_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.id"],
            name=op.f("fk_registered_model_tags_model_pk_registered_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_pk", "key", name=op.f("pk_registered_model_tags")),
    )
    op.create_table(
        "model_version_tags",
        sa.Column(
            "version_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["model_versions.id"],
            name=op.f("fk_model_version_tags_version_pk_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_pk", "key", name=op.f("pk_model_version_tags")),
    )


def downgrade() -> None:

    op.drop_table("model_version_tags")
    op.drop_table("registered_model_tags")
    op.drop_table("registered_model_aliases")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_versions_run_id"))

    op.drop_table("model_versions")
    op.drop_table("registered_models")
