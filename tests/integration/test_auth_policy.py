"""Fail closed: every mounted route has a written decision, and a route without one is denied.

``atrium.server.auth.policy.DECISIONS`` is the one list of who may call what. The check below
walks everything an auth-enabled app serves (its routes and its exact-path dispatch table);
it is shown to catch a route mounted without a decision, and the server is shown to deny such
a route to non-admins over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from atrium.server.auth import policy
from atrium.server.dispatch import ExactPathDispatcher
from tests.integration.conftest import AuthMember
from tests.support.auth_helpers import (
    ADMIN,
    API,
    USERS,
    AuthClient,
    AuthServer,
    assert_denied,
    assert_every_route_decided,
    assert_unauthenticated,
    bearer,
    mounted_route_keys,
    serve_auth,
    undecided_routes,
    unique_name,
)

PROBE = f"{API}/undecided-probe"
FAST_PROBE = f"{API}/undecided-fast-probe"
MOUNT_PROBE = "/undecided-mount"


def test_every_mounted_route_has_a_written_decision(
    auth_server: AuthServer, auth_ws_server: AuthServer
) -> None:
    for server in (auth_server, auth_ws_server):
        mounted = mounted_route_keys(server.app)
        # The walk sees the whole app: tracking, registry, artifacts, workspaces, accounts.
        for key in [
            ("POST", f"{API}/experiments/create"),
            ("GET", "/ajax-api/2.0/mlflow/runs/get"),
            ("PUT", "/api/2.0/mlflow-artifacts/artifacts/{artifact_path:path}"),
            ("PATCH", "/api/3.0/mlflow/workspaces/{workspace_name}"),
            ("POST", f"{USERS}/create"),
            ("POST", "/api/2.0/token/delete"),
            ("GET", "/health"),
        ]:
            assert key in mounted, key
        assert len(mounted) > 150
        assert_every_route_decided(server.app)


def test_decisions_cover_every_prefix_and_head() -> None:
    search = ("GET", "/mlflow/experiments/search")
    assert policy.DECISIONS[search] is policy.RESOURCE_READ
    for prefix in ("/api/2.0", "/ajax-api/2.0", "/api/3.0", "/ajax-api/3.0"):
        assert (
            policy.decision_for("GET", f"{prefix}/mlflow/experiments/search")
            is policy.RESOURCE_READ
        )
        assert (
            policy.decision_for("HEAD", f"{prefix}/mlflow/experiments/search")
            is policy.RESOURCE_READ
        )
        assert policy.decision_for("PUT", f"{prefix}/mlflow/experiments/search") is None
    assert policy.decision_for("GET", "/api/4.0/mlflow/experiments/search") is None
    assert policy.decision_for("GET", "/mlflow/experiments/search/") is None


async def _probe_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("mounted probe")(scope, receive, send)


async def _fast_probe(_request: Request) -> Response:
    return PlainTextResponse("fast probe")


@pytest.fixture()
def throwaway(tmp_path: Path) -> Iterator[AuthServer]:
    """A basic-auth server of its own: these tests mount routes nobody else may see."""
    uri = f"sqlite:///{tmp_path / 'throwaway.db'}"
    with serve_auth("sqlite", uri, tmp_path, uri) as server:
        yield server


def test_the_check_fails_for_a_route_mounted_without_a_decision(throwaway: AuthServer) -> None:
    app = throwaway.app
    assert_every_route_decided(app)

    async def probe() -> dict[str, str]:
        return {"probe": "reached"}

    app.add_api_route(PROBE, probe, methods=["GET"])
    app.mount(MOUNT_PROBE, _probe_app)
    (dispatcher,) = [m for m in app.user_middleware if m.cls is ExactPathDispatcher]
    dispatcher.kwargs["table"][("POST", FAST_PROBE)] = _fast_probe

    assert undecided_routes(app) == [("*", MOUNT_PROBE), ("GET", PROBE), ("POST", FAST_PROBE)]
    with pytest.raises(AssertionError) as caught:
        assert_every_route_decided(app)
    for path in (PROBE, FAST_PROBE, MOUNT_PROBE):
        assert path in str(caught.value)

    # And over HTTP the server refuses what has no decision to anyone but a super admin.
    bot = unique_name("bot")
    with throwaway.admin() as admin:
        admin.create_user(bot, service=True)
        token, _ = admin.create_token(username=bot)
        assert admin.ok("GET", PROBE) == {"probe": "reached"}
        assert admin.call("POST", FAST_PROBE).text == "fast probe"
        assert admin.call("GET", f"{MOUNT_PROBE}/x").text == "mounted probe"
    with throwaway.client(bearer(token)) as non_admin:
        assert non_admin.current_user()["username"] == bot
        assert_denied(non_admin.call("GET", PROBE))
        assert_denied(non_admin.call("POST", FAST_PROBE))
        assert_denied(non_admin.call("GET", f"{MOUNT_PROBE}/x"))
    with throwaway.client(None) as anonymous:
        for method, path in [("GET", PROBE), ("POST", FAST_PROBE), ("GET", f"{MOUNT_PROBE}/x")]:
            assert_unauthenticated(anonymous.call(method, path))


def test_a_route_whose_decision_is_removed_is_denied(
    auth_server: AuthServer,
    auth_admin: AuthClient,
    auth_member: AuthMember,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with auth_server.client(auth_member.bearer) as member:
        assert member.current_user()["username"] == auth_member.username
        read_only, _ = auth_admin.create_token(read_only=True)
        with auth_server.client(bearer(read_only)) as reader:
            assert reader.call("POST", f"{API}/experiments/search", {}).status_code == 200

            monkeypatch.delitem(policy.DECISIONS, ("GET", "/mlflow/users/current"))
            monkeypatch.delitem(policy.DECISIONS, ("POST", "/mlflow/experiments/search"))
            with pytest.raises(AssertionError, match="experiments/search"):
                assert_every_route_decided(auth_server.app)
            for path in (f"{USERS}/current", "/ajax-api/2.0/mlflow/users/current"):
                assert_denied(member.call("GET", path))
            # A super admin still gets through (as in MLflow, where admins skip validators),
            # but a read-only credential never does: an undecided route is not a read.
            assert auth_admin.current_user()["username"] == ADMIN
            assert auth_admin.call("POST", f"{API}/experiments/search", {}).status_code == 200
            assert_denied(reader.call("POST", f"{API}/experiments/search", {}))

            monkeypatch.undo()
            assert member.current_user()["username"] == auth_member.username
            assert reader.call("POST", f"{API}/experiments/search", {}).status_code == 200
