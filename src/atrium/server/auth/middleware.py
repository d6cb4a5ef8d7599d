"""Authenticate every non-public request and apply its route's written decision.

Runs after workspace resolution (an unknown workspace is a 404 even without credentials, as
in MLflow) and before routing. A route without a decision is denied: the server fails closed.
"""

from __future__ import annotations

import dataclasses
import re

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from atrium.errors import Unauthenticated
from atrium.server.auth import policy
from atrium.server.auth.authenticate import Authenticator
from atrium.server.auth.principal import Principal
from atrium.services.context import RequestContext

REALM = 'Basic realm="atrium"'


class RouteIndex:
    """Finds the route template of a request path: a dict for fixed paths, a scan for others."""

    def __init__(self, routes: list[Route]) -> None:
        self._fixed: dict[str, str] = {}
        self._templated: list[tuple[re.Pattern[str], str]] = []
        for route in routes:
            if "{" in route.path:
                self._templated.append((route.path_regex, route.path))
            else:
                self._fixed[route.path] = route.path

    def template(self, path: str) -> str | None:
        fixed = self._fixed.get(path)
        if fixed is not None:
            return fixed
        return next((t for regex, t in self._templated if regex.match(path)), None)


def _unauthenticated(error: Unauthenticated) -> Response:
    return PlainTextResponse(error.message, status_code=401, headers={"WWW-Authenticate": REALM})


def _denied() -> Response:
    return PlainTextResponse("Permission denied", status_code=403)


def _allowed(
    decision: policy.Decision | None, principal: Principal, workspace: str, method: str
) -> bool:
    reads = method in ("GET", "HEAD") or (decision is not None and decision.reads_only)
    if principal.read_only and not reads:
        return False
    # A token limited to some workspaces or to reading is for tracking work in them; it can
    # neither administer the server nor mint, revoke or change credentials.
    outside_tracking = decision is None or decision.kind != "resource"
    if (
        principal.restricted
        and outside_tracking
        and (decision is None or decision.kind == "admin" or not reads)
    ):
        return False
    if decision is None or decision.kind in ("admin", "resource"):
        # Resource grants are not enforced yet: tracking and registry routes are for super
        # admins only, and an admin reaching an unlisted route gets the router's 404.
        return principal.is_admin and principal.reaches_workspace(workspace)
    return True


class AuthMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator, index: RouteIndex) -> None:
        self.app = app
        self.authenticator = authenticator
        self.index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        template = self.index.template(scope["path"])
        decision = policy.decision_for(scope["method"], template) if template else None
        if decision is policy.PUBLIC:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            principal = await run_in_threadpool(self.authenticator.authenticate, headers)
        except Unauthenticated as error:
            await _unauthenticated(error)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        ctx: RequestContext = state.get("ctx") or RequestContext()
        if not _allowed(decision, principal, ctx.workspace, scope["method"]):
            await _denied()(scope, receive, send)
            return
        state["ctx"] = dataclasses.replace(
            ctx, principal=principal.username, is_admin=principal.is_admin
        )
        state["principal"] = principal
        await self.app(scope, receive, send)
