"""Where new experiments, runs and logged models keep their artifacts."""

from __future__ import annotations

from dataclasses import dataclass


def join_uri(base: str, *parts: str) -> str:
    """Join URI path segments with single slashes, keeping ``scheme:/`` roots intact."""
    joined = base.rstrip("/")
    for part in parts:
        joined = f"{joined}/{part.strip('/')}"
    return joined


@dataclass(frozen=True, slots=True)
class ArtifactLocations:
    """The server's default artifact root, e.g. ``mlflow-artifacts:/`` when proxying."""

    default_root: str

    def for_experiment(self, workspace: str, experiment_id: str) -> str:
        del workspace  # workspace-prefixed roots arrive with the workspaces feature
        if self.default_root.endswith(":/"):
            return f"{self.default_root}{experiment_id}"
        return join_uri(self.default_root, experiment_id)

    @staticmethod
    def for_run(experiment_location: str, run_id: str) -> str:
        return join_uri(experiment_location, run_id, "artifacts")

    @staticmethod
    def for_logged_model(experiment_location: str, model_id: str) -> str:
        return join_uri(experiment_location, "models", model_id, "artifacts")
