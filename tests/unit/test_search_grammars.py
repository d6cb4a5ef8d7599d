"""Per-API grammars (experiments, registry, logged models) and every order-by flavour."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from atrium.domain.search import (
    EXPERIMENTS,
    LOGGED_MODELS,
    MODEL_VERSIONS,
    REGISTERED_MODELS,
    RUNS,
    Comparison,
    Grammar,
    OrderKey,
    parse_filter,
    parse_logged_model_order_by,
    parse_order_by,
)
from atrium.errors import InvalidParameterValue

ALL_GRAMMARS = [RUNS, EXPERIMENTS, REGISTERED_MODELS, MODEL_VERSIONS, LOGGED_MODELS]


def rejects_filter(grammar: Grammar, text: str, *fragments: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_filter(text, grammar)
    for fragment in fragments:
        assert fragment in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'exp'", Comparison("attribute", "name", "=", "exp")),
        ("attribute.name LIKE 'e%'", Comparison("attribute", "name", "LIKE", "e%")),
        ("name ILIKE '%E%'", Comparison("attribute", "name", "ILIKE", "%E%")),
        ("experiment_id = '3'", Comparison("attribute", "experiment_id", "=", "3")),
        ("experiment_id IN ('1', '2')", Comparison("attribute", "experiment_id", "IN", ("1", "2"))),
        ("experiment_id NOT IN ('1')", Comparison("attribute", "experiment_id", "NOT IN", ("1",))),
        ("creation_time > 5", Comparison("attribute", "creation_time", ">", 5)),
        ("last_update_time <= 5", Comparison("attribute", "last_update_time", "<=", 5)),
        ("tags.k = 'v'", Comparison("tag", "k", "=", "v")),
        ("tag.`a.b` != 'v'", Comparison("tag", "a.b", "!=", "v")),
        ("tags.k IS NULL", Comparison("tag", "k", "IS NULL", None)),
        ("tags.k IS NOT NULL", Comparison("tag", "k", "IS NOT NULL", None)),
    ],
)
def test_experiments_filters(text: str, expected: Comparison) -> None:
    assert parse_filter(text, EXPERIMENTS) == [expected]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("attributes.name = 'a'", "Invalid entity type 'attributes'"),
        ("metrics.m > 1", "Invalid entity type 'metrics'"),
        ("params.p = 'a'", "Invalid entity type 'params'"),
        ("lifecycle_stage = 'active'", "Invalid attribute key"),
        ("name IN ('a')", "experiment_id"),
        ("experiment_id LIKE '1%'", "Invalid comparator 'LIKE'"),
        ("experiment_id = 1", "quoted string"),
        ("name IS NULL", "Invalid comparator 'IS NULL'"),
        ("creation_time LIKE 5", "Invalid comparator 'LIKE'"),
        ("creation_time = 1.5", "Invalid value for numeric attribute"),
        ("creation_time = '5'", "numeric"),
    ],
)
def test_experiments_rejections(text: str, fragment: str) -> None:
    rejects_filter(EXPERIMENTS, text, fragment)


def test_registered_models_filters() -> None:
    assert parse_filter(
        "name IN ('a', 'b') AND tag.`mlflow.prompt.is_prompt` != 'true'", REGISTERED_MODELS
    ) == [
        Comparison("attribute", "name", "IN", ("a", "b")),
        Comparison("tag", "mlflow.prompt.is_prompt", "!=", "true"),
    ]
    assert parse_filter("name NOT IN ('a')", REGISTERED_MODELS)[0].op == "NOT IN"
    assert parse_filter("attribute.name LIKE 'm%'", REGISTERED_MODELS)[0].key == "name"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tags.t IS NULL", "Invalid comparator 'IS NULL'"),
        ("run_id = 'a'", "Invalid attribute key 'run_id'"),
        ("creation_timestamp > 1", "Invalid attribute key"),
        ("name LIKE 5", "quoted string"),
        ("name > 'a'", "Invalid comparator '>'"),
        ("tags.t IN ('a')", "['name']"),
        ("attributes.name = 'a'", "Invalid entity type"),
    ],
)
def test_registered_models_rejections(text: str, fragment: str) -> None:
    rejects_filter(REGISTERED_MODELS, text, fragment)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'm'", Comparison("attribute", "name", "=", "m")),
        ("name IN ('m')", Comparison("attribute", "name", "IN", ("m",))),
        ("run_id IN ('r1', 'r2')", Comparison("attribute", "run_id", "IN", ("r1", "r2"))),
        ("run_id NOT IN ('r1')", Comparison("attribute", "run_id", "NOT IN", ("r1",))),
        ("source_path LIKE 's3://%'", Comparison("attribute", "source_path", "LIKE", "s3://%")),
        ("version_number > 2", Comparison("attribute", "version_number", ">", 2)),
        ("version_number = '3'", Comparison("attribute", "version_number", "=", 3)),
        ("tags.k ILIKE 'v%'", Comparison("tag", "k", "ILIKE", "v%")),
    ],
)
def test_model_versions_filters(text: str, expected: Comparison) -> None:
    assert parse_filter(text, MODEL_VERSIONS) == [expected]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version_number > 1.5", "Invalid value for numeric attribute"),
        ("version_number = 'x'", "numeric"),
        ("version_number LIKE 1", "Invalid comparator 'LIKE'"),
        ("source_path IN ('a')", "['name', 'run_id']"),
        ("name > 1", "Invalid comparator '>'"),
        ("creation_timestamp > 1", "Invalid attribute key"),
        ("tags.t IS NOT NULL", "Invalid comparator 'IS NOT NULL'"),
    ],
)
def test_model_versions_rejections(text: str, fragment: str) -> None:
    rejects_filter(MODEL_VERSIONS, text, fragment)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'model'", Comparison("attribute", "name", "=", "model")),
        ("attributes.model_id IN ('m-1')", Comparison("attribute", "model_id", "IN", ("m-1",))),
        (
            "status = 'LOGGED_MODEL_READY'",
            Comparison("attribute", "status", "=", "LOGGED_MODEL_READY"),
        ),
        ("source_run_id != 'r'", Comparison("attribute", "source_run_id", "!=", "r")),
        ("model_type LIKE 'a%'", Comparison("attribute", "model_type", "LIKE", "a%")),
        ("creation_time > 5", Comparison("attribute", "creation_timestamp", ">", 5)),
        ("creation_timestamp > 5", Comparison("attribute", "creation_timestamp", ">", 5)),
        ("last_updated_time < 5", Comparison("attribute", "last_updated_timestamp", "<", 5)),
        ("metrics.acc >= 0.5", Comparison("metric", "acc", ">=", 0.5)),
        ("params.p = 'x'", Comparison("param", "p", "=", "x")),
        ("tags.`a.b` LIKE 'x%'", Comparison("tag", "a.b", "LIKE", "x%")),
    ],
)
def test_logged_models_filters(text: str, expected: Comparison) -> None:
    assert parse_filter(text, LOGGED_MODELS) == [expected]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("metric.m > 1", "Invalid entity type 'metric'"),
        ("attribute.name = 'a'", "Invalid entity type 'attribute'"),
        ("datasets.name = 'a'", "Invalid entity type 'datasets'"),
        ("bogus = 'a'", "Invalid attribute key 'bogus'"),
        ("name > 'a'", "Invalid comparator '>'"),
        ("metrics.m LIKE 1", "Invalid comparator 'LIKE'"),
        ("metrics.m > '1'", "numeric"),
        ("tags.t IS NULL", "Invalid comparator 'IS NULL'"),
        ("params.p IN ('a')", "list"),
        ("name = x", "not quoted"),
    ],
)
def test_logged_models_rejections(text: str, fragment: str) -> None:
    rejects_filter(LOGGED_MODELS, text, fragment)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("start_time", OrderKey("attribute", "start_time", True)),
        ("start_time DESC", OrderKey("attribute", "start_time", False)),
        ("start_time desc", OrderKey("attribute", "start_time", False)),
        ("start_time Asc", OrderKey("attribute", "start_time", True)),
        ("  start_time   DESC  ", OrderKey("attribute", "start_time", False)),
        ("attributes.start_time ASC", OrderKey("attribute", "start_time", True)),
        ("created DESC", OrderKey("attribute", "start_time", False)),
        ("Created", OrderKey("attribute", "start_time", True)),
        ("run_name", OrderKey("attribute", "run_name", True)),
        ("metrics.m DESC", OrderKey("metric", "m", False)),
        ("metrics.`a b` DESC", OrderKey("metric", "a b", False)),
        ('params."p q" ASC', OrderKey("param", "p q", True)),
        ("tags.mlflow.runName DESC", OrderKey("tag", "mlflow.runName", False)),
        ("tags.`mlflow.runName`", OrderKey("tag", "mlflow.runName", True)),
    ],
)
def test_runs_order_by(item: str, expected: OrderKey) -> None:
    assert parse_order_by([item], RUNS) == [expected]


@pytest.mark.parametrize(
    ("grammar", "item", "expected"),
    [
        (EXPERIMENTS, "name", OrderKey("attribute", "name", True)),
        (EXPERIMENTS, "experiment_id DESC", OrderKey("attribute", "experiment_id", False)),
        (EXPERIMENTS, "attribute.creation_time", OrderKey("attribute", "creation_time", True)),
        (EXPERIMENTS, "last_update_time DESC", OrderKey("attribute", "last_update_time", False)),
        (REGISTERED_MODELS, "name ASC", OrderKey("attribute", "name", True)),
        (
            REGISTERED_MODELS,
            "timestamp DESC",
            OrderKey("attribute", "last_updated_timestamp", False),
        ),
        (
            REGISTERED_MODELS,
            "last_updated_timestamp",
            OrderKey("attribute", "last_updated_timestamp", True),
        ),
        (MODEL_VERSIONS, "version_number DESC", OrderKey("attribute", "version_number", False)),
        (MODEL_VERSIONS, "creation_timestamp", OrderKey("attribute", "creation_timestamp", True)),
        (
            MODEL_VERSIONS,
            "last_updated_timestamp ASC",
            OrderKey("attribute", "last_updated_timestamp", True),
        ),
        (MODEL_VERSIONS, "name", OrderKey("attribute", "name", True)),
    ],
)
def test_other_order_by(grammar: Grammar, item: str, expected: OrderKey) -> None:
    assert parse_order_by([item], grammar) == [expected]


@pytest.mark.parametrize(
    ("grammar", "item", "fragment"),
    [
        (RUNS, "", "Could not be parsed"),
        (RUNS, "   ", "Could not be parsed"),
        (RUNS, "bogus", "Invalid order by key 'bogus'"),
        (RUNS, "lifecycle_stage", "Invalid order by key"),
        (RUNS, "start_time DOWN", "ASC or DESC"),
        (RUNS, "start_time DESC extra", "'extra'"),
        (RUNS, "metrics.m DESC, params.p", "','"),
        (RUNS, "metrics.m NULLS LAST", "'NULLS'"),
        (RUNS, "datasets.name", "cannot be ordered by datasets"),
        (RUNS, "foo.bar", "Invalid entity type 'foo'"),
        (RUNS, "start_time > 1", "'>'"),
        (EXPERIMENTS, "tags.t", "cannot be ordered by tags"),
        (EXPERIMENTS, "bogus", "Invalid order by key"),
        (REGISTERED_MODELS, "creation_timestamp", "Invalid order by key"),
        (REGISTERED_MODELS, "tags.t", "cannot be ordered by tags"),
        (MODEL_VERSIONS, "run_id", "Invalid order by key 'run_id'"),
        (MODEL_VERSIONS, "source_path", "Invalid order by key"),
    ],
)
def test_order_by_rejections(grammar: Grammar, item: str, fragment: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_order_by([item], grammar)
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("grammar", "items"),
    [
        (REGISTERED_MODELS, ["name", "name DESC"]),
        (REGISTERED_MODELS, ["timestamp", "last_updated_timestamp DESC"]),
        (MODEL_VERSIONS, ["version_number", "version_number DESC"]),
        (RUNS, ["created", "start_time DESC"]),
        (RUNS, ["metrics.m", "metric.m DESC"]),
    ],
)
def test_order_by_rejects_the_same_field_twice(grammar: Grammar, items: list[str]) -> None:
    with pytest.raises(InvalidParameterValue, match="duplicate"):
        parse_order_by(items, grammar)


def test_order_by_keeps_item_order_and_allows_same_key_on_other_entities() -> None:
    assert parse_order_by(["metrics.x", "params.x DESC", "tags.x"], RUNS) == [
        OrderKey("metric", "x", True),
        OrderKey("param", "x", False),
        OrderKey("tag", "x", True),
    ]


def test_order_by_none_empty_and_lone_string() -> None:
    assert parse_order_by(None, RUNS) == []
    assert parse_order_by([], RUNS) == []
    assert parse_order_by("name DESC", EXPERIMENTS) == [OrderKey("attribute", "name", False)]


def test_order_by_rejects_non_string_items() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_order_by([5], RUNS)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"field_name": "name"}, OrderKey("attribute", "name", True)),
        (
            {"field_name": "creation_time", "ascending": False},
            OrderKey("attribute", "creation_timestamp", False),
        ),
        (
            {"field_name": "last_updated_time"},
            OrderKey("attribute", "last_updated_timestamp", True),
        ),
        ({"field_name": " model_id ", "ascending": None}, OrderKey("attribute", "model_id", True)),
        ({"field_name": "metrics.acc", "ascending": False}, OrderKey("metric", "acc", False)),
        ({"field_name": "metrics.a.b"}, OrderKey("metric", "a.b", True)),
        (
            {"field_name": "metrics.acc", "dataset_name": "eval", "dataset_digest": "d1"},
            OrderKey("metric", "acc", True, "eval", "d1"),
        ),
        (
            {"field_name": "metrics.acc", "dataset_name": "eval"},
            OrderKey("metric", "acc", True, "eval"),
        ),
        ({"field_name": "metrics.acc", "dataset_name": ""}, OrderKey("metric", "acc", True)),
        ({"field_name": "name", "dataset_name": "eval"}, OrderKey("attribute", "name", True)),
    ],
)
def test_logged_model_order_by(item: Mapping[str, object], expected: OrderKey) -> None:
    assert parse_logged_model_order_by([item]) == [expected]


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({}, "field_name"),
        ({"field_name": ""}, "field_name"),
        ({"field_name": 3}, "field_name"),
        ({"field_name": "bogus"}, "Invalid order by key 'bogus'"),
        ({"field_name": "params.p"}, "only attributes and `metrics.<name>`"),
        ({"field_name": "metric.m"}, "only attributes and `metrics.<name>`"),
        ({"field_name": "metrics."}, "only attributes and `metrics.<name>`"),
        ({"field_name": "name", "ascending": "true"}, "boolean"),
        ({"field_name": "name", "ascending": 1}, "boolean"),
        ({"field_name": "metrics.m", "dataset_digest": "d"}, "dataset_name"),
        ({"field_name": "metrics.m", "dataset_name": 5}, "dataset_name"),
    ],
)
def test_logged_model_order_by_rejections(item: Mapping[str, object], fragment: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_logged_model_order_by([item])
    assert fragment in info.value.message


def test_logged_model_order_by_none_and_non_objects() -> None:
    assert parse_logged_model_order_by(None) == []
    assert parse_logged_model_order_by([]) == []
    with pytest.raises(InvalidParameterValue, match="list of objects"):
        parse_logged_model_order_by(["name"])  # type: ignore[list-item]


@pytest.mark.parametrize("grammar", ALL_GRAMMARS, ids=lambda grammar: grammar.name)
def test_every_grammar_names_itself_and_resolves_bare_attributes(grammar: Grammar) -> None:
    assert grammar.name
    assert grammar.entity_for(None) == "attribute"
    assert parse_filter("  ", grammar) == []
