"""Every mounted ``/api/2.0`` and ``/api/3.0`` route is exercised by some integration test.

The in-process servers record the route template of every request they serve
(``tests/support/inprocess.py``); the conftest moves this module's check behind all other tests.
``/ajax-api`` twins and utility routes outside ``/api`` are not required.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import COVERAGE_RUN, LOGGED_MODELS, Api
from tests.support.inprocess import exercised_routes, mounted_routes

REQUIRED_PREFIXES = ("/api/2.0/", "/api/3.0/")


def test_recorder_notes_route_templates_not_concrete_paths(api: Api) -> None:
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{LOGGED_MODELS}/m-0123456789abcdef")
    unknown = api.http.get("/api/2.0/mlflow/no-such-endpoint-for-coverage")
    assert unknown.status_code == 404
    seen = exercised_routes()
    assert ("GET", f"{LOGGED_MODELS}/{{model_id}}") in seen
    assert not any("m-0123456789abcdef" in path for _, path in seen)
    assert not any("no-such-endpoint-for-coverage" in path for _, path in seen)


def test_every_api_route_is_exercised(request: pytest.FixtureRequest) -> None:
    partial = request.config.stash[COVERAGE_RUN].partial_reasons()
    if partial:
        pytest.skip(
            "route coverage is only judged on a full integration run: " + "; ".join(partial)
        )
    assert request.session.items[-1] is request.node, "the coverage check must run last"
    mounted = {key for key in mounted_routes() if key[1].startswith(REQUIRED_PREFIXES)}
    assert mounted, "no in-process server was started, so no routes were recorded"
    missing = sorted(mounted - exercised_routes(), key=lambda key: (key[1], key[0]))
    report = "\n".join(f"  {method:6} {path}" for method, path in missing)
    assert not missing, (
        f"{len(missing)} of {len(mounted)} mounted API routes were never exercised by an "
        f"integration test:\n{report}"
    )
