"""Authenticate every non-public request and apply its route's written decision.

Runs after workspace resolution (an unknown workspace is a 404 even without credentials, as
in MLflow) and before routing. A route without a decision is denied: the server fails closed.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, unquote

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from atrium.errors import Unauthenticated
from atrium.server.auth import policy
from atrium.server.auth.artifact_access import may_access
from atrium.server.auth.asker import Asker
from atrium.server.auth.authenticate import Authenticator
from atrium.server.auth.principal import Principal
from atrium.services.auth.authorizer import Action, Authorizer
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


def _token_allows(decision: policy.Decision | None, principal: Principal, method: str) -> bool:
    """A read-only token only reads; a restricted token only does tracking work.

    A token limited to some workspaces or to reading can neither administer the server nor
    mint, revoke or change credentials.
    """
    reads = method in ("GET", "HEAD") or (decision is not None and decision.reads_only)
    if principal.read_only and not reads:
        return False
    tracking = decision is not None and decision.kind in ("resource", "artifact")
    if principal.restricted and not tracking:
        return decision is not None and decision.kind not in ("admin", "rbac") and reads
    return True


_NAMED_WORKSPACE = re.compile(r"^/(?:ajax-)?api/3\.0/mlflow/workspaces/([^/]+)")


def _names_reachable_workspace(principal: Principal, path: str) -> bool:
    """A workspace named in the path (``/workspaces/<name>...``) must be one the token may
    reach, whatever the request's header says."""
    match = _NAMED_WORKSPACE.match(path)
    return match is None or principal.reaches_workspace(unquote(match.group(1)))


def _allowed(
    decision: policy.Decision | None,
    principal: Principal,
    workspace: str,
    method: str,
    path: str,
) -> bool:
    """The route-level decision; a resource route's guard then looks at the request itself."""
    if not _token_allows(decision, principal, method):
        return False
    if not principal.reaches_workspace(workspace):
        return False
    if not _names_reachable_workspace(principal, path):
        return False
    if decision is None or decision.kind == "admin":
        # An admin reaching an unlisted route gets the router's 404.
        return principal.is_admin
    return True


_ARTIFACT_PATH = re.compile(
    r"^/(?:ajax-)?api/2\.0/mlflow-artifacts/(?:artifacts|mpu/[a-z]+)/?(.*)$"
)
_ARTIFACT_ACTIONS: dict[str, Action] = {
    "GET": "read",
    "HEAD": "read",
    "PUT": "update",
    "POST": "update",
    "DELETE": "manage",
}


def _artifact_allowed(
    authorizer: Authorizer, principal: Principal, workspace: str, scope: Scope
) -> bool:
    """Proxy paths name their experiment (or registry model); list calls pass it as ``path``."""
    if principal.is_admin:
        return True
    match = _ARTIFACT_PATH.match(scope["path"])
    action = _ARTIFACT_ACTIONS.get(scope["method"])
    if match is None or action is None:
        return False
    raw = match.group(1)
    if not raw:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        raw = (query.get("path") or [""])[0]
    asker = Asker(authorizer, principal.user.id, workspace)
    return may_access(asker, raw, action)


class AuthMiddleware:
    """Authenticate, then apply the route's decision (and the artifact proxy's path check)."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        authorizer: Authorizer,
        index: RouteIndex,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.authorizer = authorizer
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
        state = scope.setdefault("state", {})
        ctx: RequestContext = state.get("ctx") or RequestContext()
        cached = self.authenticator.cached(headers)
        try:
            if cached is not None and (decision is None or decision.kind != "artifact"):
                # Nothing to read from a database: decide on the event loop.
                principal = cached
                allowed = _allowed(
                    decision, principal, ctx.workspace, scope["method"], scope["path"]
                )
            else:
                principal, allowed = await run_in_threadpool(
                    self._decide, headers, decision, ctx.workspace, scope
                )
        except Unauthenticated as error:
            await _unauthenticated(error)(scope, receive, send)
            return
        if not allowed:
            await _denied()(scope, receive, send)
            return
        state["ctx"] = dataclasses.replace(
            ctx, principal=principal.username, is_admin=principal.is_admin
        )
        state["principal"] = principal
        await self.app(scope, receive, send)

    def _decide(
        self,
        headers: dict[str, str],
        decision: policy.Decision | None,
        workspace: str,
        scope: Scope,
    ) -> tuple[Principal, bool]:
        principal = self.authenticator.authenticate(headers)
        allowed = _allowed(decision, principal, workspace, scope["method"], scope["path"])
        if allowed and decision is not None and decision.kind == "artifact":
            allowed = _artifact_allowed(self.authorizer, principal, workspace, scope)
        return principal, allowed
