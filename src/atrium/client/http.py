"""The SDK's HTTP base: where the server is, who is calling, and errors as Atrium exceptions.

Credentials come from explicit arguments or the official client's variables
(``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``, or ``MLFLOW_TRACKING_TOKEN``);
every error answer, MLflow JSON or plain text, is raised as an :class:`AtriumError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from atrium.errors import (
    AtriumError,
    EndpointNotFound,
    InvalidParameterValue,
    PermissionDenied,
    TemporarilyUnavailable,
    Unauthenticated,
    error_for_code,
)

DEFAULT_TRACKING_URI = "http://127.0.0.1:5000"
WORKSPACE_HEADER = "X-MLFLOW-WORKSPACE"
DEFAULT_TIMEOUT_S = 30.0
# Plain-text bodies can be whole HTML pages (a proxy in between): keep the message readable.
MAX_TEXT_MESSAGE = 300

T = TypeVar("T")


class ServerUnreachable(TemporarilyUnavailable):
    """No answer at all: nothing listens at the tracking URI, or the connection broke."""


class UnexpectedResponse(AtriumError):
    """The server answered success with a body this client cannot read."""


@dataclass(frozen=True)
class Credentials:
    """HTTP Basic (``username`` and ``password``) or a bearer ``token``; both empty means none.

    Secrets stay out of ``repr`` so that a logged client never shows them.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read the official client's variables; empty values count as unset."""
        env = os.environ if environ is None else environ
        return cls(
            username=env.get("MLFLOW_TRACKING_USERNAME") or None,
            password=env.get("MLFLOW_TRACKING_PASSWORD") or None,
            token=env.get("MLFLOW_TRACKING_TOKEN") or None,
        )

    def auth(self) -> httpx.Auth | None:
        """The ``httpx`` auth to send: Basic when a username or password is set, else Bearer.

        Raises:
            InvalidParameterValue: only one of username and password is set.
        """
        if self.username or self.password:
            if not (self.username and self.password):
                raise InvalidParameterValue(
                    "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD must be set together."
                )
            return httpx.BasicAuth(self.username, self.password)
        if self.token:
            return BearerAuth(self.token)
        return None


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def check_tracking_uri(uri: str) -> str:
    """The URI without a trailing slash, if it is an http(s) URL.

    Raises:
        InvalidParameterValue: a database URI, a path, or anything else that is not a server.
    """
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameterValue(
            f"Tracking URI '{uri}' is not the http(s) URL of a running server, "
            "e.g. http://127.0.0.1:5000."
        )
    return uri.strip().rstrip("/")


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_TEXT_MESSAGE else line[: MAX_TEXT_MESSAGE - 3] + "..."


def _json_error(response: httpx.Response) -> AtriumError | None:
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("error_code"), str):
        return None
    message = payload.get("message")
    text = message if isinstance(message, str) and message else payload["error_code"]
    return error_for_code(payload["error_code"], text)


def error_from_response(response: httpx.Response) -> AtriumError:
    """The exception an error answer stands for.

    An MLflow JSON body ``{"error_code", "message"}`` gives the matching class; a plain-text
    401 or 403 (how the auth layer refuses) gives :class:`Unauthenticated` or
    :class:`PermissionDenied` with the text as message; anything else an :class:`AtriumError`
    naming the status.
    """
    parsed = _json_error(response)
    if parsed is not None:
        return parsed
    text = _one_line(response.text)
    status = response.status_code
    if status == 401:
        return Unauthenticated(text or "You are not authenticated.")
    if status == 403:
        return PermissionDenied(text or "Permission denied")
    if status == 404:
        return EndpointNotFound(text or f"Not found: {response.request.url.path}")
    reason = response.reason_phrase or "error"
    return AtriumError(f"HTTP {status} {reason}" + (f": {text}" if text else ""))


class HttpClient:
    """JSON calls to one server, with one identity and an optional default workspace.

    Args:
        tracking_uri: base URL of the server (a path prefix is kept).
        credentials: who calls; read from the environment when omitted.
        workspace: sent as ``X-MLFLOW-WORKSPACE`` unless a call names another.
        timeout: seconds per request.
        transport: an ``httpx`` transport, e.g. to talk to an app in-process in tests.
    """

    def __init__(
        self,
        tracking_uri: str = DEFAULT_TRACKING_URI,
        *,
        credentials: Credentials | None = None,
        workspace: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.tracking_uri = check_tracking_uri(tracking_uri)
        self.workspace = workspace or None
        who = credentials if credentials is not None else Credentials.from_environment()
        self._http = httpx.Client(
            base_url=self.tracking_uri, auth=who.auth(), timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        workspace: str | None = None,
    ) -> dict[str, Any]:
        """Send one request and return its JSON object.

        Raises:
            AtriumError: the server's error (see :func:`error_from_response`), or
                :class:`ServerUnreachable` when it cannot be reached.
        """
        chosen = workspace or self.workspace
        headers = {WORKSPACE_HEADER: chosen} if chosen else {}
        try:
            response = self._http.request(method, path, json=body, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise ServerUnreachable(
                f"Cannot reach the tracking server at {self.tracking_uri}: {_one_line(str(exc))}"
            ) from exc
        if response.is_error:
            error = error_from_response(response)
            if isinstance(error, EndpointNotFound):  # "Not found" alone does not say what
                error = EndpointNotFound(f"{error.message} ({method} {path})")
            raise error
        return _json_object(response)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json() if response.content else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise UnexpectedResponse(
            f"The server's answer to {response.request.method} {response.request.url.path} "
            "is not a JSON object; is the tracking URI an Atrium or MLflow server?"
        )
    return payload


def decode(what: str, build: Callable[[Any], T], payload: Any) -> T:
    """``build(payload)``, a missing or ill-typed field becoming :class:`UnexpectedResponse`."""
    try:
        return build(payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponse(
            f"Cannot read {what} in the server's answer ({type(exc).__name__}: {exc})."
        ) from exc
