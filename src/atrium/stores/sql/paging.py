"""Opaque page tokens: an offset plus a snapshot bound, so pages stay stable under inserts.

A search remembers the highest row id it could see on its first page; later pages ignore rows
inserted after that, so inserts never shift rows between pages or duplicate them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import orjson

from atrium.errors import InvalidParameterValue


@dataclass(frozen=True, slots=True)
class PageToken:
    offset: int
    snapshot: int | None = None


def decode_token(token: str | None) -> PageToken:
    if not token:
        return PageToken(0)
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=="))
        offset = raw["o"]
        snapshot = raw.get("s")
        valid = (
            isinstance(offset, int)
            and offset >= 0
            and (snapshot is None or isinstance(snapshot, int))
        )
    except (ValueError, KeyError, TypeError, UnicodeEncodeError, binascii.Error):
        valid = False
    if not valid:
        raise InvalidParameterValue(f"Invalid page token '{token[:100]}'")
    return PageToken(offset, snapshot)


def encode_token(offset: int, snapshot: int | None = None) -> str:
    payload: dict[str, int] = {"o": offset}
    if snapshot is not None:
        payload["s"] = snapshot
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode("ascii").rstrip("=")


def next_token(rows_fetched: int, limit: int, token: PageToken, snapshot: int | None) -> str | None:
    """Token for the page after this one, or None when this page was the last."""
    if rows_fetched <= limit:
        return None
    return encode_token(token.offset + limit, snapshot)
