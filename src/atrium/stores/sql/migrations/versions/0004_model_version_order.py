"""model versions of a model, newest first, from an index

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Version search filters by model and orders by last update: with this index a page is read in
# order instead of sorting every version of the model.
_COLUMNS = ["model_pk", "last_updated_timestamp", "version"]


def upgrade() -> None:
    op.create_index(
        op.f("ix_model_versions_model_pk_last_updated_timestamp_version"),
        "model_versions",
        _COLUMNS,
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_model_versions_model_pk_last_updated_timestamp_version"),
        table_name="model_versions",
    )
