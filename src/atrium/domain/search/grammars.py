"""What each search API accepts: entity prefixes, keys, value types, comparators and sort keys."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from atrium.domain.search.ast import ALL_OPERATORS, Entity
from atrium.errors import InvalidParameterValue

#: ``string``: quoted literal. ``float``: any number, always a float (metrics).
#: ``number``: any number, int when written as an integer. ``integer``: integer literals only.
ValueKind = Literal["string", "float", "number", "integer"]

NUMERIC_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
LIST_OPS = frozenset({"IN", "NOT IN"})
NULL_OPS = frozenset({"IS NULL", "IS NOT NULL"})
INTEGER_LITERAL = re.compile(r"-?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = len(str(_INT64_MAX))
_CLIP = 200


def clip(text: str) -> str:
    """``text`` shortened for an error message (filters can be arbitrarily long)."""
    return text if len(text) <= _CLIP else f"{text[:_CLIP]}..."


def ordered_ops(ops: frozenset[str]) -> list[str]:
    """Comparators in a stable, readable order (for error messages)."""
    return [op for op in ALL_OPERATORS if op in ops]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one key may be compared."""

    kind: ValueKind
    ops: frozenset[str]
    # MLflow's model-version store int()s a quoted value, so `version_number = '3'` works there.
    quoted_integer_ok: bool = False

    def number(self, literal: str, raw: str) -> int | float:
        """The value of a numeric literal for this field (``raw`` names it in errors)."""
        if self.kind == "float":
            return float(literal)
        out_of_range = InvalidParameterValue(
            f"Numeric value {clip(literal)} for '{raw}' is out of range"
        )
        if not INTEGER_LITERAL.fullmatch(literal):
            if self.kind == "integer":
                raise InvalidParameterValue(
                    f"Invalid value for numeric attribute '{raw}': {clip(literal)}"
                )
            number = float(literal)
            if not math.isfinite(number):
                raise out_of_range
            return number
        # Check the digit count first: int() refuses huge strings with a plain ValueError.
        if len(literal.lstrip("-").lstrip("0")) > _INT64_DIGITS:
            raise out_of_range
        integer = int(literal)
        # Bigger values would only blow up later, inside the database driver.
        if not _INT64_MIN <= integer <= _INT64_MAX:
            raise out_of_range
        return integer


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """Rules for one entity: a fixed key set (attributes, datasets) or any key (metrics...)."""

    any_key: FieldSpec | None = None
    keys: Mapping[str, FieldSpec] = field(default_factory=lambda: MappingProxyType({}))
    aliases: Mapping[str, str] = field(default_factory=_frozen)
    # None: every key may be ordered on; empty: the entity cannot be ordered on at all.
    orderable: frozenset[str] | None = frozenset()
    order_aliases: Mapping[str, str] = field(default_factory=_frozen)


@dataclass(frozen=True, slots=True)
class Grammar:
    """The filter / order-by language of one search endpoint."""

    name: str
    prefixes: Mapping[str, Entity]
    entities: Mapping[Entity, EntitySpec]

    def entity_for(self, prefix: str | None) -> Entity:
        """Map an identifier prefix (None: no prefix) to its entity."""
        if prefix is None:
            return "attribute"
        entity = self.prefixes.get(prefix)
        if entity is None:
            raise InvalidParameterValue(
                f"Invalid entity type '{clip(prefix)}'. "
                f"Valid entity types are {sorted(self.prefixes)}"
            )
        return entity

    def filter_field(self, entity: Entity, key: str) -> tuple[str, FieldSpec]:
        """Canonical key and comparison rules for a filter identifier."""
        spec = self.entities[entity]
        canonical = spec.aliases.get(key, key)
        found = spec.keys.get(canonical, spec.any_key)
        if found is None:
            valid = sorted({*spec.keys, *spec.aliases})
            raise InvalidParameterValue(
                f"Invalid {entity} key '{clip(key)}' specified. Valid keys are {valid}"
            )
        return canonical, found

    def order_key(self, entity: Entity, key: str) -> str:
        """Canonical key for an order-by identifier, or an error when it cannot be sorted on."""
        spec = self.entities[entity]
        if spec.orderable is None:
            return key
        if not spec.orderable:
            raise InvalidParameterValue(
                f"Invalid order_by entity '{entity}': {self.name} cannot be ordered by {entity}s"
            )
        canonical = spec.order_aliases.get(key, spec.aliases.get(key, key))
        if canonical not in spec.orderable:
            aliases = {alias for alias, to in spec.aliases.items() if to in spec.orderable}
            valid = sorted({*spec.orderable, *spec.order_aliases, *aliases})
            raise InvalidParameterValue(
                f"Invalid order by key '{clip(key)}' specified. Valid keys are {valid}"
            )
        return canonical

    def check_operator(self, raw: str, spec: FieldSpec, op: str) -> None:
        """Reject a comparator that the field ``raw`` (as written) does not support."""
        if op in spec.ops:
            return
        if op in LIST_OPS:
            raise InvalidParameterValue(
                f"Only {self.list_keys()} support comparison with a list of quoted string "
                f"values ('{raw} {op}' is not allowed)"
            )
        raise InvalidParameterValue(
            f"Invalid comparator '{op}' for '{raw}'; expected one of {ordered_ops(spec.ops)}"
        )

    def list_keys(self) -> list[str]:
        """Keys that accept ``IN (...)`` lists, for the error message when another one is used."""
        return sorted(
            f"{entity}.{key}" if entity != "attribute" else key
            for entity, spec in self.entities.items()
            for key, rules in spec.keys.items()
            if rules.ops & LIST_OPS
        )


