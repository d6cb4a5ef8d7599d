"""The one HTTP client used against both servers (keep-alive, localhost only).

Two interchangeable backends with the same interface:

* ``httpclient`` (default): a thin wrapper over the stdlib ``http.client`` keep-alive connection.
  Measured on the dev box against a trivial ASGI app it costs ~0.26 ms per POST round trip,
  versus ~0.57 ms for ``httpx.Client`` -- httpx's own overhead would otherwise dominate the
  per-request time of a fast server.
* ``httpx``: ``httpx.Client`` (keep-alive, ``trust_env=False``), for cross-checking.

Optional default ``headers`` (e.g. the ``Authorization`` of ``run.py --auth``) go with every
request.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import orjson

CHUNK = 1 << 20  # 1 MiB, like the official client's artifact download chunk
IDLE_RECONNECT_S = 1.0  # reopen idle keep-alive connections (servers close them after ~5 s)
Params = dict[str, Any] | list[tuple[str, Any]]
TRANSPORT_ERRORS = (OSError, http.client.HTTPException, httpx.HTTPError)


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else {}


class RequestFailed(Exception):
    """A request that did not return HTTP 200 (or failed at the transport level)."""

    def __init__(self, method: str, path: str, request: bytes | None, status: int, body: bytes):
        self.method = method
        self.path = path
        self.request_body = request
        self.status = status
        self.response_body = body
        req = (request or b"")[:300].decode("utf-8", "replace")
        resp = body[:500].decode("utf-8", "replace")
        super().__init__(f"{method} {path} {req!r} -> HTTP {status}: {resp}")


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        kind: str = "httpclient",
        timeout: float = 120.0,
        headers: dict[str, str] | None = None,
    ):
        parts = urlsplit(base_url)
        if parts.hostname != "127.0.0.1":
            raise ValueError(f"benchmark only talks to 127.0.0.1, not {base_url}")
        self.kind = kind
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._host = parts.hostname
        self._port = parts.port or 80
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0
        self._httpx: httpx.Client | None = None
        if kind == "httpx":
            self._httpx = httpx.Client(
                base_url=base_url, timeout=timeout, trust_env=False, headers=self.headers
            )
        elif kind != "httpclient":
            raise ValueError(f"unknown client kind {kind!r}")

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._httpx is not None:
            self._httpx.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        now = time.monotonic()
        if self._conn is not None and now - self._last_used > IDLE_RECONNECT_S:
            self._conn.close()
            self._conn = None
        if self._conn is None:
            self._conn = http.client.HTTPConnection(
                self._host, self._port, timeout=self.timeout, blocksize=CHUNK
            )
        return self._conn

    def _send(
        self, method: str, url: str, body: Any, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        conn = self._connection()
        headers = {**self.headers, **headers}
        try:
            conn.request(method, url, body=body, headers=headers)
            return conn.getresponse()
        except BaseException:
            conn.close()
            self._conn = None
            raise

    def _done(self, resp: http.client.HTTPResponse) -> None:
        self._last_used = time.monotonic()
        if resp.will_close and self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- requests --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: Params | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request; `headers` add to (and override) the client's default headers."""
        url = path + ("?" + urlencode(params, doseq=True) if params else "")
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = content_type
        if self._httpx is not None:
            r = self._httpx.request(method, url, content=body, headers=headers)
            return Response(r.status_code, r.content)
        resp = self._send(method, url, body, headers)
        data = resp.read()
        self._done(resp)
        return Response(resp.status, data)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        params: Params | None = None,
        content_type: str = "application/json",
    ) -> Response:
        """Like request() but raises RequestFailed unless the answer is HTTP 200."""
        try:
            resp = self.request(method, path, body=body, params=params, content_type=content_type)
        except TRANSPORT_ERRORS as exc:
            raise RequestFailed(method, path, body, 0, repr(exc).encode()) from exc
        if resp.status != 200:
            raise RequestFailed(method, path, body, resp.status, resp.body)
        return resp

    def post_json(self, path: str, obj: Any) -> Any:
        return self.call("POST", path, json.dumps(obj).encode()).json()

    def get_json(self, path: str, params: Params | None = None) -> Any:
        return self.call("GET", path, params=params).json()

    # -- streaming artifacts ---------------------------------------------------------------
    def upload_file(self, path: str, file_path: Path) -> None:
        """PUT a file streamed from disk (Content-Length set, like the official client)."""
        size = os.path.getsize(file_path)
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        with file_path.open("rb") as fh:
            if self._httpx is not None:
                r = self._httpx.put(path, content=fh, headers=headers)
                status, data = r.status_code, r.content
            else:
                resp = self._send("PUT", path, fh, headers)
                data = resp.read()
                self._done(resp)
                status = resp.status
        if status != 200:
            raise RequestFailed("PUT", path, f"<{size} bytes>".encode(), status, data)

    def download(self, path: str) -> int:
        """GET a file, consuming the body in 1 MiB chunks; return the byte count."""
        total = 0
        if self._httpx is not None:
            with self._httpx.stream("GET", path) as r:
                if r.status_code != 200:
                    raise RequestFailed("GET", path, None, r.status_code, r.read())
                for chunk in r.iter_raw(CHUNK):
                    total += len(chunk)
            return total
        resp = self._send("GET", path, None, {})
        if resp.status != 200:
            data = resp.read()
            self._done(resp)
            raise RequestFailed("GET", path, None, resp.status, data)
        while chunk := resp.read(CHUNK):
            total += len(chunk)
        self._done(resp)
        return total
