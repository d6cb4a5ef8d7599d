"""Search-filter syntax: identifiers, comparators, literals, lists, conjunctions and errors."""

from __future__ import annotations

import pytest

from atrium.domain.search import RUNS, Comparison, parse_filter
from atrium.errors import InvalidParameterValue


def one(filter_string: str) -> Comparison:
    [comparison] = parse_filter(filter_string, RUNS)
    return comparison


def rejects(filter_string: str, *fragments: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_filter(filter_string, RUNS)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    for fragment in fragments:
        assert fragment in info.value.message


@pytest.mark.parametrize("empty", [None, "", " ", "\t\n  "])
def test_empty_filters_mean_no_comparisons(empty: str | None) -> None:
    assert parse_filter(empty, RUNS) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc > 0.9", Comparison("metric", "acc", ">", 0.9)),
        ("metric.acc >= 1", Comparison("metric", "acc", ">=", 1.0)),
        ("params.lr = '0.01'", Comparison("param", "lr", "=", "0.01")),
        ("param.lr != '0.01'", Comparison("param", "lr", "!=", "0.01")),
        ("parameter.lr = 'x'", Comparison("param", "lr", "=", "x")),
        ("parameters.lr = 'x'", Comparison("param", "lr", "=", "x")),
        ("tags.team LIKE 'ml-%'", Comparison("tag", "team", "LIKE", "ml-%")),
        ("tag.team ILIKE '%ML%'", Comparison("tag", "team", "ILIKE", "%ML%")),
        ("attributes.status = 'FINISHED'", Comparison("attribute", "status", "=", "FINISHED")),
        ("attribute.status = 'FINISHED'", Comparison("attribute", "status", "=", "FINISHED")),
        ("attr.user_id = 'me'", Comparison("attribute", "user_id", "=", "me")),
        (
            "run.artifact_uri LIKE 's3://%'",
            Comparison("attribute", "artifact_uri", "LIKE", "s3://%"),
        ),
        ("status != 'FAILED'", Comparison("attribute", "status", "!=", "FAILED")),
        ("datasets.name = 'iris'", Comparison("dataset", "name", "=", "iris")),
        ("dataset.digest LIKE 'ab%'", Comparison("dataset", "digest", "LIKE", "ab%")),
        ("datasets.context = 'training'", Comparison("dataset", "context", "=", "training")),
    ],
)
def test_entity_prefixes_and_aliases(text: str, expected: Comparison) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("created > 5", "start_time"),
        ("Created > 5", "start_time"),
        ("attributes.created > 5", "start_time"),
        ("start_time > 5", "start_time"),
        ("`Run name` = 'a'", "run_name"),
        ("\"run name\" = 'a'", "run_name"),
        ("attributes.`Run Name` = 'a'", "run_name"),
        ("run_name = 'a'", "run_name"),
        ("attributes.\"run_id\" = 'a'", "run_id"),
    ],
)
def test_attribute_aliases_are_canonicalised(text: str, key: str) -> None:
    assert one(text).key == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("tags.`mlflow.runName` = 'x'", "mlflow.runName"),
        ("tags.\"mlflow.runName\" = 'x'", "mlflow.runName"),
        ("tags.mlflow.runName = 'x'", "mlflow.runName"),  # unquoted dots: split at the first
        ("metrics.a.b > 1", "a.b"),
        ("metrics.`a b` > 1", "a b"),
        ('metrics."a b" > 1', "a b"),
        ("params.\"my param\" = 'x'", "my param"),
        ("params.'quoted' = 'x'", "quoted"),
        ("`metrics`.m > 1", "m"),
        ("params.1a = 'x'", "1a"),
        ("params.é = 'x'", "é"),
        ("tags.`a-b/c:d` = 'x'", "a-b/c:d"),
        ("tags.`a``b` = 'x'", "a``b"),  # verbatim, as MLflow does
        ("tags.`a\\` = 'x'", "a\\"),  # backslash is no escape inside backticks
    ],
)
def test_keys_plain_dotted_and_quoted(text: str, key: str) -> None:
    assert one(text).key == key


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("params.p = 'x'", "x"),
        ('params.p = "x"', "x"),
        ("params.p = ''", ""),
        ('params.p = "it\'s"', "it's"),
        ("params.p = 'say \"hi\"'", 'say "hi"'),
        # MLflow keeps escapes verbatim: the value is the raw text between the quotes.
        ("params.p = 'it''s'", "it''s"),
        ("params.p = 'it\\'s'", "it\\'s"),
        ('params.p = "a""b"', 'a""b'),
        ("params.p = 'a\\\\'", "a\\\\"),
        ("params.p = 'C:\\'", "C:\\"),  # a trailing backslash still closes the literal
        ("params.p = ' AND x = '", " AND x = "),
        ("params.p = '日本'", "日本"),
        ("params.p = 'a\nb'", "a\nb"),
    ],
)
def test_string_literals(text: str, value: str) -> None:
    assert one(text).value == value


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("1", 1.0),
        ("-1", -1.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e5", 1e5),
        ("1E5", 1e5),
        ("-1.5e-3", -1.5e-3),
        ("1e+5", 1e5),
    ],
)
def test_metric_values_are_floats(literal: str, value: float) -> None:
    comparison = one(f"metrics.m = {literal}")
    assert comparison.value == value
    assert isinstance(comparison.value, float)


