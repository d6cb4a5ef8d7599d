"""Which resource an artifact path belongs to, and whether the asker may act on it.

Keys are laid out as ``[workspaces/<ws>/]<experiment_id>/<run_id>/artifacts/...`` (run files),
``.../<experiment_id>/models/<model_id>/...`` (logged models), ``_registry/<model_pk>/...``
(registered model versions) or any other path (workspace files). An unsafe path, or one naming
another workspace, is denied: the handler would refuse it anyway.
"""

from __future__ import annotations

from atrium.domain.artifact_layout import WORKSPACES_DIR
from atrium.errors import AtriumError
from atrium.server.auth.asker import Asker
from atrium.services.auth.authorizer import Action, capable
from atrium.services.model_sources import REGISTRY_PREFIX
from atrium.stores.artifacts import safe_artifact_path


def _segments(asker: Asker, raw: str) -> list[str] | None:
    try:
        key = safe_artifact_path(raw) if raw else ""
    except AtriumError:
        return None
    segments = key.split("/") if key else []
    if segments[:1] == [WORKSPACES_DIR]:
        if len(segments) < 2 or segments[1] != asker.workspace:
            return None
        segments = segments[2:]
    return segments


def _experiment_files(asker: Asker, segments: list[str], action: Action) -> bool:
    experiment_id = segments[0]
    if len(segments) < 2:
        return asker.experiment_can(experiment_id, action)
    tier = "logged_model" if segments[1] == "models" else "run"
    return asker.authz.in_experiment(asker.user_id, asker.workspace, experiment_id, tier, action)


def _registry_files(asker: Asker, segments: list[str], action: Action) -> bool:
    if len(segments) < 2 or not segments[1].isdigit():
        return False
    found = asker.authz.resources.registered_model_by_pk(asker.workspace, int(segments[1]))
    return found is not None and asker.versions(found[1], action)


def may_access(asker: Asker, raw_path: str, action: Action) -> bool:
    """Whether the asker may ``action`` the artifact at ``raw_path`` (a client path)."""
    segments = _segments(asker, raw_path)
    if segments is None:
        return False
    if segments and segments[0].isdigit():
        return _experiment_files(asker, segments, action)
    if segments and segments[0] == REGISTRY_PREFIX:
        return _registry_files(asker, segments, action)
    return capable(asker.workspace_level(), action)
