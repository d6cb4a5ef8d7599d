"""Declare wire endpoints as plain typed functions; mount them under MLflow's prefixes.

An endpoint receives its parsed request model and a :class:`Call` (context, app state, path
parameters); its blocking work runs in the thread pool so the event loop stays free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, TypeVar, get_origin

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response

from atrium.errors import InvalidParameterValue
from atrium.server.responses import json_response
from atrium.server.state import AppState
from atrium.services.context import RequestContext

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[Any, "Call"], Any]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Call:
    ctx: RequestContext
    state: AppState
    path: dict[str, str]
    query: dict[str, str]


@dataclass(frozen=True, slots=True)
class WireRoute:
    method: str
    path: str
    model: type[BaseModel] | None
    handler: Handler
    # Short and bounded (one run, one experiment, one model): may run on the event loop.
    inline: bool = False


@cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if get_origin(field.annotation) is list
    )


def _query_dict(params: QueryParams, model: type[BaseModel]) -> dict[str, Any]:
    lists = _list_fields(model)
    return {key: params.getlist(key) if key in lists else params[key] for key in params}


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "request"
    return f"Invalid value for parameter '{where}' supplied: {first['msg']}"


async def _json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    if content_type is None:
        raise InvalidParameterValue("Bad Request. Content-Type header is missing.")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise InvalidParameterValue(
            "Bad Request. Content-Type must be one of ['application/json']."
        )
    raw = await request.body()
    if not raw.strip():
        return {}
    if b"\\u0000" in raw:  # the only way JSON can carry a NUL character
        raise InvalidParameterValue(_NUL_REFUSED)
    try:
        data = orjson.loads(raw)
        if isinstance(data, str):  # older clients double-encode their JSON
            data = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise InvalidParameterValue("Malformed request: the body is not valid JSON.") from None
    return data


_NUL_REFUSED = "Invalid request: NUL characters are not allowed in any field."


async def parse_request(request: Request, model: type[M]) -> M:
    """Build the request model from the query string (GET) or the JSON body (others)."""
    if request.method == "GET":
        if "\x00" in request.url.query or "%00" in request.url.query:
            raise InvalidParameterValue(_NUL_REFUSED)
        data: Any = _query_dict(request.query_params, model)
    elif request.method == "DELETE" and not request.headers.get("content-type"):
        data = {}
    else:
        data = await _json_body(request)
    if not isinstance(data, dict):
        raise InvalidParameterValue("Malformed request: the JSON body must be an object.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidParameterValue(_describe(error)) from None


def _endpoint(route: WireRoute, state: AppState, full_path: str) -> Endpoint:
    # With basic-auth on, a gate runs the route's permission guard and after-write hook.
    gate = state.auth.gate_for(route.method, full_path) if state.auth is not None else None

    async def endpoint(request: Request) -> Response:
        parsed = await parse_request(request, route.model) if route.model else None
        ctx = getattr(request.state, "ctx", None) or RequestContext()
        path = dict(request.path_params)
        if any("\x00" in value for value in path.values()):
            raise InvalidParameterValue(_NUL_REFUSED)
        call = Call(ctx, state, path, dict(request.query_params))
        if gate is None:
            work = partial(route.handler, parsed, call)
        else:
            principal = getattr(request.state, "principal", None)
            work = partial(gate.invoke, route.handler, parsed, call, principal)
        result = (
            work() if route.inline and state.inline_point_calls else await run_in_threadpool(work)
        )
        return result if isinstance(result, Response) else json_response(result)

    endpoint.__name__ = route.handler.__name__
    return endpoint


class WireRouter:
    """Collects endpoints of one resource."""

    def __init__(self) -> None:
        self.routes: list[WireRoute] = []

    def route(
        self, method: str, path: str, model: type[BaseModel] | None = None, inline: bool = False
    ) -> Callable[[Handler], Handler]:
        """Declare an endpoint; ``inline`` marks a short, bounded call (see AppState)."""

        def register(handler: Handler) -> Handler:
            self.routes.append(WireRoute(method, path, model, handler, inline))
            return handler

        return register

    def mount(
        self,
        app: FastAPI,
        state: AppState,
        prefixes: tuple[str, ...],
        fast_paths: dict[tuple[str, str], Endpoint],
        components: dict[str, Any],
    ) -> None:
        """Register every route under each prefix; fixed paths also go to ``fast_paths``."""
        for prefix in prefixes:
            for route in self.routes:
                endpoint = _endpoint(route, state, prefix + route.path)
                if "{" not in route.path:
                    fast_paths[(route.method, prefix + route.path)] = endpoint
                app.add_api_route(
                    prefix + route.path,
                    endpoint,
                    methods=[route.method],
                    name=f"{route.handler.__name__}{prefix}",
                    openapi_extra=_openapi_body(route, components),
                )


def _openapi_body(route: WireRoute, components: dict[str, Any]) -> dict[str, Any] | None:
    """The request body's JSON schema; nested models are collected into ``components``."""
    if route.model is None or route.method == "GET":
        return None
    schema = route.model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


def publish_components(app: FastAPI, components: dict[str, Any]) -> None:
    """Add the collected request-model schemas to the app's OpenAPI document."""
    build_default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build_default()
            document.setdefault("components", {}).setdefault("schemas", {}).update(components)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
