"""The one exception tree of Atrium; every error carries an MLflow error-code name.

Only ``server/errors.py`` maps codes to HTTP statuses; the SDK parses error bodies back into
these classes with :func:`error_for_code`.
"""

from __future__ import annotations


class AtriumError(Exception):
    """Base of every error Atrium raises on purpose."""

    error_code: str = "INTERNAL_ERROR"
    # Set only where Atrium deliberately answers with another status than MLflow's table.
    http_status: int | None = None

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def to_json(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameterValue(AtriumError):
    """A client sent a value that breaks a rule (HTTP 400)."""

    error_code = "INVALID_PARAMETER_VALUE"


class BadRequest(AtriumError):
    """A request that cannot be parsed at all (HTTP 400)."""

    error_code = "BAD_REQUEST"


class ResourceAlreadyExists(AtriumError):
    """A unique name or id is taken (HTTP 400, as MLflow answers)."""

    error_code = "RESOURCE_ALREADY_EXISTS"


class ResourceDoesNotExist(AtriumError):
    """The resource is missing, or lives in a workspace the caller cannot see (HTTP 404)."""

    error_code = "RESOURCE_DOES_NOT_EXIST"


class EndpointNotFound(AtriumError):
    """No route answers this method and path (HTTP 404)."""

    error_code = "ENDPOINT_NOT_FOUND"


class Unauthenticated(AtriumError):
    error_code = "UNAUTHENTICATED"


class PermissionDenied(AtriumError):
    error_code = "PERMISSION_DENIED"


class InvalidState(AtriumError):
    """The server's own state forbids the operation (HTTP 500, as MLflow answers)."""

    error_code = "INVALID_STATE"


class ConflictingState(InvalidState):
    """INVALID_STATE the caller can resolve, such as a workspace that still owns resources.

    MLflow answers 500, which its client retries for minutes; 409 is not retried.
    """

    http_status = 409


class NotImplementedFeature(AtriumError):
    error_code = "NOT_IMPLEMENTED"


class TemporarilyUnavailable(AtriumError):
    error_code = "TEMPORARILY_UNAVAILABLE"


_BY_CODE: dict[str, type[AtriumError]] = {
    cls.error_code: cls
    for cls in (
        InvalidParameterValue,
        BadRequest,
        ResourceAlreadyExists,
        ResourceDoesNotExist,
        EndpointNotFound,
        Unauthenticated,
        PermissionDenied,
        InvalidState,
        NotImplementedFeature,
        TemporarilyUnavailable,
    )
}


def error_for_code(error_code: str, message: str) -> AtriumError:
    """Rebuild the matching exception from a wire error body."""
    cls = _BY_CODE.get(error_code, AtriumError)
    return cls(message, error_code)
