"""Access tokens: random secrets shown once, stored and looked up only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "atr_"
TOKEN_BYTES = 32


def token_digest(plaintext: str) -> str:
    """The hex SHA-256 of a token, the only form the store keeps."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token: ``(plaintext to show the caller once, digest to store)``."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return plaintext, token_digest(plaintext)


def looks_like_token(value: str) -> bool:
    """Whether a credential has the shape of an Atrium token (cheap pre-check, no lookup)."""
    return value.startswith(TOKEN_PREFIX) and len(value) > len(TOKEN_PREFIX)


def digests_equal(a: str, b: str) -> bool:
    """Compare two digests in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
