"""A JSON response computed in the thread pool while it is being sent.

For an endpoint that runs on the event loop (``inline``) and only then finds it has long,
blocking work to do: it returns this response instead of blocking the loop. Errors become the
usual JSON error responses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from atrium.errors import AtriumError
from atrium.server.errors import error_response
from atrium.server.responses import json_response

_log = logging.getLogger("atrium.server")


class DeferredJSON(Response):
    def __init__(self, compute: Callable[[], Any]) -> None:
        super().__init__(status_code=200, media_type="application/json")
        self._compute = compute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = json_response(await run_in_threadpool(self._compute))
        except AtriumError as error:
            response = error_response(error)
        except Exception:
            _log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            response = error_response(AtriumError("Internal server error", "INTERNAL_ERROR"))
        await response(scope, receive, send)
