"""The application factory: builds engine, stores and routes from :class:`Settings`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from atrium import __version__
from atrium.server.dispatch import ExactPathDispatcher
from atrium.server.errors import install_error_handlers
from atrium.server.routers import (
    experiments,
    logged_models,
    metrics,
    model_versions,
    registered_models,
    runs,
)
from atrium.server.routers.artifacts import mount_artifacts
from atrium.server.routers.meta import mount_meta
from atrium.server.routing import Endpoint, publish_components
from atrium.server.settings import Settings
from atrium.server.state import AppState
from atrium.services.experiments import ensure_default_experiment
from atrium.services.locations import ArtifactLocations
from atrium.services.model_sources import RegistryStorage
from atrium.stores.artifacts import LocalArtifactStore
from atrium.stores.sql import migrate
from atrium.stores.sql.database import Database
from atrium.stores.sql.unit_of_work import SqlUnitOfWork

_log = logging.getLogger("atrium.server")

TRACKING_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
_ROUTERS = (
    experiments.router,
    runs.router,
    metrics.router,
    logged_models.router,
    registered_models.router,
    model_versions.router,
)


def open_database(settings: Settings) -> Database:
    """Connect and bring the schema up to date (an empty database is created from scratch)."""
    if settings.backend_store_uri.startswith("sqlite:///"):
        path = settings.backend_store_uri.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    database = Database.from_uri(settings.backend_store_uri)
    migrate.upgrade(database.engine)
    return database


def build_state(settings: Settings, database: Database) -> AppState:
    store = LocalArtifactStore(Path(settings.artifacts_destination))
    registry = RegistryStorage(
        store=store, local_root=str(store.root), proxied=settings.serve_artifacts
    )
    locations = ArtifactLocations(settings.resolved_artifact_root())
    uow = SqlUnitOfWork(database)
    ensure_default_experiment(uow, locations)
    return AppState(
        settings=settings,
        uow=uow,
        locations=locations,
        artifacts=store if settings.serve_artifacts else None,
        registry=registry,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = open_database(settings)
    state = build_state(settings, database)
    app = FastAPI(title="Atrium", version=__version__, docs_url="/docs", redoc_url=None)
    app.state.atrium = state
    app.state.database = database
    install_error_handlers(app)
    mount_meta(app, state)
    fast_paths: dict[tuple[str, str], Endpoint] = {}
    components: dict[str, Any] = {}
    for router in _ROUTERS:
        router.mount(app, state, TRACKING_PREFIXES, fast_paths, components)
    publish_components(app, components)
    mount_artifacts(app, state)
    app.add_middleware(ExactPathDispatcher, table=fast_paths)
    return app
