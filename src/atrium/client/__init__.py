"""Atrium's SDK: typed calls over httpx to a running server, errors as :mod:`atrium.errors`."""

from atrium.client.accounts import AccountsClient, CreatedToken, TokenInfo, User
from atrium.client.http import (
    DEFAULT_TRACKING_URI,
    Credentials,
    HttpClient,
    ServerUnreachable,
    UnexpectedResponse,
    error_from_response,
)
from atrium.client.permissions import (
    PermissionsClient,
    ResourcePermission,
    UserPermissions,
    WorkspacePermission,
)

__all__ = [
    "DEFAULT_TRACKING_URI",
    "AccountsClient",
    "CreatedToken",
    "Credentials",
    "HttpClient",
    "PermissionsClient",
    "ResourcePermission",
    "ServerUnreachable",
    "TokenInfo",
    "UnexpectedResponse",
    "User",
    "UserPermissions",
    "WorkspacePermission",
    "error_from_response",
]
