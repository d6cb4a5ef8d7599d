"""``runs/search`` over HTTP: filters, ordering, view types and page-token stability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import Api, search_all_runs


@dataclass(frozen=True)
class Seeded:
    experiment_id: str
    ids: dict[str, str]  # run name -> run id


# name: (start_time, status, metrics {key: value}, params, tags)
SEED: dict[str, tuple[int, str, dict[str, float], dict[str, str], dict[str, str]]] = {
    "alpha": (
        1000,
        "FINISHED",
        {"acc": 0.9, "loss": 0.1},
        {"lr": "0.1", "opt": "Adam"},
        {"team": "cv"},
    ),
    "beta": (2000, "FAILED", {"acc": 0.5}, {"lr": "0.01", "opt": "adamw"}, {"team": "nlp"}),
    "gamma": (3000, "RUNNING", {"acc": 0.7, "loss": 0.4}, {"lr": "0.1"}, {}),
    "delta": (4000, "FINISHED", {}, {"opt": "sgd"}, {"team": "cv", "note": "x"}),
}


def _seed(api: Api, experiment_id: str) -> Seeded:
    ids: dict[str, str] = {}
    for name, (start, status, metrics, params, tags) in SEED.items():
        run_id = api.create_run(experiment_id, run_name=name, start_time=start)["info"]["run_id"]
        ids[name] = run_id
        api.ok(
            "POST",
            "/runs/log-batch",
            {
                "run_id": run_id,
                "metrics": [
                    {"key": k, "value": v, "timestamp": 1, "step": 0} for k, v in metrics.items()
                ],
                "params": [{"key": k, "value": v} for k, v in params.items()],
                "tags": [{"key": k, "value": v} for k, v in tags.items()],
            },
        )
        if status != "RUNNING":
            api.ok(
                "POST",
                "/runs/update",
                {"run_id": run_id, "status": status, "end_time": start + 500},
            )
    return Seeded(experiment_id, ids)


@pytest.fixture()
def seeded(api: Api, experiment_id: str) -> Seeded:
    return _seed(api, experiment_id)


def _search(api: Api, seeded: Seeded, **body: Any) -> list[str]:
    """Run names in the order the server returned them."""
    page = api.ok("POST", "/runs/search", {"experiment_ids": [seeded.experiment_id], **body})
    return [r["info"]["run_name"] for r in page.get("runs", [])]


def _filtered(api: Api, seeded: Seeded, filter_string: str) -> set[str]:
    return set(_search(api, seeded, filter=filter_string))


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("metrics.acc > 0.6", {"alpha", "gamma"}),
        ("metrics.acc <= 0.7", {"beta", "gamma"}),
        ("metrics.acc = 0.5", {"beta"}),
        ("metrics.acc != 0.5", {"alpha", "gamma"}),
        ("metric.loss >= 0.1 AND metrics.acc < 0.8", {"gamma"}),
        ("metrics.missing > 0", set()),
        ("params.lr = '0.1'", {"alpha", "gamma"}),
        ("params.lr != '0.1'", {"beta"}),
        ("params.opt LIKE 'adam%'", {"beta"}),
        ("params.opt ILIKE 'adam%'", {"alpha", "beta"}),
        ("param.opt LIKE '_gd'", {"delta"}),
        ("params.lr IS NULL", {"delta"}),
        ("params.opt IS NOT NULL", {"alpha", "beta", "delta"}),
        ("tags.team = 'cv'", {"alpha", "delta"}),
        ("tags.team != 'cv'", {"beta"}),
        ("tags.team IS NULL", {"gamma"}),
        ("tags.`mlflow.runName` = 'beta'", {"beta"}),
        ("tags.\"mlflow.runName\" LIKE '%mm%'", {"gamma"}),
        ("attributes.status = 'FINISHED'", {"alpha", "delta"}),
        ("status != 'FINISHED'", {"beta", "gamma"}),
        ("attributes.run_name = 'gamma'", {"gamma"}),
        ("run_name ILIKE '%ta'", {"beta", "delta"}),
        ("attributes.start_time >= 2000 AND attributes.start_time < 4000", {"beta", "gamma"}),
        ("created > 3000", {"delta"}),
        ("attributes.end_time > 1500", {"beta", "delta"}),
        ("metrics.acc > 0.6 and params.lr = '0.1' and tags.team = 'cv'", {"alpha"}),
    ],
)
def test_filters(api: Api, seeded: Seeded, filter_string: str, expected: set[str]) -> None:
    assert _filtered(api, seeded, filter_string) == expected


def test_filter_run_id_in_list(api: Api, seeded: Seeded) -> None:
    wanted = [seeded.ids["alpha"], seeded.ids["delta"]]
    quoted = ", ".join(f"'{run_id}'" for run_id in wanted)
    assert _filtered(api, seeded, f"attributes.run_id IN ({quoted})") == {"alpha", "delta"}
    assert _filtered(api, seeded, f"attributes.run_id NOT IN ({quoted})") == {"beta", "gamma"}
    assert _filtered(api, seeded, f"run_id = '{seeded.ids['beta']}'") == {"beta"}


def test_filter_on_datasets(api: Api, seeded: Seeded) -> None:
    def log_dataset(run: str, name: str, context: str) -> None:
        api.ok(
            "POST",
            "/runs/log-inputs",
            {
                "run_id": seeded.ids[run],
                "datasets": [
                    {
                        "tags": [{"key": "mlflow.data.context", "value": context}],
                        "dataset": {
                            "name": name,
                            "digest": f"{name}-digest",
                            "source_type": "local",
                            "source": "{}",
                        },
                    }
                ],
            },
        )

    log_dataset("alpha", "iris", "training")
    log_dataset("beta", "mnist", "eval")
    log_dataset("gamma", "iris", "eval")
    assert _filtered(api, seeded, "datasets.name = 'iris'") == {"alpha", "gamma"}
    assert _filtered(api, seeded, "dataset.name LIKE 'mn%'") == {"beta"}
    assert _filtered(api, seeded, "datasets.name IN ('mnist', 'other')") == {"beta"}
    assert _filtered(api, seeded, "datasets.digest = 'iris-digest'") == {"alpha", "gamma"}
    assert _filtered(api, seeded, "datasets.context = 'eval'") == {"beta", "gamma"}


def test_default_order_is_start_time_desc(api: Api, seeded: Seeded) -> None:
    assert _search(api, seeded) == ["delta", "gamma", "beta", "alpha"]


def test_order_by_metric_puts_runs_without_it_last(api: Api, seeded: Seeded) -> None:
    assert _search(api, seeded, order_by=["metrics.acc DESC"]) == [
        "alpha",
        "gamma",
        "beta",
        "delta",
    ]
    assert _search(api, seeded, order_by=["metrics.acc ASC"]) == ["beta", "gamma", "alpha", "delta"]
    assert _search(api, seeded, order_by=["metrics.acc"]) == ["beta", "gamma", "alpha", "delta"]
    # Missing loss (beta, delta) sorts last; they tie, so start_time DESC breaks the tie.
    assert _search(api, seeded, order_by=["metrics.loss DESC"]) == [
        "gamma",
        "alpha",
        "delta",
        "beta",
    ]


def test_order_by_metric_puts_nan_after_numbers_and_missing_last(
    api: Api, experiment_id: str
) -> None:
    """MLflow's SQL store sorts on (is-NaN -> 1, missing -> 2, else 0) first, in both directions."""
    names = {}
    for name, start, value in (
        ("one", 4000, 1.0),
        ("nan", 1000, "NaN"),
        ("three", 2000, 3.0),
        ("none", 3000, None),
    ):
        run_id = api.create_run(experiment_id, run_name=name, start_time=start)["info"]["run_id"]
        names[run_id] = name
        if value is not None:
            api.ok(
                "POST",
                "/runs/log-metric",
                {"run_id": run_id, "key": "score", "value": value, "timestamp": 1},
            )

    def ordered(direction: str) -> list[str]:
        body = {"experiment_ids": [experiment_id], "order_by": [f"metrics.score {direction}"]}
        page = api.ok("POST", "/runs/search", body)
        return [names[r["info"]["run_id"]] for r in page["runs"]]

    assert ordered("DESC") == ["three", "one", "nan", "none"]
    assert ordered("ASC") == ["one", "three", "nan", "none"]


