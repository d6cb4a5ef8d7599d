"""What every endpoint may use: the unit of work, artifact storage and location policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from atrium.server.settings import Settings
from atrium.services.locations import ArtifactLocations
from atrium.services.model_sources import RegistryStorage
from atrium.services.workspaces import WorkspaceDirectory
from atrium.stores.artifacts import ArtifactStore
from atrium.stores.base import UnitOfWork

if TYPE_CHECKING:  # the auth stack is imported only when --app-name asks for it
    from atrium.server.auth.setup import AuthRuntime


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    uow: UnitOfWork
    locations: ArtifactLocations
    artifacts: ArtifactStore | None  # the proxy's store; None with --no-serve-artifacts
    registry: RegistryStorage
    workspaces: WorkspaceDirectory | None  # None unless --enable-workspaces
    auth: AuthRuntime | None = None  # None unless --app-name basic-auth
    # On SQLite a point call is a few hundred microseconds of local work, less than handing it
    # to a thread costs; network databases keep every call off the event loop.
    inline_point_calls: bool = False
