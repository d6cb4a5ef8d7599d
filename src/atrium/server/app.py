"""The application factory: builds engine, stores and routes from :class:`Settings`."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.routing import Route

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
    workspaces,
)
from atrium.server.routers.artifacts import mount_artifacts
from atrium.server.routers.meta import mount_meta
from atrium.server.routing import Endpoint, publish_components
from atrium.server.settings import Settings
from atrium.server.state import AppState
from atrium.server.workspace_context import WorkspaceContextMiddleware
from atrium.server.workspace_setup import (
    build_directory,
    check_client_variable,
    check_single_tenant,
)
from atrium.services.experiments import ensure_default_experiment
from atrium.services.locations import ArtifactLocations
from atrium.services.model_sources import RegistryStorage
from atrium.services.workspaces import WorkspaceDirectory
from atrium.stores.artifacts import LocalArtifactStore
from atrium.stores.sql import migrate
from atrium.stores.sql.database import Database
from atrium.stores.sql.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from atrium.server.auth.setup import AuthRuntime

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


def _workspace_directory(settings: Settings, database: Database) -> WorkspaceDirectory | None:
    """Validate the workspace mode the server starts in; the directory when it is on."""
    check_client_variable(settings)
    if not settings.enable_workspaces:
        check_single_tenant(database)
        return None
    return build_directory(settings, database)


def build_state(settings: Settings, database: Database) -> AppState:
    directory = _workspace_directory(settings, database)
    enabled = directory is not None
    store = LocalArtifactStore(Path(settings.artifacts_destination))
    registry = RegistryStorage(
        store=store,
        local_root=str(store.root),
        proxied=settings.serve_artifacts,
        workspaces_enabled=enabled,
    )
    locations = ArtifactLocations(settings.resolved_artifact_root(), workspaces_enabled=enabled)
    if directory is not None:
        locations = dataclasses.replace(locations, workspace_root=directory.artifact_root)
    uow = SqlUnitOfWork(database)
    ensure_default_experiment(uow, locations)
    return AppState(
        settings=settings,
        uow=uow,
        locations=locations,
        artifacts=store if settings.serve_artifacts else None,
        registry=registry,
        workspaces=directory,
        auth=_auth_runtime(settings, uow),
        inline_point_calls=database.is_sqlite,
    )


def _auth_runtime(settings: Settings, uow: SqlUnitOfWork) -> AuthRuntime | None:
    if not settings.app_name:
        return None
    from atrium.server.auth.setup import build_auth

    return build_auth(settings, uow)


def _mount_auth(
    app: FastAPI,
    state: AppState,
    fast_paths: dict[tuple[str, str], Endpoint],
    components: dict[str, Any],
) -> None:
    """Accounts and tokens routes, then the middleware that guards every route."""
    from atrium.server.auth.middleware import AuthMiddleware, RouteIndex
    from atrium.server.routers import accounts, roles

    assert state.auth is not None
    accounts.users.mount(app, state, TRACKING_PREFIXES, fast_paths, components)
    roles.router.mount(app, state, workspaces.PREFIXES, fast_paths, components)
    accounts.tokens.mount(app, state, ("/api/2.0", "/ajax-api/2.0"), fast_paths, components)
    routes = [r for r in app.routes if isinstance(r, Route)]
    app.add_middleware(
        AuthMiddleware,
        authenticator=state.auth.authenticator,
        authorizer=state.auth.authorizer,
        index=RouteIndex(routes),
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
    workspaces.router.mount(app, state, workspaces.PREFIXES, fast_paths, components)
    mount_artifacts(app, state)
    app.add_middleware(ExactPathDispatcher, table=fast_paths)
    if state.auth is not None:
        _mount_auth(app, state, fast_paths, components)
    # Added last, so it runs first: every route sees the resolved workspace.
    app.add_middleware(WorkspaceContextMiddleware, directory=state.workspaces)
    return app
