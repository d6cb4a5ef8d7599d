"""Search-filter and order-by parsing shared by every search endpoint (pure logic, no SQL)."""

from atrium.domain.search.ast import ALL_OPERATORS, Comparison, Entity, OrderKey, Value
from atrium.domain.search.grammars import (
    EXPERIMENTS,
    LOGGED_MODELS,
    MODEL_VERSIONS,
    REGISTERED_MODELS,
    RUNS,
    EntitySpec,
    FieldSpec,
    Grammar,
    ValueKind,
)
from atrium.domain.search.parser import parse_filter, parse_logged_model_order_by, parse_order_by

__all__ = [
    "ALL_OPERATORS",
    "EXPERIMENTS",
    "LOGGED_MODELS",
    "MODEL_VERSIONS",
    "REGISTERED_MODELS",
    "RUNS",
    "Comparison",
    "Entity",
    "EntitySpec",
    "FieldSpec",
    "Grammar",
    "OrderKey",
    "Value",
    "ValueKind",
    "parse_filter",
    "parse_logged_model_order_by",
    "parse_order_by",
]
