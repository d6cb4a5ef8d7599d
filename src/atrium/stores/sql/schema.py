"""SQLAlchemy Core tables of the tracking store; Alembic migrations create them.

Addressable resources (experiments, runs, logged models) carry a ``workspace`` column; rows
under a run (metrics, params, tags, inputs, outputs) are scoped through their run.
Child rows reference runs by the integer surrogate ``runs.id`` to keep hot indexes small.
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

# SQLite only aliases ROWID for a column declared exactly INTEGER PRIMARY KEY.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

WORKSPACE = sa.String(63)


def _workspace() -> sa.Column[str]:
    return sa.Column("workspace", WORKSPACE, nullable=False, server_default="default")


experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("artifact_location", sa.String(2048), nullable=False),
    sa.Column("lifecycle_stage", sa.String(32), nullable=False, server_default="active"),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("workspace", "name"),
)

experiment_tags = sa.Table(
    "experiment_tags",
    metadata,
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_uuid", sa.String(32), nullable=False, unique=True),
    _workspace(),
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(250), nullable=False),
    sa.Column("user_id", sa.String(256), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("artifact_uri", sa.String(2048), nullable=False),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
    sa.Column("deleted_time", sa.BigInteger, nullable=True),
    sa.Index(None, "experiment_id", "lifecycle_stage", "start_time"),
)


def _run_ref(primary_key: bool = True) -> sa.Column[int]:
    return sa.Column(
        "run_id",
        BigId,
        sa.ForeignKey("runs.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    _run_ref(primary_key=False),
    sa.Column("key", sa.String(250), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("is_nan", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("model_id", sa.String(64), nullable=True),
    sa.Column("dataset_name", sa.String(500), nullable=True),
    sa.Column("dataset_digest", sa.String(36), nullable=True),
    # MLflow keeps a point once: logging the identical (key, step, timestamp, value) again is a
    # no-op. The index also serves history reads in (step, timestamp) order.
    sa.Index(None, "run_id", "key", "step", "timestamp", "value", "is_nan", unique=True),
)

latest_metrics = sa.Table(
    "latest_metrics",
    metadata,
    _run_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("is_nan", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("model_id", sa.String(64), nullable=True),
    sa.Index(None, "key", "value"),
)

params = sa.Table(
    "params",
    metadata,
    _run_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.String(6000), nullable=False),
    sa.Index(None, "key", "value"),
)

tags = sa.Table(
    "tags",
    metadata,
    _run_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.String(8000), nullable=False),
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("digest", sa.String(36), nullable=False),
    sa.Column("source_type", sa.String(36), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("schema", sa.Text, nullable=True),
    sa.Column("profile", sa.Text, nullable=True),
    sa.UniqueConstraint("experiment_id", "name", "digest"),
)

run_dataset_inputs = sa.Table(
    "run_dataset_inputs",
    metadata,
    _run_ref(),
    sa.Column(
        "dataset_id",
        BigId,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("tags_json", sa.Text, nullable=False, server_default="[]"),
    # The ``mlflow.data.context`` input tag, kept apart because searches filter on it.
    sa.Column("context", sa.String(500), nullable=True),
)

run_model_io = sa.Table(
    "run_model_io",
    metadata,
    _run_ref(),
    sa.Column("direction", sa.String(8), primary_key=True),  # "input" | "output"
    sa.Column("model_id", sa.String(64), primary_key=True),
    sa.Column("step", sa.BigInteger, nullable=False, server_default="0"),
)

logged_models = sa.Table(
    "logged_models",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("model_id", sa.String(64), nullable=False, unique=True),
    _workspace(),
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("artifact_uri", sa.String(2048), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("status_message", sa.Text, nullable=True),
    sa.Column("model_type", sa.String(500), nullable=True),
    sa.Column("source_run_id", sa.String(32), nullable=True),
    sa.Column("creation_timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
    sa.Index(None, "experiment_id", "name"),
)


def _model_ref() -> sa.Column[int]:
    return sa.Column(
        "model_pk",
        BigId,
        sa.ForeignKey("logged_models.id", ondelete="CASCADE"),
        primary_key=True,
    )


logged_model_params = sa.Table(
    "logged_model_params",
    metadata,
    _model_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

logged_model_tags = sa.Table(
    "logged_model_tags",
    metadata,
    _model_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Metrics logged against a logged model are looked up by model id; most rows have none.
sa.Index(
    "ix_metrics_model_id",
    metrics.c.model_id,
    sqlite_where=metrics.c.model_id.is_not(None),
    postgresql_where=metrics.c.model_id.is_not(None),
)

# --- Model registry -------------------------------------------------------------------------

registered_models = sa.Table(
    "registered_models",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("user_id", sa.String(256), nullable=True),
    sa.Column("deployment_job_id", sa.String(256), nullable=True),
    # Highest version number ever issued: numbers are never reused after a delete.
    sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("workspace", "name"),
)


def _registered_model_ref(primary_key: bool = True) -> sa.Column[int]:
    return sa.Column(
        "model_pk",
        BigId,
        sa.ForeignKey("registered_models.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


registered_model_tags = sa.Table(
    "registered_model_tags",
    metadata,
    _registered_model_ref(),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    _registered_model_ref(primary_key=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
    sa.Column("user_id", sa.String(256), nullable=True),
    sa.Column("current_stage", sa.String(20), nullable=False, server_default="None"),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("source", sa.String(4096), nullable=False),
    # The registry-owned copy of the source's files that downloads are served from.
    sa.Column("storage_location", sa.String(4096), nullable=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("run_link", sa.String(4096), nullable=True),
    sa.Column("model_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_message", sa.Text, nullable=True),
    sa.UniqueConstraint("model_pk", "version"),
    sa.Index(None, "run_id"),
    # A model's versions newest first: the default order of a version search.
    sa.Index(None, "model_pk", "last_updated_timestamp", "version"),
)

model_version_tags = sa.Table(
    "model_version_tags",
    metadata,
    sa.Column(
        "version_pk",
        BigId,
        sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

registered_model_aliases = sa.Table(
    "registered_model_aliases",
    metadata,
    _registered_model_ref(),
    sa.Column("alias", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# --- Workspaces -----------------------------------------------------------------------------

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("default_artifact_root", sa.Text, nullable=True),
    sa.Column("trace_archival_location", sa.Text, nullable=True),
    sa.Column("trace_archival_retention", sa.String(32), nullable=True),
)

# Tables holding workspace-owned roots, in the order deletes and migrations visit them.
WORKSPACE_ROOT_TABLES = (registered_models, experiments)
