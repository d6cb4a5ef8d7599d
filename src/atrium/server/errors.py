"""The one table from MLflow error codes to HTTP statuses, and the app's exception handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from atrium.errors import AtriumError
from atrium.server.responses import json_response

_log = logging.getLogger("atrium.server")

STATUS_BY_CODE = {
    "INVALID_PARAMETER_VALUE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "BAD_REQUEST": 400,
    "UNAUTHENTICATED": 401,
    "CUSTOMER_UNAUTHORIZED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "ABORTED": 409,
    "RESOURCE_CONFLICT": 409,
    "ALREADY_EXISTS": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


def status_for(error_code: str) -> int:
    """MLflow's status for a code; every code it does not list is a 500."""
    return STATUS_BY_CODE.get(error_code, 500)


def error_response(error: AtriumError) -> Response:
    status = error.http_status or status_for(error.error_code)
    return json_response(error.to_json(), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    async def on_atrium_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AtriumError)
        return error_response(exc)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return error_response(AtriumError("Not found", "ENDPOINT_NOT_FOUND"))
        if exc.status_code == 405:
            return json_response(
                {"error_code": "BAD_REQUEST", "message": "Method not allowed"}, status_code=405
            )
        return json_response(
            {"error_code": "BAD_REQUEST", "message": str(exc.detail)}, status_code=exc.status_code
        )

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        return error_response(AtriumError(f"Invalid request: {exc}", "INVALID_PARAMETER_VALUE"))

    async def on_unexpected(_request: Request, exc: Exception) -> Response:
        _log.exception("unhandled error", exc_info=exc)
        return error_response(AtriumError("Internal server error", "INTERNAL_ERROR"))

    app.add_exception_handler(AtriumError, on_atrium_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
