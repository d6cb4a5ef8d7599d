"""How artifact keys are laid out: URI joining, and confining paths to a workspace.

With workspaces on, a non-default workspace's files live under ``workspaces/<ws>/``; a path
naming another workspace is refused, and ``default`` keeps its legacy unprefixed layout. The
artifact proxy and registry source resolution both go through :func:`scoped_key`.
"""

from __future__ import annotations

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.errors import InvalidParameterValue

WORKSPACES_DIR = "workspaces"


def scoped_key(key: str, workspace: str, enabled: bool) -> str:
    """The storage key for a client key (already made safe) in ``workspace``."""
    if not enabled:
        return key
    segments = key.split("/") if key else []
    if segments and segments[0] == WORKSPACES_DIR:
        if len(segments) < 2:
            raise InvalidParameterValue(
                "Artifact paths prefixed with 'workspaces/' must include a workspace name."
            )
        if segments[1] != workspace:
            raise InvalidParameterValue(
                f"Artifact path targets workspace '{segments[1]}' but the workspace specified "
                f"in the request is '{workspace}'."
            )
        return key
    if workspace == DEFAULT_WORKSPACE:
        return key
    return "/".join((WORKSPACES_DIR, workspace, *segments))


def join_uri(base: str, *parts: str) -> str:
    """Join URI path segments with single slashes, keeping ``scheme:/`` roots intact."""
    joined = base.rstrip("/")
    for part in parts:
        joined = f"{joined}/{part.strip('/')}"
    return joined
