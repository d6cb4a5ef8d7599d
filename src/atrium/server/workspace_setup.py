"""Choose the workspace provider and check, before serving, that workspaces can work.

Every check failure is an ``InvalidState`` with a one-line message; ``atrium server`` prints
it and exits with status 1 before binding its port.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

import sqlalchemy as sa

from atrium.domain.artifact_layout import WORKSPACES_DIR
from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.errors import InvalidState
from atrium.server.settings import Settings
from atrium.services.workspaces import WorkspaceDirectory
from atrium.stores.base import WorkspaceProvider
from atrium.stores.sql.database import Database
from atrium.stores.sql.schema import WORKSPACE_ROOT_TABLES
from atrium.stores.sql.workspaces import SqlWorkspaceProvider

ENTRY_POINT_GROUP = "atrium.workspace_provider"
_log = logging.getLogger("atrium.server")
_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load_factory(scheme: str) -> Any | None:
    """The plug-in's provider factory; a plug-in that fails to import is warned about and
    skipped, as if it were not installed."""
    plugin = _plugins().get(scheme)
    if plugin is None:
        return None
    try:
        return plugin.load()
    except Exception as exc:
        _log.warning("workspace provider plug-in '%s' failed to load: %s", scheme, exc)
        return None


def resolve_provider(settings: Settings, database: Database) -> WorkspaceProvider:
    """The SQL provider for database URIs; otherwise the plug-in named by the URI scheme."""
    uri = settings.workspace_store_uri or settings.backend_store_uri
    scheme = uri.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme in _SQL_SCHEMES:
        if uri == settings.backend_store_uri:
            return SqlWorkspaceProvider(database)
        return SqlWorkspaceProvider(Database.from_uri(uri))
    factory = _load_factory(scheme)
    if factory is None:
        supported = sorted({*_SQL_SCHEMES, *_plugins()})
        raise InvalidState(
            f"Workspace functionality is unavailable; got unsupported URI '{uri}' for the "
            f"workspace backend. Supported URI schemes are: {supported}"
        )
    provider: WorkspaceProvider = factory(uri)
    return provider


def check_client_variable(settings: Settings) -> None:
    if settings.client_workspace:
        raise InvalidState(
            f"MLFLOW_WORKSPACE/ATRIUM_WORKSPACE={settings.client_workspace} is client-only. "
            "Unset it before starting the server."
        )


def check_artifact_root(root: str) -> None:
    segments = [s for s in make_url_path(root).split("/") if s]
    if segments[-1:] == [WORKSPACES_DIR] or segments[-2:-1] == [WORKSPACES_DIR]:
        raise InvalidState(
            f"Cannot enable workspace mode because the default artifact root {root} already "
            f"sits under the reserved '{WORKSPACES_DIR}' segment. Choose another root."
        )


def make_url_path(root: str) -> str:
    """The path part of an artifact root, whether a URI or a plain path."""
    return root.split(":", 1)[1] if ":" in root.split("/", 1)[0] else root


def build_directory(settings: Settings, database: Database) -> WorkspaceDirectory:
    provider = resolve_provider(settings, database)
    default = provider.get_default_workspace()
    if default is None or provider.get_workspace(default) is None:
        raise InvalidState(
            f"The default workspace '{default or DEFAULT_WORKSPACE}' is missing from the "
            "workspace provider; run `atrium db upgrade <uri>` to create it."
        )
    check_artifact_root(settings.resolved_artifact_root())
    return WorkspaceDirectory(provider, default_name=default)


def check_single_tenant(database: Database) -> None:
    """Without workspaces every resource must live in ``default``."""
    with database.read() as conn:
        for table in WORKSPACE_ROOT_TABLES:
            row = conn.execute(
                sa.select(table.c.name, table.c.workspace)
                .where(table.c.workspace != DEFAULT_WORKSPACE)
                .limit(1)
            ).first()
            if row is not None:
                raise InvalidState(
                    f"Cannot disable workspaces because {table.name} exist outside the default "
                    f"workspace (for example '{row.name}' in workspace '{row.workspace}'). "
                    "Start with --enable-workspaces, or move everything into 'default' with "
                    "`atrium db migrate-to-default-workspace <uri>`."
                )