def test_order_by_params_tags_and_attributes(api: Api, seeded: Seeded) -> None:
    assert _search(api, seeded, order_by=["params.opt ASC"]) == ["alpha", "beta", "delta", "gamma"]
    assert _search(api, seeded, order_by=["params.lr DESC"]) == ["gamma", "alpha", "beta", "delta"]
    assert _search(api, seeded, order_by=["tags.team ASC", "attributes.start_time ASC"]) == [
        "alpha",
        "delta",
        "beta",
        "gamma",
    ]
    assert _search(api, seeded, order_by=["attributes.start_time ASC"]) == [
        "alpha",
        "beta",
        "gamma",
        "delta",
    ]
    assert _search(api, seeded, order_by=["run_name DESC"]) == ["gamma", "delta", "beta", "alpha"]
    assert _search(api, seeded, order_by=["attributes.status", "start_time DESC"]) == [
        "beta",
        "delta",
        "alpha",
        "gamma",
    ]


def test_view_types(api: Api, seeded: Seeded) -> None:
    api.ok("POST", "/runs/delete", {"run_id": seeded.ids["beta"]})
    assert set(_search(api, seeded)) == {"alpha", "gamma", "delta"}
    assert set(_search(api, seeded, run_view_type="ACTIVE_ONLY")) == {"alpha", "gamma", "delta"}
    assert _search(api, seeded, run_view_type="DELETED_ONLY") == ["beta"]
    assert set(_search(api, seeded, run_view_type="ALL")) == set(SEED)