def test_numeric_attributes_keep_integers_exact() -> None:
    assert one("start_time >= 1700000000123").value == 1700000000123
    assert isinstance(one("end_time < 5").value, int)
    assert one("start_time > 1.5").value == 1.5
    assert one("start_time > -3").value == -3


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("metrics.m = 1", "="),
        ("metrics.m != 1", "!="),
        ("metrics.m < 1", "<"),
        ("metrics.m <= 1", "<="),
        ("metrics.m > 1", ">"),
        ("metrics.m >= 1", ">="),
        ("metrics.m>=1", ">="),
        ("params.p like 'a'", "LIKE"),
        ("params.p Ilike 'a'", "ILIKE"),
        ("params.p IS NULL", "IS NULL"),
        ("params.p is not null", "IS NOT NULL"),
        ("tags.t IS  NOT\tNULL", "IS NOT NULL"),
        ("run_id in ('a')", "IN"),
        ("run_id not in ('a')", "NOT IN"),
        ("run_id NOT   IN('a')", "NOT IN"),
    ],
)
def test_comparators_are_canonical_upper_case(text: str, op: str) -> None:
    assert one(text).op == op


def test_is_null_has_no_value() -> None:
    assert one("tags.t IS NULL") == Comparison("tag", "t", "IS NULL", None)
    assert one("params.p IS NOT NULL") == Comparison("param", "p", "IS NOT NULL", None)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("run_id IN ('a')", ("a",)),
        ("run_id IN ('a', 'b')", ("a", "b")),
        ("run_id IN ( 'a' , \"b\" )", ("a", "b")),
        ("run_id IN ('a','b',)", ("a", "b")),
        ("run_id NOT IN ('a')", ("a",)),
        ("datasets.name IN ('iris', 'wine')", ("iris", "wine")),
        ("datasets.digest NOT IN ('x')", ("x",)),
        ("datasets.context IN ('eval')", ("eval",)),
        ("run_id IN ('it''s')", ("it''s",)),
    ],
)
def test_in_lists(text: str, values: tuple[str, ...]) -> None:
    assert one(text).value == values


def test_and_joins_comparisons_case_insensitively() -> None:
    result = parse_filter(
        "metrics.acc > 0.9 AND params.lr = '0.1' and tags.t != 'x' AnD status = 'RUNNING'", RUNS
    )
    assert result == [
        Comparison("metric", "acc", ">", 0.9),
        Comparison("param", "lr", "=", "0.1"),
        Comparison("tag", "t", "!=", "x"),
        Comparison("attribute", "status", "=", "RUNNING"),
    ]


