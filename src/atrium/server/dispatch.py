"""O(1) dispatch of fixed-path wire endpoints ahead of FastAPI's linear route scan.

Routes stay registered with FastAPI (OpenAPI, path-parameter routes, fallbacks); requests whose
method and exact path are in the table skip the scan and FastAPI's dependency machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from atrium.errors import AtriumError
from atrium.server.errors import error_response

Endpoint = Callable[[Request], Awaitable[Response]]
_log = logging.getLogger("atrium.server")


class ExactPathDispatcher:
    """ASGI middleware: serve ``(method, path)`` pairs from a table, pass the rest through."""

    def __init__(self, app: ASGIApp, table: dict[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = None
        if scope["type"] == "http":
            endpoint = self.table.get((scope["method"], scope["path"]))
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except AtriumError as error:
            response = error_response(error)
        except Exception:
            _log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            response = error_response(AtriumError("Internal server error", "INTERNAL_ERROR"))
        await response(scope, receive, send)
