"""Serve the real Atrium app over HTTP on a free port from a background thread.

Every served app is wrapped in :class:`RouteRecorder`, which notes the ``(method, path
template)`` of each request that reached a mounted route; :func:`exercised_routes` and
:func:`mounted_routes` expose what all servers of this process saw and offered, so a suite can
check that its tests reach every endpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from atrium.server.app import create_app
from atrium.server.settings import Settings

from .ports import free_port

RouteKey = tuple[str, str]
"""``(HTTP method, route path template)``, e.g. ``("GET", "/api/2.0/mlflow/runs/get")``."""

_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_lock = threading.Lock()
_exercised: set[RouteKey] = set()
_mounted: set[RouteKey] = set()


def _route_methods(route: BaseRoute) -> frozenset[str]:
    methods: set[str] | None = getattr(route, "methods", None)
    return frozenset(m.upper() for m in methods or ()) - _IGNORED_METHODS


def route_keys(routes: list[BaseRoute]) -> set[RouteKey]:
    """Every ``(method, path template)`` the given routes answer (HEAD/OPTIONS left out)."""
    keys: set[RouteKey] = set()
    for route in routes:
        path = getattr(route, "path", None)
        if isinstance(path, str):
            keys.update((method, path) for method in _route_methods(route))
    return keys


class RouteRecorder:
    """ASGI middleware recording which mounted route (method + template) served each request.

    The router stores the matched route in ``scope["route"]``; when it is absent (or only a
    partial match, e.g. a 405), the routes are matched here so the record never depends on a
    framework detail. Requests that match no route with their method are not recorded.
    """

    def __init__(self, app: Any) -> None:
        self.app: ASGIApp = app
        self._routes: list[BaseRoute] = list(app.routes)
        with _lock:
            _mounted.update(route_keys(self._routes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope["method"]).upper()
        # Matching mutates nothing, but the app's router does: keep a pristine copy.
        pristine = dict(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            key = self._matched(scope, pristine, method)
            if key is not None:
                with _lock:
                    _exercised.add(key)

    def _matched(self, scope: Scope, pristine: Scope, method: str) -> RouteKey | None:
        route = scope.get("route")
        if route is not None and method in _route_methods(route):
            return method, str(route.path)
        for candidate in self._routes:
            match, _ = candidate.matches(pristine)
            if match is Match.FULL and method in _route_methods(candidate):
                return method, str(getattr(candidate, "path", ""))
        return None


def exercised_routes() -> frozenset[RouteKey]:
    """Routes that served at least one request, over every server started in this process."""
    with _lock:
        return frozenset(_exercised)


def mounted_routes() -> frozenset[RouteKey]:
    """Routes mounted by the apps started in this process."""
    with _lock:
        return frozenset(_mounted)


@dataclass(frozen=True)
class ServedApp:
    """A running in-process server: its base URL and the application object it serves."""

    url: str
    app: FastAPI


@contextmanager
def serve_app(settings: Settings, record: bool = True) -> Iterator[ServedApp]:
    """Run ``create_app(settings)`` under uvicorn; yield its URL and app; stop it on exit.

    ``record=False`` keeps the server out of the route records, which feed the integration
    suite's route-coverage and cross-workspace probe checks (servers without auth).
    """
    port = free_port()
    app = create_app(settings)
    served: Any = RouteRecorder(app) if record else app
    config = uvicorn.Config(
        served, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"atrium-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("in-process Atrium server did not start")
        time.sleep(0.02)
    try:
        yield ServedApp(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        app.state.database.dispose()
        if app.state.atrium.auth is not None:
            app.state.atrium.auth.store.database.dispose()


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Run ``create_app(settings)`` under uvicorn; yield its base URL; stop it on exit."""
    with serve_app(settings) as served:
        yield served.url
