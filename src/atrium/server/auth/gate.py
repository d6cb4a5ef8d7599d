"""Run a route's permission guard and its after-write hook around the handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from starlette.responses import PlainTextResponse, Response

from atrium.server.auth.asker import Asker
from atrium.server.auth.guards import Guard
from atrium.server.auth.hooks import Hook
from atrium.server.auth.principal import Principal
from atrium.server.routing import Call, Handler
from atrium.services.auth.authorizer import Authorizer

DENIED = "Permission denied"

# Applied to a successful result for non-admins: what of it they may see.
ResultFilter = Callable[[Asker, Any], Any]


def denied() -> Response:
    return PlainTextResponse(DENIED, status_code=403)


def _deny_all(_asker: Asker, _req: Any, _call: Call) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Gate:
    authz: Authorizer
    guard: Guard | None  # None: the route's decision needs nothing more than a user
    hook: Hook | None = None
    result_filter: ResultFilter | None = None

    def invoke(self, handler: Handler, parsed: Any, call: Call, principal: Principal | None) -> Any:
        if principal is None:  # no auth on this request (a public route)
            return handler(parsed, call)
        limited = not principal.is_admin
        token = principal.token
        asker = Asker(
            self.authz,
            principal.user.id,
            call.ctx.workspace,
            principal.is_admin,
            token.workspaces if token is not None else None,
        )
        if self.guard is not None and limited:
            outcome = self.guard(asker, parsed, call)
            if outcome is False:
                return denied()
            if isinstance(outcome, Call):
                call = outcome
            elif isinstance(outcome, BaseModel):
                parsed = outcome
            elif isinstance(outcome, dict):
                return outcome
        result = handler(parsed, call)
        if self.result_filter is not None and (limited or asker.token_workspaces is not None):
            result = self.result_filter(asker, result)
        if self.hook is not None and _succeeded(result):
            self.hook(self.authz, principal, parsed, call, result)
        return result


def _succeeded(result: Any) -> bool:
    return not isinstance(result, Response) or result.status_code < 400


def closed_gate(gate: Gate) -> Gate:
    """A resource route nobody wrote a guard for: only super admins pass."""
    return replace(gate, guard=_deny_all)
