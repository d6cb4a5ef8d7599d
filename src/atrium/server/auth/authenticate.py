"""Turn an ``Authorization`` header into a :class:`Principal`: HTTP Basic or a Bearer token.

Passwords are checked with argon2id, which is slow by design; a verified credential is
remembered for a short while (keyed by a SHA-256 of the credential, never the credential
itself) so that a client's steady stream of requests does not pay for it every time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
from collections.abc import Callable

from atrium.errors import Unauthenticated
from atrium.server.auth.principal import Principal
from atrium.services.auth.passwords import DUMMY_HASH, verify_password
from atrium.services.auth.tokens import token_digest
from atrium.services.context import now_ms
from atrium.stores.auth.repository import AuthStore

MAX_HEADER_LENGTH = 8192
CREDENTIAL_CACHE_SECONDS = 60.0
CREDENTIAL_CACHE_SIZE = 10_000
# A principal (user row, token row) is reused without a database read while the auth store has
# not changed through this process, and for at most this long (changes made elsewhere).
PRINCIPAL_CACHE_SECONDS = 5.0

CustomAuthenticator = Callable[[dict[str, str]], str | None]


def _refused() -> Unauthenticated:
    return Unauthenticated(
        "You are not authenticated. Provide a username and password (HTTP Basic) or an "
        "access token (Authorization: Bearer <token>)."
    )


def _header_key(headers: dict[str, str]) -> str:
    """Remembered credentials are keyed by a digest, never by the secret itself."""
    return hashlib.sha256(headers.get("authorization", "").encode("utf-8")).hexdigest()


class Authenticator:
    def __init__(self, store: AuthStore, custom: CustomAuthenticator | None = None) -> None:
        self._store = store
        self._custom = custom
        self._verified: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        # digest of the Authorization header -> (expiry, auth-store commit count, principal)
        self._principals: dict[str, tuple[float, int, Principal]] = {}

    def cached(self, headers: dict[str, str]) -> Principal | None:
        """The principal of a header seen moments ago, if nothing has changed since; no I/O."""
        if self._custom is not None:
            return None
        hit = self._principals.get(_header_key(headers))
        if hit is None or hit[0] <= time.monotonic() or hit[1] != self._store.database.commits:
            return None
        principal = hit[2]
        token = principal.token
        if token is not None and token.expires_at is not None and token.expires_at <= now_ms():
            return None
        return principal

    def authenticate(self, headers: dict[str, str]) -> Principal:
        commits = self._store.database.commits
        principal = self._authenticate(headers)
        if self._custom is None:
            with self._lock:
                if len(self._principals) >= CREDENTIAL_CACHE_SIZE:
                    self._principals.clear()
                expiry = time.monotonic() + PRINCIPAL_CACHE_SECONDS
                self._principals[_header_key(headers)] = (expiry, commits, principal)
        return principal

    def _authenticate(self, headers: dict[str, str]) -> Principal:
        if self._custom is not None:
            return self._from_custom(headers)
        header = headers.get("authorization", "")
        if not header or len(header) > MAX_HEADER_LENGTH:
            raise _refused()
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "basic":
            return self._basic(credential.strip())
        if scheme.lower() == "bearer":
            return self._bearer(credential.strip())
        raise _refused()

    def forget(self) -> None:
        """Drop every remembered credential (after a password change or a user delete)."""
        with self._lock:
            self._verified.clear()
            self._principals.clear()

    def _from_custom(self, headers: dict[str, str]) -> Principal:
        assert self._custom is not None
        username = self._custom(headers)
        user = self._store.get_user(username) if username else None
        if user is None:
            raise _refused()
        return Principal(user)

    def _basic(self, credential: str) -> Principal:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _refused() from None
        username, sep, password = decoded.partition(":")
        if not sep or not username:
            raise _refused()
        key = hashlib.sha256(decoded.encode("utf-8")).hexdigest()
        user_id = self._remembered(key)
        user = self._store.get_user_by_id(user_id) if user_id is not None else None
        if user is not None and user.username == username:
            return Principal(user)
        user = self._store.get_user(username)
        stored = user.password_hash if user is not None and user.password_hash else DUMMY_HASH
        if not verify_password(stored, password) or user is None or not user.password_hash:
            raise _refused()
        self._remember(key, user.id)
        return Principal(user)

    def _bearer(self, credential: str) -> Principal:
        if not credential:
            raise _refused()
        found = self._store.find_token(token_digest(credential))
        if found is None:
            raise _refused()
        token, user = found
        if token.expires_at is not None and token.expires_at <= now_ms():
            raise _refused()
        return Principal(user, token)

    def _remembered(self, key: str) -> int | None:
        with self._lock:
            hit = self._verified.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def _remember(self, key: str, user_id: int) -> None:
        with self._lock:
            if len(self._verified) >= CREDENTIAL_CACHE_SIZE:
                self._verified.clear()
            self._verified[key] = (time.monotonic() + CREDENTIAL_CACHE_SECONDS, user_id)
