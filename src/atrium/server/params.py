"""Helpers turning parsed wire fields into service arguments, with MLflow's messages."""

from __future__ import annotations

from atrium.domain.entities import KeyValue
from atrium.domain.validation import required
from atrium.protocol.common import WireKeyValue

__all__ = ["required", "to_key_values"]


def to_key_values(items: list[WireKeyValue], what: str = "tags") -> list[KeyValue]:
    return [KeyValue(required(i.key, f"{what}.key"), i.value or "") for i in items]