def test_newlines_and_tabs_are_whitespace() -> None:
    assert len(parse_filter("metrics.a > 1\n\tAND\n metrics.b < 2", RUNS)) == 2


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("status = 'A' OR status = 'B'", ["OR"]),
        ("(status = 'A')", ["parentheses"]),
        ("status = 'A' AND (metrics.m > 1)", ["parentheses"]),
        ("metrics.m > 1 garbage", ["garbage"]),
        ("metrics.m > 1 metrics.n > 2", ["'metrics.n'"]),
        ("metrics.m > 1 AND", ["end of input"]),
        ("AND metrics.m > 1", ["'AND'"]),
        ("metrics.m > 1 AND AND metrics.n > 2", ["'AND'"]),
        ("metrics.m > 1; metrics.n > 2", ["';'"]),
        ("params.p = 'a' -- comment", ["'-'"]),
        ("params.p = 'unterminated", ["unterminated"]),
        ('params."p = 1', ["unterminated"]),
        ("tags.`t = 'x'", ["unterminated"]),
        ("metrics.m >", ["end of input"]),
        ("metrics.m", ["comparator", "end of input"]),
        ("metrics.m 5", ["comparator", "'5'"]),
        ("params.p IS 'a'", ["NULL"]),
        ("params.p NOT LIKE 'a'", ["comparator"]),
        ("'run name' = 'x'", ["identifier"]),
        ("= 'x'", ["identifier"]),
        ("params.my-param = 'x'", ["'-'"]),
        ("params.$x = 'x'", ["'$'"]),
    ],
)
def test_syntax_errors_name_the_bad_part(text: str, fragments: list[str]) -> None:
    rejects(text, *fragments)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("tags.t <> 'a'", ["Invalid comparator '<>'"]),
        ("tags.t == 'a'", ["Invalid comparator '=='"]),
        ("metrics.m =< 1", ["Invalid comparator '=<'"]),
        ("metrics.m LIKE 1", ["Invalid comparator 'LIKE'", "metrics.m"]),
        ("metrics.m IS NULL", ["Invalid comparator 'IS NULL'"]),
        ("start_time LIKE 5", ["Invalid comparator 'LIKE'", "start_time"]),
        ("status > 'a'", ["Invalid comparator '>'", "status"]),
        ("status IS NULL", ["Invalid comparator 'IS NULL'"]),
        ("tags.t > 'a'", ["Invalid comparator '>'"]),
        ("datasets.name IS NULL", ["Invalid comparator 'IS NULL'"]),
        ("status IN ('a')", ["run_id", "list"]),
        ("tags.t IN ('a')", ["run_id", "list"]),
        ("metrics.m IN ('a')", ["list"]),
    ],
)
def test_comparator_errors(text: str, fragments: list[str]) -> None:
    rejects(text, *fragments)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("metrics.m > '1'", ["numeric", "'1'"]),
        ("metrics.m = NaN", ["numeric", "NaN"]),
        ("metrics.m > 1.5.5", ["numeric", "1.5.5"]),
        ("metrics.m > 0x10", ["numeric", "0x10"]),
        ("start_time > '1'", ["numeric attribute", "start_time"]),
        ("start_time > 99999999999999999999", ["out of range"]),
        ("start_time > 1e999", ["out of range"]),
        ("status = 1", ["quoted string", "status"]),
        ("params.p = 1", ["quoted string", "params.p"]),
        ("params.p = x", ["not quoted", "x"]),
        ("params.p = NULL", ["not quoted", "NULL"]),
        ("params.p = `x`", ["quoted string"]),
        ("run_id = ('a')", ["IN"]),
        ("run_id IN 'a'", ["parenthesised list"]),
        ("run_id IN ()", ["non-empty list"]),
        ("run_id IN ('a', 1)", ["quoted string", "'1'"]),
        ("run_id IN ('a' 'b')", ["','"]),
        ("run_id IN ('a',, 'b')", ["','"]),
        ("run_id IN (('a'))", ["'('"]),
        ("run_id IN ('a'", ["end of input"]),
        ("params.p = 'a' 'b'", ["'b'"]),
    ],
)
def test_value_errors(text: str, fragments: list[str]) -> None:
    rejects(text, *fragments)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("foo.bar = 'a'", ["Invalid entity type 'foo'"]),
        ("METRICS.m > 1", ["Invalid entity type 'METRICS'"]),  # prefixes are case-sensitive
        ("bogus = 'a'", ["Invalid attribute key 'bogus'"]),
        ("lifecycle_stage = 'active'", ["Invalid attribute key 'lifecycle_stage'"]),
        ("experiment_id = '1'", ["Invalid attribute key 'experiment_id'"]),
        ("STATUS = 'a'", ["Invalid attribute key 'STATUS'"]),
        ("run name = 'x'", ["Invalid attribute key 'run'"]),
        ("datasets.foo = 'a'", ["Invalid dataset key 'foo'"]),
        ("tags. = 'x'", ["key is empty"]),
        ("tags.`` = 'x'", ["key is empty"]),
        ("metrics. m > 1", ["key is empty"]),
        ("metrics.a.`b` > 1", ["Invalid identifier"]),
        ("metrics.`a`.b > 1", ["Invalid identifier"]),
        ("`a`b = 'x'", ["Invalid identifier"]),
        (".m > 1", ["Invalid entity type ''"]),
    ],
)
def test_identifier_errors(text: str, fragments: list[str]) -> None:
    rejects(text, *fragments)


def test_non_string_filter_is_rejected() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_filter(42, RUNS)  # type: ignore[arg-type]


@pytest.mark.parametrize("bound", [2**63 - 1, -(2**63), 5])
def test_int64_bounds_are_accepted(bound: int) -> None:
    assert one(f"start_time = {bound}").value == bound
    assert one(f"start_time = 000{bound}".replace("000-", "-000")).value == bound


@pytest.mark.parametrize(
    "literal", [str(2**63), str(-(2**63) - 1), "1" * 5000, "1" * 400 + ".5", "1e400"]
)
def test_out_of_range_numbers_are_rejected_cleanly(literal: str) -> None:
    rejects(f"start_time > {literal}", "out of range")


def test_huge_metric_literals_become_infinite() -> None:
    assert one("metrics.m < " + "9" * 5000).value == float("inf")


def test_error_messages_are_clipped() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_filter("tags.`" + "x" * 10_000 + "` > 'a' garbage", RUNS)
    assert len(info.value.message) < 1000
