"""Resolve each request's workspace once, from ``X-MLFLOW-WORKSPACE``, into its context.

Runs before routing: services receive the workspace in ``RequestContext`` and never read it
from anywhere else. ``server-info`` is answered whatever the header says.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.workspaces import WORKSPACE_HEADER, validate_workspace_name
from atrium.errors import AtriumError, InvalidParameterValue
from atrium.server.errors import error_response
from atrium.services.context import RequestContext
from atrium.services.workspaces import WorkspaceDirectory

_HEADER = WORKSPACE_HEADER.encode("latin-1")
_DEFAULT_CONTEXT = RequestContext(DEFAULT_WORKSPACE)


def _header_value(scope: Scope) -> str:
    values = [value for name, value in scope.get("headers", ()) if name.lower() == _HEADER]
    if len(values) > 1:
        raise InvalidParameterValue("The X-MLFLOW-WORKSPACE header may be given only once.")
    if not values:
        return ""
    try:
        return str(values[0].decode("utf-8")).strip()
    except UnicodeDecodeError:
        raise InvalidParameterValue("The X-MLFLOW-WORKSPACE header is not valid UTF-8.") from None


class WorkspaceFeatureDisabled(AtriumError):
    """A workspace was named on a server without workspaces: refused, never ignored.

    MLflow answers 500 here; a client mistake is a 400 for us (the client does not retry).
    """

    error_code = "FEATURE_DISABLED"
    http_status = 400


class WorkspaceContextMiddleware:
    def __init__(self, app: ASGIApp, directory: WorkspaceDirectory | None) -> None:
        self.app = app
        self.directory = directory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/").endswith("/mlflow/server-info"):
            await self.app(scope, receive, send)
            return
        try:
            context = await self._resolve(scope)
        except AtriumError as error:
            await error_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["ctx"] = context
        await self.app(scope, receive, send)

    async def _resolve(self, scope: Scope) -> RequestContext:
        name = _header_value(scope)
        if self.directory is None:
            if name:
                raise WorkspaceFeatureDisabled(
                    "Workspace APIs are not available: workspaces are not enabled on this server"
                )
            return _DEFAULT_CONTEXT
        if not name or name == self.directory.default_name:
            return RequestContext(self.directory.default_name)
        validate_workspace_name(name)
        if self.directory.cached(name) is None:  # only a cache miss asks the provider (I/O)
            await run_in_threadpool(self.directory.require, name)
        return RequestContext(name)
