"""Helpers turning parsed wire fields into service arguments, with MLflow's messages."""

from __future__ import annotations

from typing import TypeVar

from atrium.domain.entities import KeyValue
from atrium.errors import InvalidParameterValue
from atrium.protocol.common import WireKeyValue

T = TypeVar("T")


def required(value: T | None, name: str) -> T:
    """The value, or INVALID_PARAMETER_VALUE when it is missing or empty."""
    if value is None or value == "":
        raise InvalidParameterValue(
            f"Missing value for required parameter '{name}'. See the API docs for more "
            "information about request parameters."
        )
    return value


def to_key_values(items: list[WireKeyValue], what: str = "tags") -> list[KeyValue]:
    return [KeyValue(required(i.key, f"{what}.key"), i.value or "") for i in items]
