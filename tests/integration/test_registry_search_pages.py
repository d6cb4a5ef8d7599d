"""``model-versions/search`` pages: what each one carries, and how pages hold together.

Searches of the same shape share one compiled statement and only bind new values; filters with
value lists are built per search. Both must find, order, page and decorate versions alike.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.test_registry_models import MV, RM, create_model, create_version, run_source
from tests.integration.test_registry_search import PROMPT, _versions


@pytest.fixture()
def model(api: Api, run_id: str) -> str:
    """A model with versions 1-7; versions 2 and 5 tagged, version 3 holding two aliases."""
    name = str(create_model(api)["name"])
    source = run_source(api, run_id)
    tags = {2: [{"key": "stage", "value": "candidate"}, {"key": "owner", "value": "ana"}]}
    tags[5] = [{"key": "stage", "value": "shipped"}]
    for number in range(1, 8):
        create_version(api, name, source, tags=tags.get(number, []))
    for alias in ("prod", "champion"):
        api.ok("POST", f"{RM}/alias", {"name": name, "alias": alias, "version": "3"})
    return name


def _pages(api: Api, size: int, **params: Any) -> list[dict[str, Any]]:
    """Every version over every page (each page at most ``size``), as the wire has them."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(100):
        request = {**params, "max_results": size, **({"page_token": token} if token else {})}
        page = api.ok("GET", f"{MV}/search", **request)
        assert len(page.get("model_versions", [])) <= size
        found += page.get("model_versions", [])
        token = page.get("next_page_token")
        if not token:
            return found
    raise AssertionError("paging does not terminate")


def test_pages_carry_tags_and_aliases(api: Api, model: str) -> None:
    for flt in (f"name = '{model}'", f"name IN ('{model}')"):
        versions = {v["version"]: v for v in _pages(api, 3, filter=flt)}
        assert sorted(versions, key=int) == [str(n) for n in range(1, 8)], flt
        assert sorted(versions["2"]["tags"], key=lambda t: str(t["key"])) == [
            {"key": "owner", "value": "ana"},
            {"key": "stage", "value": "candidate"},
        ]
        assert versions["5"]["tags"] == [{"key": "stage", "value": "shipped"}]
        assert versions["3"]["aliases"] == ["champion", "prod"]
        assert all(versions[n]["tags"] == [] for n in ("1", "3", "4", "6", "7"))
        assert all(versions[n]["aliases"] == [] for n in versions if n != "3")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 100])
def test_paging_matches_one_page_in_every_order(api: Api, model: str, size: int) -> None:
    orders: list[list[str]] = [[], ["version_number ASC"], ["creation_timestamp DESC"]]
    for order_by in orders:
        whole = _versions(api, filter=f"name = '{model}'", order_by=order_by, max_results=100)
        assert len(whole) == 7
        for flt in (f"name = '{model}'", f"name IN ('{model}', 'no-such-model')"):
            paged = _pages(api, size, filter=flt, order_by=order_by)
            assert [(v["name"], v["version"]) for v in paged] == whole, (flt, order_by)
    ascending = _versions(api, filter=f"name = '{model}'", order_by=["version_number ASC"])
    assert [v for _, v in ascending] == [str(n) for n in range(1, 8)]


def test_versions_created_while_paging_stay_out_of_later_pages(
    api: Api, run_id: str, model: str
) -> None:
    first = api.ok("GET", f"{MV}/search", filter=f"name = '{model}'", max_results=3)
    create_version(api, model, run_source(api, run_id))  # version 8, newest of all
    rest = _pages(api, 3, filter=f"name = '{model}'", page_token=first["next_page_token"])
    seen = [v["version"] for v in first["model_versions"] + rest]
    assert sorted(seen, key=int) == [str(n) for n in range(1, 8)]
    assert _versions(api, filter=f"name = '{model}'")[0] == (model, "8")


def test_same_shape_filters_bind_their_own_values(api: Api, model: str) -> None:
    def found(flt: str) -> list[str]:
        return sorted(v for _, v in _versions(api, filter=f"name = '{model}' AND {flt}"))

    assert found("tags.stage = 'candidate'") == ["2"]
    assert found("tags.stage = 'shipped'") == ["5"]
    assert found("tags.owner = 'ana'") == ["2"]
    assert found("tags.owner = 'shipped'") == []
    assert found("tags.stage LIKE '%e%'") == ["2", "5"]
    assert found("version_number > 5") == ["6", "7"]
    assert found("version_number > 2") == ["3", "4", "5", "6", "7"]
    other = str(create_model(api)["name"])
    assert _versions(api, filter=f"name = '{other}'") == []


def test_prompt_versions_hidden_unless_asked_for(api: Api, run_id: str) -> None:
    name = str(create_model(api, tags=[{"key": PROMPT, "value": "true"}])["name"])
    create_version(api, name, run_source(api, run_id), tags=[{"key": PROMPT, "value": "true"}])
    for flt in (f"name = '{name}'", f"name IN ('{name}')"):
        assert _versions(api, filter=flt) == []
        assert _versions(api, filter=f"{flt} AND tags.`{PROMPT}` = 'true'") == [(name, "1")]
