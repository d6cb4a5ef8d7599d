"""Where new experiments, runs and logged models keep their artifacts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from atrium.domain.artifact_layout import WORKSPACES_DIR, join_uri


def _no_workspace_root(_workspace: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class ArtifactLocations:
    """The server's default artifact root (e.g. ``mlflow-artifacts:/``) and, with workspaces
    on, each workspace's own root or its ``workspaces/<ws>`` area under the default."""

    default_root: str
    workspaces_enabled: bool = False
    workspace_root: Callable[[str], str | None] = _no_workspace_root

    def for_experiment(self, workspace: str, experiment_id: str) -> str:
        if not self.workspaces_enabled:
            return join_uri(self.default_root, experiment_id)
        own_root = self.workspace_root(workspace)
        if own_root:
            return join_uri(own_root, experiment_id)
        return join_uri(self.default_root, WORKSPACES_DIR, workspace, experiment_id)

    @staticmethod
    def for_run(experiment_location: str, run_id: str) -> str:
        return join_uri(experiment_location, run_id, "artifacts")

    @staticmethod
    def for_logged_model(experiment_location: str, model_id: str) -> str:
        return join_uri(experiment_location, "models", model_id, "artifacts")
