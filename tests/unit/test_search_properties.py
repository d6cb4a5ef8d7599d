"""Property tests: quoted keys and values round-trip, and junk only ever fails cleanly."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atrium.domain.search import (
    EXPERIMENTS,
    LOGGED_MODELS,
    MODEL_VERSIONS,
    REGISTERED_MODELS,
    RUNS,
    Comparison,
    Grammar,
    parse_filter,
    parse_logged_model_order_by,
    parse_order_by,
)
from atrium.errors import InvalidParameterValue

GRAMMARS = [RUNS, EXPERIMENTS, REGISTERED_MODELS, MODEL_VERSIONS, LOGGED_MODELS]
PROPERTY = settings(max_examples=300, deadline=None)

keys_without_backticks = st.text(min_size=1).filter(lambda key: "`" not in key)
values_without_single_quotes = st.text().filter(lambda value: "'" not in value)
values_without_double_quotes = st.text().filter(lambda value: '"' not in value)
# As in MLflow, a backslash right before a closing quote reads as an escaped quote whenever a
# later quote can close the literal instead; such values only round-trip in the last literal.
list_values = values_without_single_quotes.filter(lambda value: not value.endswith("\\"))

# Fragments that look like the language, so random joins reach deep into the parser.
VOCABULARY = [
    "metrics.m", "params.p", "tags.t", "tag.`a b`", "attributes.status", "start_time",
    "name", "run_id", "version_number", "datasets.name", "creation_time", "`Run name`",
    '"run name"', "=", "!=", "<", "<=", ">", ">=", "<>", "==", "LIKE", "ILIKE", "IN", "NOT",
    "IS", "NULL", "AND", "and", "OR", "ASC", "DESC", "(", ")", ",", "'x'", '"y"', "'it''s'",
    "'a\\'", "1", "-2.5", "1e3", ".", "`", "'", '"', ";", "-", "$", "é", "\n",
]  # fmt: skip


def assert_parses_or_rejects(text: str, grammar: Grammar) -> None:
    with contextlib.suppress(InvalidParameterValue):
        parse_filter(text, grammar)
    with contextlib.suppress(InvalidParameterValue):
        parse_order_by([text], grammar)


@PROPERTY
@given(key=keys_without_backticks, value=values_without_single_quotes)
def test_backticked_keys_and_single_quoted_values_round_trip(key: str, value: str) -> None:
    assert parse_filter(f"tags.`{key}` = '{value}'", RUNS) == [Comparison("tag", key, "=", value)]


@PROPERTY
@given(
    key=st.text(min_size=1).filter(lambda key: '"' not in key and not key.endswith("\\")),
    value=values_without_double_quotes,
)
def test_double_quoted_keys_and_values_round_trip(key: str, value: str) -> None:
    # The value is double-quoted too, so the key may hold single quotes freely.
    assert parse_filter(f'params."{key}" LIKE "{value}"', RUNS) == [
        Comparison("param", key, "LIKE", value)
    ]


@PROPERTY
@given(key=keys_without_backticks)
def test_backticked_keys_round_trip_in_order_by(key: str) -> None:
    [order] = parse_order_by([f"metrics.`{key}` DESC"], RUNS)
    assert (order.entity, order.key, order.ascending) == ("metric", key, False)


@PROPERTY
@given(values=st.lists(list_values, min_size=1, max_size=6))
def test_in_lists_round_trip(values: list[str]) -> None:
    rendered = ", ".join(f"'{value}'" for value in values)
    assert parse_filter(f"run_id IN ({rendered})", RUNS) == [
        Comparison("attribute", "run_id", "IN", tuple(values))
    ]


@PROPERTY
@given(number=st.floats(allow_nan=False, allow_infinity=False))
def test_metric_literals_round_trip(number: float) -> None:
    [comparison] = parse_filter(f"metrics.m <= {number!r}", RUNS)
    assert comparison.value == number


@PROPERTY
@given(number=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integer_attributes_round_trip(number: int) -> None:
    [comparison] = parse_filter(f"start_time > {number}", RUNS)
    assert comparison.value == number
    assert type(comparison.value) is int


@PROPERTY
@given(
    clauses=st.lists(
        st.tuples(
            st.sampled_from(["metrics", "params", "tags"]),
            keys_without_backticks,
            st.one_of(st.floats(allow_nan=False, allow_infinity=False), list_values),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_rendered_conjunctions_round_trip(clauses: list[tuple[str, str, float | str]]) -> None:
    expected: list[Comparison] = []
    rendered: list[str] = []
    for prefix, key, value in clauses:
        if prefix == "metrics":
            number = value if isinstance(value, float) else float(len(value))
            rendered.append(f"metrics.`{key}` >= {number!r}")
            expected.append(Comparison("metric", key, ">=", number))
        else:
            text = value if isinstance(value, str) else repr(value)
            rendered.append(f"{prefix}.`{key}` != '{text}'")
            expected.append(Comparison("param" if prefix == "params" else "tag", key, "!=", text))
    assert parse_filter(" AND ".join(rendered), RUNS) == expected


@PROPERTY
@pytest.mark.parametrize("grammar", GRAMMARS, ids=lambda grammar: grammar.name)
@given(text=st.text())
def test_random_text_never_raises_anything_else(grammar: Grammar, text: str) -> None:
    assert_parses_or_rejects(text, grammar)


@PROPERTY
@pytest.mark.parametrize("grammar", GRAMMARS, ids=lambda grammar: grammar.name)
@given(
    pieces=st.lists(st.sampled_from(VOCABULARY), max_size=12),
    separators=st.lists(st.sampled_from([" ", "", "  "]), min_size=12, max_size=12),
)
def test_token_soup_never_raises_anything_else(
    grammar: Grammar, pieces: list[str], separators: list[str]
) -> None:
    text = "".join(piece + separator for piece, separator in zip(pieces, separators, strict=False))
    assert_parses_or_rejects(text, grammar)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


@PROPERTY
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "field_name": st.one_of(
                    st.sampled_from(["name", "metrics.acc", "creation_time", "metric.x", ""]),
                    json_values,
                ),
                "ascending": json_values,
                "dataset_name": json_values,
                "dataset_digest": json_values,
            },
        )
        | json_values,
        max_size=4,
    )
)
def test_logged_model_order_by_junk_never_raises_anything_else(items: list[object]) -> None:
    with contextlib.suppress(InvalidParameterValue):
        parse_logged_model_order_by(items)  # type: ignore[arg-type]