def test_search_across_experiments(api: Api, seeded: Seeded) -> None:
    other = api.create_experiment()
    extra = api.create_run(other, run_name="elsewhere")["info"]["run_id"]
    page = api.ok(
        "POST",
        "/runs/search",
        {"experiment_ids": [seeded.experiment_id, other], "max_results": 100},
    )
    assert {r["info"]["run_id"] for r in page["runs"]} == {*seeded.ids.values(), extra}


def test_search_results_are_full_runs(api: Api, seeded: Seeded) -> None:
    page = api.ok(
        "POST",
        "/runs/search",
        {"experiment_ids": [seeded.experiment_id], "filter": "run_name = 'alpha'"},
    )
    (run,) = page["runs"]
    assert {m["key"]: m["value"] for m in run["data"]["metrics"]} == {"acc": 0.9, "loss": 0.1}
    assert {p["key"]: p["value"] for p in run["data"]["params"]} == {"lr": "0.1", "opt": "Adam"}
    assert {t["key"]: t["value"] for t in run["data"]["tags"]}["team"] == "cv"
    assert run["info"]["status"] == "FINISHED"


def test_paging_walks_all_runs_once(api: Api, experiment_id: str) -> None:
    created = [
        api.create_run(experiment_id, start_time=1000 + i)["info"]["run_id"] for i in range(11)
    ]
    ids, pages = search_all_runs(api, {"experiment_ids": [experiment_id]}, 4)
    assert pages == 3
    assert ids == created[::-1]
    ids, pages = search_all_runs(
        api, {"experiment_ids": [experiment_id], "order_by": ["attributes.start_time ASC"]}, 5
    )
    assert pages == 3
    assert ids == created


def test_paging_with_equal_sort_keys_is_stable(api: Api, experiment_id: str) -> None:
    created = {api.create_run(experiment_id, start_time=1000)["info"]["run_id"] for _ in range(9)}
    ids, pages = search_all_runs(api, {"experiment_ids": [experiment_id]}, 2)
    assert pages == 5
    assert len(ids) == len(set(ids)) == 9
    assert set(ids) == created


def test_page_token_is_stable_under_inserts(api: Api, experiment_id: str) -> None:
    original = [
        api.create_run(experiment_id, start_time=1000 * (i + 1))["info"]["run_id"] for i in range(6)
    ]
    expected = original[::-1]  # start_time DESC
    body = {"experiment_ids": [experiment_id], "max_results": 3}
    first = api.ok("POST", "/runs/search", body)
    page1 = [r["info"]["run_id"] for r in first["runs"]]
    assert page1 == expected[:3]
    # New runs that sort before everything already returned.
    newcomers = {
        api.create_run(experiment_id, start_time=100_000 + i)["info"]["run_id"] for i in range(3)
    }
    second = api.ok("POST", "/runs/search", {**body, "page_token": first["next_page_token"]})
    page2 = [r["info"]["run_id"] for r in second["runs"]]
    assert not set(page2) & set(page1), "a run was returned twice"
    assert not set(page2) & newcomers
    assert page1 + page2 == expected, "a run of the original set was skipped"
    assert not second.get("next_page_token")
    # A fresh search sees the newcomers.
    fresh = api.ok("POST", "/runs/search", {"experiment_ids": [experiment_id], "max_results": 100})
    assert {r["info"]["run_id"] for r in fresh["runs"]} == set(original) | newcomers


def test_max_results_bounds(api: Api, experiment_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/search",
        {"experiment_ids": [experiment_id], "max_results": 50001},
    )
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/search",
        {"experiment_ids": [experiment_id], "max_results": 0},
    )
    page = api.ok("POST", "/runs/search", {"experiment_ids": [experiment_id], "max_results": 50000})
    assert page.get("runs", []) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"filter": "metrics.acc >> 1"},
        {"filter": "this is not a filter"},
        {"filter": "metrics.acc > 'high'"},
        {"filter": "params.lr = 0.1"},
        {"filter": "tags.team = 'cv' OR tags.team = 'nlp'"},
        {"filter": "attributes.nonsense = 'x'"},
        {"filter": "unknown_entity.x = 'y'"},
        {"filter": "params.lr IN ('0.1')"},
        {"filter": "metrics.acc > 0.5 AND"},
        {"order_by": ["metrics.acc SIDEWAYS"]},
        {"order_by": ["attributes.nonsense"]},
        {"order_by": ["metrics.acc", "metrics.acc DESC"]},
        {"run_view_type": "SOMETIMES"},
        {"page_token": "%%%not-a-token"},
        {"experiment_ids": ["not-a-number"]},
    ],
)
def test_bad_search_requests_are_400(api: Api, experiment_id: str, bad: dict[str, Any]) -> None:
    body = {"experiment_ids": [experiment_id], **bad}
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", "/runs/search", body)
