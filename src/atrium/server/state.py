"""What every endpoint may use: the unit of work, artifact storage and location policy."""

from __future__ import annotations

from dataclasses import dataclass

from atrium.server.settings import Settings
from atrium.services.locations import ArtifactLocations
from atrium.services.model_sources import RegistryStorage
from atrium.services.workspaces import WorkspaceDirectory
from atrium.stores.artifacts import ArtifactStore
from atrium.stores.base import UnitOfWork


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    uow: UnitOfWork
    locations: ArtifactLocations
    artifacts: ArtifactStore | None  # the proxy's store; None with --no-serve-artifacts
    registry: RegistryStorage
    workspaces: WorkspaceDirectory | None  # None unless --enable-workspaces
