"""The one place that turns a client-supplied artifact path into a safe, normalised relative key.

A key is ``""`` (the artifact root) or ``"seg/seg/..."``: no leading, trailing or doubled ``/``,
no ``.``/``..`` segments, no backslash, ``#``, control character or drive prefix, and nothing that
turns into one of those after any number of percent-decodings (clients sometimes double-encode).
Every artifact store accepts only such keys, so S3 object keys and local file paths agree.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from atrium.errors import InvalidParameterValue

MAX_PATH_LENGTH = 4096
"""Longest raw path accepted, in characters (before normalisation)."""

_INVALID = "Invalid path"
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A "." or ".." segment, or one starting with a drive prefix.
_BAD_SEGMENT = re.compile(r"(?:^|/)(?:\.\.?(?:/|$)|[A-Za-z]:)")
# Characters that may not appear literally in a key, nor as the decoding of a %XX escape.
_FORBIDDEN_CHARS = frozenset("\\#")
# What _is_forbidden_char accepts, as one search: Cc is exactly U+0000-001F and U+007F-009F,
# Cs exactly the surrogates U+D800-DFFF.
_FORBIDDEN = re.compile(r"[\\#\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Decoded forms that are forbidden only when they come from an escape (a literal "/" separates).
_FORBIDDEN_DECODED = _FORBIDDEN_CHARS | {"/"}


def _invalid() -> InvalidParameterValue:
    return InvalidParameterValue(_INVALID)


def _is_forbidden_char(char: str) -> bool:
    """True for characters no key may contain: separators of other OSes, ``#``, controls."""
    if char in _FORBIDDEN_CHARS:
        return True
    # Cc = C0/C1 controls incl. NUL and DEL; Cs = lone surrogates (not valid UTF-8 object keys).
    return char < " " or (char >= "\x7f" and unicodedata.category(char) in ("Cc", "Cs"))


def _check_segments(text: str) -> None:
    """Reject one (possibly decoded) form of the path; empty segments are allowed here."""
    if _FORBIDDEN.search(text) or _BAD_SEGMENT.search(text):
        raise _invalid()


def _check_escapes(text: str) -> None:
    """Reject ``%XX`` escapes that decode to a separator or any other forbidden character."""
    for match in _PERCENT_ESCAPE.finditer(text):
        decoded = chr(int(match.group(1), 16))
        if decoded in _FORBIDDEN_DECODED or _is_forbidden_char(decoded):
            raise _invalid()


def safe_artifact_path(raw: str | None) -> str:
    """Validate and normalise a client-supplied artifact path; ``""`` means the root.

    A trailing slash is stripped and repeated slashes collapsed. An absolute path (leading
    ``/``, at any level of percent-encoding), or anything else that could leave the root or mean
    something else on another OS, raises ``InvalidParameterValue``, as MLflow's server does.
    """
    if not raw:
        return ""
    if len(raw) > MAX_PATH_LENGTH:
        raise _invalid()
    layer = raw
    while True:  # each decoding that changes the text shortens it, so this terminates
        if layer.startswith("/"):
            raise _invalid()
        _check_segments(layer)
        if "%" not in layer:
            break
        _check_escapes(layer)
        decoded = unquote(layer)  # invalid UTF-8 becomes U+FFFD, which is harmless
        if decoded == layer:
            break
        layer = decoded
    return "/".join(segment for segment in raw.split("/") if segment)


def join_key(*parts: str) -> str:
    """Join key parts with ``/`` (empty parts are skipped) and validate the result."""
    return safe_artifact_path("/".join(part for part in parts if part))
