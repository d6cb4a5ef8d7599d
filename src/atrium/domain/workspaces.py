"""Workspaces: the tenant boundary. The entity, the name rule and the deletion modes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.errors import InvalidParameterValue

NAME_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RESERVED_NAMES = frozenset({"workspaces", "api", "ajax-api", "static-files"})
DELETE_MODES = ("SET_DEFAULT", "CASCADE", "RESTRICT")
WORKSPACE_HEADER = "x-mlflow-workspace"


@dataclass(frozen=True, slots=True)
class Workspace:
    name: str
    description: str | None = None
    default_artifact_root: str | None = None
    trace_archival_location: str | None = None
    trace_archival_retention: str | None = None


def validate_workspace_name(name: object) -> str:
    """MLflow's rule, checked in its order; the literal ``default`` always passes."""
    if name == DEFAULT_WORKSPACE:
        return DEFAULT_WORKSPACE
    if not isinstance(name, str):
        raise InvalidParameterValue(f"Workspace name must be a string, got {type(name).__name__}.")
    if not 2 <= len(name) <= 63:
        raise InvalidParameterValue(
            f"Workspace name '{name[:100]}' must be between 2 and 63 characters."
        )
    if not NAME_PATTERN.match(name):
        raise InvalidParameterValue(
            f"Workspace name '{name}' must match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ "
            "(lowercase alphanumeric with optional internal hyphens)."
        )
    if name in RESERVED_NAMES:
        raise InvalidParameterValue(f"Workspace name '{name}' is reserved and cannot be used.")
    return name


def validate_delete_mode(mode: str | None) -> str:
    chosen = mode or "RESTRICT"
    if chosen not in DELETE_MODES:
        raise InvalidParameterValue(
            f"Invalid deletion mode '{chosen}'. Must be one of: {', '.join(DELETE_MODES)}"
        )
    return chosen
