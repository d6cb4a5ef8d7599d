"""Base of every wire request model, and the shapes shared across resources."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# pydantic's own float parsing already accepts MLflow's "NaN", "Infinity" and "-Infinity".
WireFloat = float


class WireModel(BaseModel):
    """Unknown fields are ignored (as proto parsing does); numbers may arrive as strings."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class WireKeyValue(WireModel):
    key: str | None = None
    value: str | None = None


class WirePage(WireModel):
    max_results: int | None = None
    page_token: str | None = None
