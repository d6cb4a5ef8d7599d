"""Tokenizer and recursive-descent parser for MLflow search filters and ``order_by`` clauses."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from atrium.domain.search.ast import Comparison, Entity, OrderKey, Value
from atrium.domain.search.grammars import (
    INTEGER_LITERAL,
    LIST_OPS,
    LOGGED_MODELS,
    NULL_OPS,
    FieldSpec,
    Grammar,
    clip,
)
from atrium.errors import InvalidParameterValue

TokenKind = Literal[
    "word", "number", "squote", "dquote", "backtick", "op", "lparen", "rparen", "comma", "end"
]

# Quoted literals keep MLflow's lexical rules: a doubled quote or a backslash-quote does not end
# the literal (backtick names only know the doubled form). Like MLflow, the text between the
# quotes is taken verbatim: escapes are *not* undone, so 'it''s' means the value it''s.
_QUOTED: dict[str, tuple[TokenKind, re.Pattern[str]]] = {
    "'": ("squote", re.compile(r"'(?:''|\\'|[^'])*'")),
    '"': ("dquote", re.compile(r'"(?:""|\\"|[^"])*"')),
    "`": ("backtick", re.compile(r"`(?:``|[^`])*`")),
}
_PUNCTUATION: dict[str, TokenKind] = {"(": "lparen", ")": "rparen", ",": "comma"}
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# Bare names may contain dots: `tags.mlflow.runName` is the tag "mlflow.runName", as in MLflow.
_WORD = re.compile(r"[\w.]+")
_SYMBOLS = re.compile(r"[<>=!]+")
_SYMBOL_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    text: str
    start: int
    end: int

    @property
    def inner(self) -> str:
        """The text between the quotes of a quoted token."""
        return self.text[1:-1]

    def describe(self) -> str:
        if self.kind == "end":
            return "end of input"
        text = clip(self.text)
        return text if self.kind in ("squote", "dquote", "backtick") else f"'{text}'"


def _lex_one(text: str, pos: int) -> _Token | None:
    """The token starting at ``pos``, or None when no token can start there."""
    char = text[pos]
    if char in _QUOTED:
        kind, pattern = _QUOTED[char]
        quoted = pattern.match(text, pos)
        return None if quoted is None else _Token(kind, quoted.group(), pos, quoted.end())
    if char in _PUNCTUATION:
        return _Token(_PUNCTUATION[char], char, pos, pos + 1)
    if symbols := _SYMBOLS.match(text, pos):
        return _Token("op", symbols.group(), pos, symbols.end())
    number = _NUMBER.match(text, pos)
    # `1a` or `1.2.3` are names, not a number followed by junk.
    if number is not None and not _WORD.match(text, number.end()):
        return _Token("number", number.group(), pos, number.end())
    if word := _WORD.match(text, pos):
        return _Token("word", word.group(), pos, word.end())
    return None


def _tokenize(text: str, what: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        token = _lex_one(text, pos)
        if token is None:
            problem = "unterminated quoted string" if text[pos] in _QUOTED else "unexpected"
            raise _syntax_error(what, text, f"{problem} {text[pos]!r} at position {pos}")
        tokens.append(token)
        pos = token.end
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


def _syntax_error(what: str, text: str, detail: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid {what} '{clip(text)}': {detail}")


class _Cursor:
    """A position in the token list of one filter string or order-by item."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self._tokens = _tokenize(text, what)
        self._index = 0

    def peek(self) -> _Token:
        return self._tokens[self._index]

    def take(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def take_word(self, word: str) -> bool:
        """Consume the next token if it is the (case-insensitive) keyword ``word``."""
        token = self.peek()
        if token.kind == "word" and token.text.upper() == word:
            self._index += 1
            return True
        return False

    def error(self, detail: str) -> InvalidParameterValue:
        return _syntax_error(self.what, self.text, detail)

    def unexpected(self, token: _Token, expected: str) -> InvalidParameterValue:
        return self.error(
            f"expected {expected} at position {token.start}, found {token.describe()}"
        )


def _bad_identifier(raw: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Invalid identifier '{raw}'. Columns should be specified as '<entity>.<key>' or "
        "'<attribute>', with the key in backticks or double quotes if it has special characters"
    )


def _key_after_dot(tail: str, rest: list[_Token], raw: str) -> str:
    """The key after ``<prefix>.``: the bare remainder, or exactly one quoted part."""
    if not rest:
        return tail
    if not tail and len(rest) == 1 and rest[0].kind != "word":
        return rest[0].inner
    raise _bad_identifier(raw)


def _split_identifier(parts: list[_Token], raw: str) -> tuple[str | None, str]:
    """(prefix or None, key) of an identifier made of adjacent word / quoted tokens."""
    first, rest = parts[0], parts[1:]
    if first.kind == "word":
        prefix, dot, tail = first.text.partition(".")
        if not dot:
            if rest:
                raise _bad_identifier(raw)
            return None, first.text
        return prefix, _key_after_dot(tail, rest, raw)
    if not rest:
        return None, first.inner
    # A quoted prefix, as in `metrics`.m
    if rest[0].kind == "word" and rest[0].text.startswith("."):
        return first.inner, _key_after_dot(rest[0].text[1:], rest[1:], raw)
    raise _bad_identifier(raw)


def _take_identifier(cursor: _Cursor) -> tuple[str | None, str, str]:
    """Consume an identifier; returns (prefix or None, key, identifier as written)."""
    first = cursor.peek()
    if first.kind not in ("word", "dquote", "backtick"):
        raise cursor.unexpected(first, "an identifier")
    parts = [cursor.take()]
    # Whitespace ends an identifier: only directly adjacent pieces belong to it.
    while cursor.peek().kind in ("word", "squote", "dquote", "backtick"):
        if cursor.peek().start != parts[-1].end:
            break
        parts.append(cursor.take())
    raw = clip(cursor.text[first.start : parts[-1].end])
    prefix, key = _split_identifier(parts, raw)
    if not key:
        raise InvalidParameterValue(f"Invalid identifier '{raw}': the key is empty")
    return prefix, key, raw


def _take_operator(cursor: _Cursor) -> str:
    token = cursor.take()
    if token.kind == "op":
        if token.text in _SYMBOL_OPS:
            return token.text
        raise InvalidParameterValue(
            f"Invalid comparator '{token.text}' at position {token.start}; "
            f"expected one of {sorted(_SYMBOL_OPS)}, LIKE, ILIKE, IN, NOT IN, IS [NOT] NULL"
        )
    word = token.text.upper() if token.kind == "word" else ""
    if word in ("LIKE", "ILIKE", "IN"):
        return word
    if word == "NOT" and cursor.take_word("IN"):
        return "NOT IN"
    if word == "IS":
        negated = cursor.take_word("NOT")
        if cursor.take_word("NULL"):
            return "IS NOT NULL" if negated else "IS NULL"
        raise cursor.unexpected(cursor.peek(), "NULL or NOT NULL after IS")
    raise cursor.unexpected(token, "a comparator")


def _take_list(cursor: _Cursor) -> tuple[str, ...]:
    """``( 'a', "b", ... )``: a non-empty list of quoted strings; a trailing comma is allowed."""
    opening = cursor.take()
    if opening.kind != "lparen":
        raise cursor.unexpected(opening, "a parenthesised list of quoted strings")
    values: list[str] = []
    token = cursor.take()
    while token.kind != "rparen":
        if token.kind not in ("squote", "dquote"):
            raise cursor.error(
                "While parsing a list in the query, expected a quoted string value at position "
                f"{token.start}, found {token.describe()}"
            )
        values.append(token.inner)
        separator = cursor.take()
        if separator.kind == "rparen":
            break
        if separator.kind != "comma":
            raise cursor.unexpected(separator, "',' or ')' in the list")
        token = cursor.take()
    if not values:
        raise InvalidParameterValue(
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got empty list"
        )
    return tuple(values)


def _string_value(token: _Token, raw: str) -> str:
    if token.kind in ("squote", "dquote"):
        return token.inner
    if token.kind == "word":
        raise InvalidParameterValue(
            f"Value {token.text} for '{raw}' is either not quoted or unidentified quote types "
            "used for string value. Use either single or double quotes."
        )
    if token.kind == "lparen":
        raise InvalidParameterValue(
            f"A parenthesised list for '{raw}' is only allowed with IN or NOT IN"
        )
    raise InvalidParameterValue(
        f"Expected a quoted string value for '{raw}' (e.g. 'my-value'). "
        f"Got value {token.describe()}"
    )


def _numeric_value(token: _Token, raw: str, spec: FieldSpec) -> int | float:
    if token.kind == "number":
        return spec.number(token.text, raw)
    quoted = token.kind in ("squote", "dquote")
    if quoted and spec.quoted_integer_ok and INTEGER_LITERAL.fullmatch(token.inner):
        return spec.number(token.inner, raw)
    entity = "metric" if spec.kind == "float" else "numeric attribute"
    raise InvalidParameterValue(
        f"Expected numeric value type for {entity}: '{raw}'. Found {token.describe()}"
    )


def _take_value(cursor: _Cursor, raw: str, spec: FieldSpec, op: str) -> Value:
    if op in NULL_OPS:
        return None
    if op in LIST_OPS:
        return _take_list(cursor)
    token = cursor.take()
    if spec.kind == "string":
        return _string_value(token, raw)
    return _numeric_value(token, raw, spec)


def _take_comparison(cursor: _Cursor, grammar: Grammar) -> Comparison:
    start = cursor.peek()
    if start.kind == "lparen":
        raise cursor.error(
            f"parentheses for grouping are not supported (position {start.start}); "
            "write comparisons joined by AND"
        )
    if start.kind == "word" and start.text.upper() in ("AND", "OR"):
        raise cursor.unexpected(start, "a comparison")
    prefix, key, raw = _take_identifier(cursor)
    entity = grammar.entity_for(prefix)
    canonical, spec = grammar.filter_field(entity, key)
    op = _take_operator(cursor)
    grammar.check_operator(raw, spec, op)
    return Comparison(entity, canonical, op, _take_value(cursor, raw, spec, op))


def parse_filter(filter_string: str | None, grammar: Grammar) -> list[Comparison]:
    """Parse ``<identifier> <op> <value> [AND ...]``; empty or blank filters give ``[]``."""
    if filter_string is None:
        return []
    if not isinstance(filter_string, str):
        raise InvalidParameterValue(f"Invalid filter string {filter_string!r}: not a string")
    if not filter_string.strip():
        return []
    cursor = _Cursor(filter_string, "filter string")
    comparisons = [_take_comparison(cursor, grammar)]
    while (token := cursor.take()).kind != "end":
        if token.kind == "word" and token.text.upper() == "OR":
            raise cursor.error("OR is not supported; only comparisons joined by AND are")
        if not (token.kind == "word" and token.text.upper() == "AND"):
            raise cursor.unexpected(token, "AND or the end of the filter")
        comparisons.append(_take_comparison(cursor, grammar))
    return comparisons


def _take_direction(cursor: _Cursor) -> bool:
    token = cursor.take()
    if token.kind == "end":
        return True
    direction = token.text.upper() if token.kind == "word" else ""
    if direction not in ("ASC", "DESC"):
        raise cursor.unexpected(token, "ASC or DESC")
    trailing = cursor.take()
    if trailing.kind != "end":
        raise cursor.unexpected(trailing, "the end of the clause")
    return direction == "ASC"


def _parse_order_item(item: object, grammar: Grammar) -> OrderKey:
    if not isinstance(item, str) or not item.strip():
        raise InvalidParameterValue(f"Invalid order_by clause {item!r}. Could not be parsed.")
    cursor = _Cursor(item, "order_by clause")
    prefix, key, _ = _take_identifier(cursor)
    entity = grammar.entity_for(prefix)
    canonical = grammar.order_key(entity, key)
    return OrderKey(entity, canonical, _take_direction(cursor))


def parse_order_by(order_by: Sequence[str] | None, grammar: Grammar) -> list[OrderKey]:
    """Parse ``order_by`` items ``<identifier> [ASC|DESC]`` (default ascending)."""
    if order_by is None:
        return []
    # A lone string (e.g. a single query parameter) is one item, not a list of characters.
    items: Sequence[object] = [order_by] if isinstance(order_by, str) else order_by
    keys: list[OrderKey] = []
    seen: set[tuple[Entity, str]] = set()
    for item in items:
        key = _parse_order_item(item, grammar)
        if (key.entity, key.key) in seen:
            raise InvalidParameterValue(f"`order_by` contains duplicate fields: {item!r}")
        seen.add((key.entity, key.key))
        keys.append(key)
    return keys


def _optional_text(item: Mapping[str, object], name: str) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidParameterValue(f"`{name}` in the `order_by` clause must be a string.")
    return value


def _logged_model_field(field_name: str) -> tuple[Entity, str]:
    prefix, dot, key = field_name.partition(".")
    if not dot:
        return "attribute", LOGGED_MODELS.order_key("attribute", field_name)
    if prefix != "metrics" or not key:
        raise InvalidParameterValue(
            f"Invalid order by field name: {field_name}, only attributes and `metrics.<name>` "
            "are allowed."
        )
    return "metric", key


def _parse_logged_model_item(item: object) -> OrderKey:
    if not isinstance(item, Mapping):
        raise InvalidParameterValue("`order_by` must be a list of objects with a `field_name`.")
    field_name = item.get("field_name")
    if not isinstance(field_name, str) or not field_name.strip():
        raise InvalidParameterValue("`field_name` in the `order_by` clause must be specified.")
    ascending = item.get("ascending")
    if ascending is not None and not isinstance(ascending, bool):
        raise InvalidParameterValue(
            "Value of `ascending` in the `order_by` clause must be a boolean, got "
            f"{type(ascending).__name__} for field {field_name}."
        )
    dataset_name = _optional_text(item, "dataset_name")
    dataset_digest = _optional_text(item, "dataset_digest")
    if dataset_digest and not dataset_name:
        raise InvalidParameterValue(
            "`dataset_digest` can only be specified if `dataset_name` is also specified."
        )
    entity, key = _logged_model_field(field_name.strip())
    if entity != "metric":  # datasets only scope metric values; MLflow ignores them otherwise
        dataset_name = dataset_digest = None
    return OrderKey(entity, key, ascending is not False, dataset_name, dataset_digest)


def parse_logged_model_order_by(
    items: Sequence[Mapping[str, object]] | None,
) -> list[OrderKey]:
    """Parse logged-model ``order_by`` objects ``{field_name, ascending, dataset_*}``."""
    if items is None:
        return []
    return [_parse_logged_model_item(item) for item in items]
