"""The SDK's HTTP base over a mock transport: error bodies back into exceptions, credentials,
the workspace header, and what the accounts and permissions calls put on the wire."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from atrium.client import (
    AccountsClient,
    Credentials,
    HttpClient,
    PermissionsClient,
    ServerUnreachable,
    UnexpectedResponse,
    error_from_response,
)
from atrium.errors import (
    AtriumError,
    EndpointNotFound,
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    Unauthenticated,
)

URL = "http://atrium.test"
NO_ONE = Credentials()

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, **options: Any) -> HttpClient:
    options.setdefault("credentials", NO_ONE)
    return HttpClient(options.pop("uri", URL), transport=httpx.MockTransport(handler), **options)


def _answer(status: int, body: Any = None, text: str | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers={"content-type": "text/plain"})
        return httpx.Response(status, json=body)

    return handler


def _response(status: int, **content: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", f"{URL}/x"), **content)


class _Recorder:
    """Answers ``reply`` and keeps every request it saw."""

    def __init__(self, reply: Any = None) -> None:
        self.reply = {} if reply is None else reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.reply)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_body(self) -> Any:
        return json.loads(self.last.content)


# --------------------------------------------------------------------------------------------
# Error answers.


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "RESOURCE_ALREADY_EXISTS", ResourceAlreadyExists),
        (400, "INVALID_PARAMETER_VALUE", InvalidParameterValue),
        (404, "RESOURCE_DOES_NOT_EXIST", ResourceDoesNotExist),
        (403, "PERMISSION_DENIED", PermissionDenied),
    ],
)
def test_mlflow_json_errors_become_their_class(status: int, code: str, cls: type) -> None:
    error = error_from_response(_response(status, json={"error_code": code, "message": "why"}))
    assert type(error) is cls
    assert (error.error_code, error.message) == (code, "why")


def test_an_unknown_code_is_kept_on_the_base_class() -> None:
    body = {"error_code": "FEATURE_DISABLED", "message": "Workspace APIs are not available"}
    error = error_from_response(_response(400, json=body))
    assert type(error) is AtriumError
    assert (error.error_code, error.message) == ("FEATURE_DISABLED", body["message"])


def test_plain_text_401_and_403_of_the_auth_layer() -> None:
    refused = error_from_response(_response(401, text="You are not\nauthenticated."))
    assert isinstance(refused, Unauthenticated)
    assert refused.message == "You are not authenticated."
    denied = error_from_response(_response(403, text="Permission denied"))
    assert isinstance(denied, PermissionDenied)
    assert denied.message == "Permission denied"


def test_any_other_body_names_the_status_on_one_bounded_line() -> None:
    page = "<html>\n<body>" + "bad gateway " * 100 + "</body></html>"
    error = error_from_response(_response(502, text=page))
    assert type(error) is AtriumError
    assert error.message.startswith("HTTP 502 Bad Gateway: <html> <body>bad gateway")
    assert "\n" not in error.message and len(error.message) < 340
    assert error_from_response(_response(500, json=["not", "an", "object"])).message.startswith(
        "HTTP 500"
    )


def test_calls_raise_the_parsed_error_and_say_which_endpoint_was_missing() -> None:
    missing = _answer(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "Not found"})
    with _client(missing) as c, pytest.raises(EndpointNotFound) as raised:
        c.call("GET", "/api/2.0/mlflow/users/list")
    assert raised.value.message == "Not found (GET /api/2.0/mlflow/users/list)"
    with _client(_answer(403, text="Permission denied")) as c, pytest.raises(PermissionDenied):
        c.call("POST", "/api/2.0/token/create", body={})


def test_an_unreachable_server_is_one_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with _client(refuse) as c, pytest.raises(ServerUnreachable) as raised:
        c.call("GET", "/api/2.0/mlflow/users/current")
    assert raised.value.message == (
        f"Cannot reach the tracking server at {URL}: [Errno 111] Connection refused"
    )
    assert raised.value.error_code == "TEMPORARILY_UNAVAILABLE"


def test_a_success_that_is_not_a_json_object_is_unexpected() -> None:
    with _client(_answer(200, text="<html>hello</html>")) as c, pytest.raises(UnexpectedResponse):
        c.call("GET", "/api/2.0/mlflow/users/list")
    malformed = _answer(200, {"users": [{"username": "no id"}]})
    with _client(malformed) as c, pytest.raises(UnexpectedResponse, match="Cannot read users"):
        AccountsClient(c).list_users()


@pytest.mark.parametrize("uri", ["sqlite:///atrium.db", "/var/atrium", "file:///x", "http://"])
def test_only_http_tracking_uris_are_servers(uri: str) -> None:
    with pytest.raises(InvalidParameterValue, match="not the http"):
        HttpClient(uri, credentials=NO_ONE)


# --------------------------------------------------------------------------------------------
# Credentials and headers.


def _authorization(credentials: Credentials) -> str | None:
    seen = _Recorder()
    with _client(seen, credentials=credentials) as c:
        c.call("GET", "/api/2.0/mlflow/users/current")
    value: str | None = seen.last.headers.get("authorization")
    return value


def test_credentials_from_the_official_variables() -> None:
    basic = Credentials.from_environment(
        {"MLFLOW_TRACKING_USERNAME": "ops", "MLFLOW_TRACKING_PASSWORD": "s3cret:pw"}
    )
    assert _authorization(basic) == "Basic " + base64.b64encode(b"ops:s3cret:pw").decode()
    token = Credentials.from_environment({"MLFLOW_TRACKING_TOKEN": "atr_abc"})
    assert _authorization(token) == "Bearer atr_abc"
    assert _authorization(Credentials.from_environment({"MLFLOW_TRACKING_TOKEN": ""})) is None
    both = Credentials("ops", "pw-12345678901", "atr_abc")
    assert _authorization(both).startswith("Basic ")  # type: ignore[union-attr]


def test_half_a_basic_credential_is_refused_and_secrets_stay_out_of_repr() -> None:
    with pytest.raises(InvalidParameterValue, match="must be set together"):
        Credentials(username="ops").auth()
    shown = repr(Credentials("ops", "hunter2-hunter2", "atr_secret"))
    assert "ops" in shown and "hunter2" not in shown and "atr_secret" not in shown


def test_workspace_header_default_override_and_absence() -> None:
    seen = _Recorder()
    with _client(seen, workspace="team-a") as c:
        c.call("GET", "/x")
        assert seen.last.headers["x-mlflow-workspace"] == "team-a"
        c.call("GET", "/x", workspace="team-b")
        assert seen.last.headers["x-mlflow-workspace"] == "team-b"
    with _client(seen) as c:
        c.call("GET", "/x")
        assert "x-mlflow-workspace" not in seen.last.headers


def test_a_path_prefix_of_the_tracking_uri_is_kept() -> None:
    seen = _Recorder()
    with _client(seen, uri=f"{URL}/mlflow/") as c:
        c.call("GET", "/api/2.0/mlflow/users/list")
    assert str(seen.last.url) == f"{URL}/mlflow/api/2.0/mlflow/users/list"


# --------------------------------------------------------------------------------------------
# What the typed calls send and read.

TOKEN_INFO = {"token_id": "7", "creation_time": 1_700_000_000_000, "expiry_time": -1}


def test_token_calls_on_the_wire() -> None:
    seen = _Recorder({"token_value": "atr_new", "token_info": {**TOKEN_INFO, "read_only": True}})
    with _client(seen) as c:
        created = AccountsClient(c).create_token(workspaces=["team-a"], read_only=True)
        assert seen.last_body() == {"workspaces": ["team-a"], "read_only": True}
        assert created.value == "atr_new" and "atr_new" not in repr(created)
        assert created.info.token_id == "7"
        assert created.info.expiry_time is None and created.info.workspaces is None
        AccountsClient(c).delete_token(7)
        assert (seen.last.method, seen.last_body()) == ("POST", {"token_id": 7})
        seen.reply = {"token_infos": [TOKEN_INFO]}
        AccountsClient(c).list_tokens("svc")
        assert seen.last.url.params["username"] == "svc"


def test_user_calls_on_the_wire() -> None:
    seen = _Recorder({"user": {"id": 3, "username": "svc", "is_admin": False}})
    with _client(seen) as c:
        AccountsClient(c).create_user("svc", "ignored", service=True)
        assert seen.last_body() == {"username": "svc", "service": True}
        AccountsClient(c).create_user("bob", "pw-123456789012")
        assert seen.last_body() == {
            "username": "bob",
            "password": "pw-123456789012",
            "service": False,
        }
        AccountsClient(c).update_admin("bob", True)
        assert (seen.last.method, seen.last_body()) == (
            "PATCH",
            {"username": "bob", "is_admin": True},
        )
        AccountsClient(c).delete_user("bob")
        assert (seen.last.method, seen.last_body()) == ("DELETE", {"username": "bob"})


def test_workspace_permission_calls_name_the_workspace_in_path_and_header() -> None:
    row = {"workspace": "team-a", "user_id": 4, "username": "bob", "permission": "USE"}
    seen = _Recorder({"permission": row})
    with _client(seen) as c:
        granted = PermissionsClient(c).set_workspace_permission("team-a", "bob", "USE")
        assert granted.user_id == 4 and granted.permission == "USE"
        path = "/api/3.0/mlflow/workspaces/team-a/permissions"
        assert (seen.last.method, seen.last.url.path) == ("POST", path)
        assert seen.last.headers["x-mlflow-workspace"] == "team-a"
        PermissionsClient(c).delete_workspace_permission("team-a", "bob")
        assert (seen.last.method, seen.last_body()) == ("DELETE", {"username": "bob"})
        seen.reply = {"permissions": [row]}
        assert [p.username for p in PermissionsClient(c).list_workspace_permissions("team-a")] == [
            "bob"
        ]
