"""workspaces

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("default_artifact_root", sa.Text(), nullable=True),
        sa.Column("trace_archival_location", sa.Text(), nullable=True),
        sa.Column("trace_archival_retention", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_workspaces")),
    )
    # The reserved workspace every pre-existing resource already belongs to.
    op.execute(
        sa.text(
            "INSERT INTO workspaces (name, description) "
            "VALUES ('default', 'Default workspace for legacy resources')"
        )
    )


def downgrade() -> None:
    op.drop_table("workspaces")