def _mapping(**items: FieldSpec) -> Mapping[str, FieldSpec]:
    return MappingProxyType(items)


_STRING = FieldSpec("string", STRING_OPS)
_STRING_LIST = FieldSpec("string", STRING_OPS | LIST_OPS)
_STRING_NULLABLE = FieldSpec("string", STRING_OPS | NULL_OPS)
_METRIC = FieldSpec("float", NUMERIC_OPS)
_NUMBER = FieldSpec("number", NUMERIC_OPS)
_INTEGER = FieldSpec("integer", NUMERIC_OPS)
# Experiment and registry searches accept only these prefixes (not `attributes.`, `attr.`...).
_REGISTRY_PREFIXES: Mapping[str, Entity] = MappingProxyType(
    {"attribute": "attribute", "tag": "tag", "tags": "tag"}
)
_RUN_ATTRIBUTES = _mapping(
    run_id=_STRING_LIST,
    run_name=_STRING,
    user_id=_STRING,
    status=_STRING,
    artifact_uri=_STRING,
    start_time=_NUMBER,
    end_time=_NUMBER,
)
# The reference store accepts IN lists on every string attribute of a logged model.
_LOGGED_MODEL_ATTRIBUTES = _mapping(
    name=_STRING_LIST,
    model_id=_STRING_LIST,
    model_type=_STRING_LIST,
    status=_STRING_LIST,
    source_run_id=_STRING_LIST,
    creation_timestamp=_NUMBER,
    last_updated_timestamp=_NUMBER,
)

RUNS = Grammar(
    name="runs",
    prefixes=MappingProxyType(
        {
            "metric": "metric",
            "metrics": "metric",
            "param": "param",
            "params": "param",
            "parameter": "param",
            "parameters": "param",
            "tag": "tag",
            "tags": "tag",
            "attribute": "attribute",
            "attributes": "attribute",
            "attr": "attribute",
            "run": "attribute",
            "dataset": "dataset",
            "datasets": "dataset",
        }
    ),
    entities=MappingProxyType(
        {
            "attribute": EntitySpec(
                keys=_RUN_ATTRIBUTES,
                aliases=_frozen(
                    {
                        "created": "start_time",
                        "Created": "start_time",
                        "run name": "run_name",
                        "Run name": "run_name",
                        "Run Name": "run_name",
                    }
                ),
                orderable=frozenset(_RUN_ATTRIBUTES),
            ),
            "metric": EntitySpec(any_key=_METRIC, orderable=None),
            "param": EntitySpec(any_key=_STRING_NULLABLE, orderable=None),
            "tag": EntitySpec(any_key=_STRING_NULLABLE, orderable=None),
            "dataset": EntitySpec(
                keys=_mapping(name=_STRING_LIST, digest=_STRING_LIST, context=_STRING_LIST)
            ),
        }
    ),
)

EXPERIMENTS = Grammar(
    name="experiments",
    prefixes=_REGISTRY_PREFIXES,
    entities=MappingProxyType(
        {
            "attribute": EntitySpec(
                keys=_mapping(
                    name=_STRING,
                    # The reference store keeps ids in an integer column: no LIKE on them.
                    experiment_id=FieldSpec("string", frozenset({"=", "!="}) | LIST_OPS),
                    creation_time=_INTEGER,
                    last_update_time=_INTEGER,
                ),
                orderable=frozenset({"name", "experiment_id", "creation_time", "last_update_time"}),
            ),
            "tag": EntitySpec(any_key=_STRING_NULLABLE),
        }
    ),
)

REGISTERED_MODELS = Grammar(
    name="registered models",
    prefixes=_REGISTRY_PREFIXES,
    entities=MappingProxyType(
        {
            "attribute": EntitySpec(
                keys=_mapping(name=_STRING_LIST),
                orderable=frozenset({"name", "last_updated_timestamp"}),
                order_aliases=_frozen({"timestamp": "last_updated_timestamp"}),
            ),
            "tag": EntitySpec(any_key=_STRING),
        }
    ),
)

MODEL_VERSIONS = Grammar(
    name="model versions",
    prefixes=_REGISTRY_PREFIXES,
    entities=MappingProxyType(
        {
            "attribute": EntitySpec(
                keys=_mapping(
                    name=_STRING_LIST,
                    run_id=_STRING_LIST,
                    source_path=_STRING,
                    version_number=FieldSpec("integer", NUMERIC_OPS, quoted_integer_ok=True),
                ),
                orderable=frozenset(
                    {"name", "version_number", "creation_timestamp", "last_updated_timestamp"}
                ),
            ),
            "tag": EntitySpec(any_key=_STRING),
        }
    ),
)

LOGGED_MODELS = Grammar(
    name="logged models",
    # Only the plural spellings: the reference server rejects `metric.`, `attribute.`, ...
    prefixes=MappingProxyType(
        {"attributes": "attribute", "metrics": "metric", "params": "param", "tags": "tag"}
    ),
    entities=MappingProxyType(
        {
            "attribute": EntitySpec(
                keys=_LOGGED_MODEL_ATTRIBUTES,
                aliases=_frozen(
                    {
                        "creation_time": "creation_timestamp",
                        "last_updated_time": "last_updated_timestamp",
                    }
                ),
                orderable=frozenset(_LOGGED_MODEL_ATTRIBUTES),
            ),
            "metric": EntitySpec(any_key=_METRIC, orderable=None),
            "param": EntitySpec(any_key=_STRING),
            "tag": EntitySpec(any_key=_STRING),
        }
    ),
)
