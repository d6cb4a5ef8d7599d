"""Registry search grammars: ``registered-models/search`` and ``model-versions/search``.

The database is shared by the whole session, so every filter is anchored on a unique prefix.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.conftest import Api, unique
from tests.integration.test_registry_models import (
    MV,
    RM,
    create_model,
    create_version,
    run_source,
)

PROMPT = "mlflow.prompt.is_prompt"
CLIENT_PROMPT_CLAUSE = f"tag.`{PROMPT}` != 'true'"


def _models(api: Api, page_size: int | None = None, **params: Any) -> list[str]:
    """Names over every page of ``registered-models/search`` (checking the paging contract)."""
    names: list[str] = []
    token: str | None = None
    for _ in range(100):
        request = dict(params)
        if page_size is not None:
            request["max_results"] = page_size
        if token:
            request["page_token"] = token
        page = api.ok("GET", f"{RM}/search", **request)
        batch = [m["name"] for m in page.get("registered_models", [])]
        if page_size is not None:
            assert len(batch) <= page_size
        names += batch
        token = page.get("next_page_token")
        if not token:
            return names
        assert batch, "a page with a token must not be empty"
    raise AssertionError("paging does not terminate")


def _versions(api: Api, page_size: int | None = None, **params: Any) -> list[tuple[str, str]]:
    """``(name, version)`` over every page of ``model-versions/search``."""
    found: list[tuple[str, str]] = []
    token: str | None = None
    for _ in range(100):
        request = dict(params)
        if page_size is not None:
            request["max_results"] = page_size
        if token:
            request["page_token"] = token
        page = api.ok("GET", f"{MV}/search", **request)
        batch = [(v["name"], v["version"]) for v in page.get("model_versions", [])]
        if page_size is not None:
            assert len(batch) <= page_size
        found += batch
        token = page.get("next_page_token")
        if not token:
            return found
    raise AssertionError("paging does not terminate")


@pytest.fixture()
def family(api: Api) -> tuple[str, dict[str, str]]:
    """Five models sharing a unique prefix; returns the prefix and ``{suffix: full name}``."""
    prefix = unique("fam")
    tags = {
        "alpha": [{"key": "team", "value": "vision"}, {"key": "my key", "value": "sp ace"}],
        "Beta": [{"key": "team", "value": "speech"}, {"key": PROMPT, "value": "false"}],
        "gamma": [{"key": "team", "value": "vision"}],
        "delta": [],
        "prompt": [{"key": PROMPT, "value": "true"}, {"key": "team", "value": "vision"}],
    }
    names = {}
    for suffix, model_tags in tags.items():
        names[suffix] = str(create_model(api, f"{prefix}-{suffix}", tags=model_tags)["name"])
    return prefix, names


# --------------------------------------------------------------------------------------------
# registered-models/search


def test_model_filters_on_name(api: Api, family: tuple[str, dict[str, str]]) -> None:
    prefix, n = family
    everything = sorted(n.values())
    assert _models(api, filter=f"name LIKE '{prefix}-%'") == everything
    assert _models(api, filter=f"name = '{n['gamma']}'") == [n["gamma"]]
    assert _models(api, filter=f"name LIKE '{prefix}-%' AND name != '{n['gamma']}'") == sorted(
        set(everything) - {n["gamma"]}
    )
    # LIKE is case-sensitive, ILIKE is not; `_` is exactly one character.
    assert _models(api, filter=f"name LIKE '{prefix}-beta'") == []
    assert _models(api, filter=f"name LIKE '{prefix}-B%'") == [n["Beta"]]
    assert _models(api, filter=f"name ILIKE '{prefix.upper()}-BETA'") == [n["Beta"]]
    assert _models(api, filter=f"name LIKE '{prefix}-_amma'") == [n["gamma"]]
    assert _models(api, filter=f"name LIKE '{prefix}-_mma'") == []
    assert _models(api, filter=f"name = '{prefix}-GAMMA'") == []
    assert _models(api, filter=f"name IN ('{n['alpha']}', '{n['delta']}', 'nope')") == sorted(
        [n["alpha"], n["delta"]]
    )
    assert _models(api, filter=f'name = "{n["alpha"]}"') == [n["alpha"]]


def test_model_filters_on_tags(api: Api, family: tuple[str, dict[str, str]]) -> None:
    prefix, n = family
    scope = f"name LIKE '{prefix}-%'"
    vision = sorted([n["alpha"], n["gamma"], n["prompt"]])
    assert _models(api, filter=f"{scope} AND tags.team = 'vision'") == vision
    assert _models(api, filter=f"{scope} AND tag.team = 'vision'") == vision
    assert _models(api, filter=f"{scope} AND tags.`team` = 'vision'") == vision
    assert _models(api, filter=f"{scope} AND tags.\"team\" = 'speech'") == [n["Beta"]]
    assert _models(api, filter=f"{scope} AND tags.team LIKE 'sp%'") == [n["Beta"]]
    assert _models(api, filter=f"{scope} AND tags.team ILIKE 'VIS%'") == vision
    # A model without the tag does not satisfy an ordinary comparison, not even `!=`.
    assert _models(api, filter=f"{scope} AND tags.team != 'vision'") == [n["Beta"]]
    assert _models(api, filter=f"{scope} AND tags.`my key` = 'sp ace'") == [n["alpha"]]
    assert _models(
        api, filter=f"{scope} AND tags.team = 'vision' AND name != '{n['alpha']}'"
    ) == sorted([n["gamma"], n["prompt"]])


def test_client_prompt_clause_keeps_models_without_the_tag(
    api: Api, family: tuple[str, dict[str, str]]
) -> None:
    prefix, n = family
    not_prompts = sorted(set(n.values()) - {n["prompt"]})
    # What MlflowClient.search_registered_models sends, with and without a user filter.
    assert _models(api, filter=f"name LIKE '{prefix}-%' AND {CLIENT_PROMPT_CLAUSE}") == not_prompts
    assert (
        _models(api, filter=f"name LIKE '{prefix}-%' AND tags.`{PROMPT}` != 'true'") == not_prompts
    )
    unfiltered = set(_models(api, page_size=1000, filter=CLIENT_PROMPT_CLAUSE))
    assert set(not_prompts) <= unfiltered
    assert n["prompt"] not in unfiltered
    assert _models(api, filter=f"name LIKE '{prefix}-%' AND tags.`{PROMPT}` = 'true'") == [
        n["prompt"]
    ]


def test_model_order_by(api: Api, family: tuple[str, dict[str, str]]) -> None:
    prefix, n = family
    scope = f"name LIKE '{prefix}-%'"
    names = sorted(n.values())
    assert _models(api, filter=scope, order_by=["name DESC"]) == names[::-1]
    assert _models(api, filter=scope, order_by=["name ASC"]) == names
    assert _models(api, filter=scope, order_by=["name"]) == names
    # Touch two models; the most recently updated come first with DESC.
    time.sleep(0.005)
    api.ok("PATCH", f"{RM}/update", {"name": n["delta"], "description": "touched"})
    time.sleep(0.005)
    api.ok("PATCH", f"{RM}/update", {"name": n["alpha"], "description": "touched too"})
    newest = _models(api, filter=scope, order_by=["last_updated_timestamp DESC"])
    assert newest[:2] == [n["alpha"], n["delta"]]
    assert sorted(newest) == names
    oldest = _models(api, filter=scope, order_by=["last_updated_timestamp ASC", "name DESC"])
    assert oldest[-2:] == [n["delta"], n["alpha"]]


def test_model_paging(api: Api, family: tuple[str, dict[str, str]]) -> None:
    prefix, n = family
    scope = f"name LIKE '{prefix}-%'"
    names = sorted(n.values())
    for size in (1, 2, 4, 5, 1000):
        assert _models(api, page_size=size, filter=scope) == names, size
    first = api.ok("GET", f"{RM}/search", filter=scope, max_results=2)
    assert len(first["registered_models"]) == 2 and first["next_page_token"]
    last = api.ok("GET", f"{RM}/search", filter=scope, max_results=5)
    assert len(last["registered_models"]) == 5
    assert not last.get("next_page_token")
    assert api.ok("GET", f"{RM}/search", filter=f"name = '{unique('none')}'") in (
        {},
        {"registered_models": []},
    )


@pytest.mark.parametrize("max_results", ["0", "-1", "1001", "abc"])
def test_model_search_max_results_bounds(api: Api, max_results: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{RM}/search", max_results=max_results)


@pytest.mark.parametrize(
    "bad",
    [
        "name =",
        "name LIKE",
        "name = 'a' OR name = 'b'",
        "bogus = 'x'",
        "metrics.acc > 1",
        "name > 'a'",
        "tags.team = vision",
        "name IN ()",
    ],
)
def test_model_search_bad_filter_is_400(api: Api, bad: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{RM}/search", filter=bad)


@pytest.mark.parametrize("order_by", ["bogus", "name SIDEWAYS", "tags.team"])
def test_model_search_bad_order_by_is_400(api: Api, order_by: str) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{RM}/search", order_by=order_by)


# --------------------------------------------------------------------------------------------
# model-versions/search


@pytest.fixture()
def versions(api: Api, experiment_id: str) -> dict[str, Any]:
    """Two models: ``a`` with versions 1-3 (runs r1, r1, r2), ``b`` with version 1 (run r2)."""
    prefix = unique("mvs")
    r1 = str(api.create_run(experiment_id)["info"]["run_id"])
    r2 = str(api.create_run(experiment_id)["info"]["run_id"])
    s1, s2 = run_source(api, r1), run_source(api, r2)
    a = str(create_model(api, f"{prefix}-a")["name"])
    b = str(create_model(api, f"{prefix}-b")["name"])
    create_version(api, a, s1, run_id=r1, tags=[{"key": "flavor", "value": "sklearn"}])
    create_version(api, a, s1, run_id=r1, tags=[{"key": "flavor", "value": "torch"}])
    create_version(api, a, s2, run_id=r2)
    create_version(api, b, s2, run_id=r2, tags=[{"key": "flavor", "value": "torch"}])
    return {"prefix": prefix, "a": a, "b": b, "r1": r1, "r2": r2, "s1": s1, "s2": s2}


def test_version_filters(api: Api, versions: dict[str, Any]) -> None:
    a, b, r1, r2 = versions["a"], versions["b"], versions["r1"], versions["r2"]
    both = f"name IN ('{a}', '{b}')"

    def found(flt: str) -> list[tuple[str, str]]:
        return sorted(_versions(api, filter=flt))

    assert found(f"name = '{a}'") == [(a, "1"), (a, "2"), (a, "3")]
    assert found(both) == [(a, "1"), (a, "2"), (a, "3"), (b, "1")]
    assert found(f"name LIKE '{versions['prefix']}-%'") == found(both)
    assert found(f"name ILIKE '{versions['prefix'].upper()}-B'") == [(b, "1")]
    assert found(f"name = '{a}' AND version_number > 1") == [(a, "2"), (a, "3")]
    assert found(f"name = '{a}' AND version_number = 2") == [(a, "2")]
    assert found(f"name = '{a}' AND version_number <= 2") == [(a, "1"), (a, "2")]
    assert found(f"name = '{a}' AND version_number != 2") == [(a, "1"), (a, "3")]
    assert found(f"run_id = '{r1}'") == [(a, "1"), (a, "2")]
    assert found(f"run_id IN ('{r1}', '{r2}')") == found(both)
    assert found(f"run_id = '{r2}' AND name = '{b}'") == [(b, "1")]
    assert found(f"source_path = '{versions['s2']}' AND {both}") == [(a, "3"), (b, "1")]
    assert found(f"{both} AND tags.flavor = 'torch'") == [(a, "2"), (b, "1")]
    assert found(f"{both} AND tags.`flavor` LIKE 'sk%'") == [(a, "1")]
    assert found(f"{both} AND tag.flavor != 'torch'") == [(a, "1")]
    assert found(f"name = '{unique('none')}'") == []


def test_version_order_by_and_paging(api: Api, versions: dict[str, Any]) -> None:
    a, b = versions["a"], versions["b"]
    both = f"name IN ('{a}', '{b}')"
    ascending = _versions(api, filter=both, order_by=["name ASC", "version_number ASC"])
    assert ascending == [(a, "1"), (a, "2"), (a, "3"), (b, "1")]
    descending = _versions(api, filter=f"name = '{a}'", order_by=["version_number DESC"])
    assert descending == [(a, "3"), (a, "2"), (a, "1")]
    for size in (1, 2, 3, 4):
        assert (
            _versions(api, page_size=size, filter=both, order_by=["name ASC", "version_number ASC"])
            == ascending
        ), size
    time.sleep(0.005)
    api.ok("PATCH", f"{MV}/update", {"name": a, "version": "1", "description": "touched"})
    newest = _versions(api, filter=both, order_by=["last_updated_timestamp DESC"])
    assert newest[0] == (a, "1")


def test_version_search_hides_prompt_models(api: Api, run_id: str) -> None:
    name = str(create_model(api, tags=[{"key": PROMPT, "value": "true"}])["name"])
    create_version(api, name, run_source(api, run_id))
    assert _versions(api, filter=f"name = '{name}'") == []


@pytest.mark.parametrize(
    ("params"),
    [
        {"max_results": "0"},
        {"max_results": "200001"},
        {"filter": "version_number > 'x'"},
        {"filter": "bogus = 'x'"},
        {"filter": "name = 'a' OR name = 'b'"},
        {"filter": "name IN 'a'"},
        {"order_by": "bogus DESC"},
    ],
)
def test_version_search_bad_input_is_400(api: Api, params: dict[str, str]) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", f"{MV}/search", **params)
