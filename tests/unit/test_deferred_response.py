"""``DeferredJSON``: a response whose payload is computed in the thread pool while it is sent."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
import pytest

from atrium.errors import ResourceDoesNotExist
from atrium.server.deferred import DeferredJSON


def _send(response: DeferredJSON) -> tuple[int, dict[str, str], Any]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}
    asyncio.run(response(scope, receive, send))
    start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, orjson.loads(body)


def test_payload_is_computed_off_the_event_loop() -> None:
    threads: list[str] = []

    def compute() -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        return {"model_version": {"version": "1"}}

    status, headers, payload = _send(DeferredJSON(compute))
    assert (status, payload) == (200, {"model_version": {"version": "1"}})
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(orjson.dumps(payload))
    assert threads and threads[0] != threading.main_thread().name


def test_atrium_errors_become_their_json_error() -> None:
    def compute() -> dict[str, Any]:
        raise ResourceDoesNotExist("Registered Model with name=x not found")

    status, _, payload = _send(DeferredJSON(compute))
    assert status == 404
    assert payload["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_other_errors_are_internal_errors(caplog: pytest.LogCaptureFixture) -> None:
    def compute() -> dict[str, Any]:
        raise RuntimeError("boom")

    status, _, payload = _send(DeferredJSON(compute))
    assert (status, payload["error_code"]) == (500, "INTERNAL_ERROR")
    assert "boom" not in payload["message"]
    assert any("unhandled error" in r.message for r in caplog.records)
