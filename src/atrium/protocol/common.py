"""Base of every wire request model, and the shapes shared across resources."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _float_from_wire(value: object) -> object:
    # The client sends non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
    if isinstance(value, str):
        text = value.strip()
        special = {"nan": "nan", "infinity": "inf", "+infinity": "inf", "-infinity": "-inf"}
        return float(special.get(text.lower(), text)) if text else value
    return value


WireFloat = Annotated[float, BeforeValidator(_float_from_wire)]


class WireModel(BaseModel):
    """Unknown fields are ignored (as proto parsing does); numbers may arrive as strings."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class WireKeyValue(WireModel):
    key: str | None = None
    value: str | None = None


class WirePage(WireModel):
    max_results: int | None = None
    page_token: str | None = None
