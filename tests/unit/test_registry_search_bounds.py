"""Which version searches are short enough to answer on the event loop (SQLite)."""

from __future__ import annotations

import pytest

from atrium.errors import InvalidParameterValue
from atrium.services.model_versions import ONE_MODEL_PAGE, is_one_model_search


@pytest.mark.parametrize(
    ("filter_string", "max_results"),
    [
        ("name = 'm'", 100),
        ("name='m'", 1),
        ('name = "m" AND version_number > 3', ONE_MODEL_PAGE),
        ("tags.t = 'x' AND name = 'm'", 10),
    ],
)
def test_a_page_of_one_models_versions_is_bounded(filter_string: str, max_results: int) -> None:
    assert is_one_model_search(filter_string, max_results)


@pytest.mark.parametrize(
    ("filter_string", "max_results"),
    [
        ("name = 'm'", None),  # the default page is 10,000 versions
        ("name = 'm'", ONE_MODEL_PAGE + 1),
        ("name LIKE 'm%'", 100),
        ("name IN ('m')", 100),
        ("name != 'm'", 100),
        ("run_id = 'r'", 100),
        ("tags.name = 'm'", 100),
        ("", 100),
        (None, 100),
    ],
)
def test_other_searches_are_not(filter_string: str | None, max_results: int | None) -> None:
    assert not is_one_model_search(filter_string, max_results)


def test_a_malformed_filter_is_refused_as_by_the_search() -> None:
    with pytest.raises(InvalidParameterValue):
        is_one_model_search("name = 'a' OR name = 'b'", 100)
