"""Which workspaces a non-admin sees (``list_workspaces``) and may read (``get_workspace``)."""

from __future__ import annotations

from typing import Any

from atrium.server.auth.asker import Asker
from atrium.server.routing import Call


def visible_workspaces(asker: Asker, result: Any) -> Any:
    """Keep the workspaces the user holds a role in, or the inherited ``default``, and only
    those a workspace-limited token may reach."""
    listed = result.get("workspaces", []) if isinstance(result, dict) else []
    names = [w["name"] for w in listed]
    kept = set(names if asker.is_admin else asker.authz.visible_workspaces(asker.user_id, names))
    if asker.token_workspaces is not None:
        kept &= set(asker.token_workspaces)
    shown = [w for w in listed if w["name"] in kept]
    return {"workspaces": shown} if shown else {}


def get_workspace(asker: Asker, _req: Any, call: Call) -> bool:
    """The rule the reference intends: a workspace the user would see listed."""
    name = call.path.get("workspace_name", "")
    return bool(asker.authz.visible_workspaces(asker.user_id, [name]))


RESULT_FILTERS = {("GET", "/mlflow/workspaces"): visible_workspaces}
