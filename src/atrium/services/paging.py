"""Shared rules for ``max_results`` across search APIs."""

from __future__ import annotations

from atrium.errors import InvalidParameterValue


def check_max_results(value: int | None, default: int, maximum: int) -> int:
    if value is None:
        return default
    if value < 1 or value > maximum:
        raise InvalidParameterValue(
            f"Invalid value {value} for parameter 'max_results' supplied. It must be at most "
            f"{maximum} and at least 1."
        )
    return value
