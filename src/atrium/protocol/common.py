"""Base of every wire request model, and the shapes shared across resources."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Every integer on the wire is a proto int64; larger values are a client error, not a 500.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

# pydantic's own float parsing already accepts MLflow's "NaN", "Infinity" and "-Infinity".
WireFloat = float


class WireModel(BaseModel):
    """Unknown fields are ignored (as proto parsing does); numbers may arrive as strings."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class WireKeyValue(WireModel):
    key: str | None = None
    value: str | None = None


class WirePage(WireModel):
    max_results: Int64 | None = None
    page_token: str | None = None
