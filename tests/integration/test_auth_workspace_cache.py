"""The resource-to-workspace cache of permission checks: bounded, expiring, never widening access.

A resource moved to another workspace out of band keeps its cached owner until the TTL runs
out; the handler still looks it up in the request workspace, so the stale entry cannot show or
change it there, and after the TTL the move is seen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from atrium.services.auth.resources import ResourceResolver
from atrium.services.experiments import ensure_default_experiment
from atrium.services.locations import ArtifactLocations
from atrium.stores.sql import migrate
from atrium.stores.sql.database import Database
from atrium.stores.sql.unit_of_work import SqlUnitOfWork
from tests.support.auth_helpers import (
    API,
    ROLES,
    AuthServer,
    Site,
    admin_token,
    assert_denied,
    serve_auth,
    unique_name,
)
from tests.support.workspace_helpers import fresh_database, sqlalchemy_url

TTL_SECONDS = 2


@pytest.fixture(scope="module")
def short_cache_server(
    backend_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AuthServer]:
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    folder = tmp_path_factory.mktemp(f"auth-cache-{backend}")
    with (
        fresh_database(backend, folder) as uri,
        serve_auth(
            backend,
            uri,
            folder,
            uri,
            enable_workspaces=True,
            workspace_cache_ttl_seconds=str(TTL_SECONDS),
            workspace_cache_max_size="100",
        ) as server,
    ):
        yield server


def _move(server: AuthServer, experiment_id: str, workspace: str) -> None:
    """Move an experiment and its runs behind the server's back."""
    engine = sa.create_engine(sqlalchemy_url(server.backend_uri))
    try:
        with engine.begin() as conn:
            for table in ("experiments", "runs"):
                conn.execute(
                    sa.text(f"UPDATE {table} SET workspace = :ws WHERE experiment_id = :id"),
                    {"ws": workspace, "id": int(experiment_id)},
                )
    finally:
        engine.dispose()


def test_a_moved_experiment_is_never_reachable_through_a_stale_entry(
    short_cache_server: AuthServer,
) -> None:
    site = Site(short_cache_server, admin_token(short_cache_server))
    try:
        team_a, team_b = site.team("cache-a"), site.team("cache-b")
        owner = site.person("owner", team_a.user_role)
        as_owner_a = site.as_(owner, team_a.name)
        experiment_id = as_owner_a.create_experiment(unique_name("moving"))
        assert as_owner_a.ok("GET", f"{API}/experiments/get", experiment_id=experiment_id)

        _move(short_cache_server, experiment_id, team_b.name)

        # Cached as team-a's: the owner's team-a grant passes the check, the lookup does not.
        stale = as_owner_a.call("GET", f"{API}/experiments/get", {"experiment_id": experiment_id})
        assert stale.status_code == 404, stale.text
        update = {"experiment_id": experiment_id, "new_name": unique_name("stolen")}
        assert as_owner_a.call("POST", f"{API}/experiments/update", update).status_code == 404
        # In team-b the owner holds nothing.
        as_owner_b = site.as_(owner, team_b.name)
        assert_denied(
            as_owner_b.call("GET", f"{API}/experiments/get", {"experiment_id": experiment_id})
        )

        # A team-b member's grant applies once the move is seen (after the TTL).
        reader = site.person("reader", team_b.user_role)
        site.grant(team_b.name, reader.username, "experiment", experiment_id, "READ")
        as_reader = site.as_(reader, team_b.name)
        found = as_reader.ok("GET", f"{API}/experiments/get", experiment_id=experiment_id)
        assert found["experiment"]["workspace"] == team_b.name
        time.sleep(TTL_SECONDS + 0.5)
        assert_denied(
            as_owner_a.call("GET", f"{API}/experiments/get", {"experiment_id": experiment_id})
        )
        roles = site.admin().ok("GET", f"{ROLES}/list", workspace=team_b.name)["roles"]
        assert {r["name"] for r in roles} >= {"admin", "user"}
    finally:
        site.close()


def test_the_resolver_is_bounded_and_expires(backend_uri: str, tmp_path: Path) -> None:
    backend = "sqlite" if backend_uri.startswith("sqlite") else "postgresql"
    with fresh_database(backend, tmp_path) as uri:
        database = Database.from_uri(uri)
        try:
            migrate.upgrade(database.engine)
            uow = SqlUnitOfWork(database)
            ensure_default_experiment(uow, ArtifactLocations("mlflow-artifacts:/"))
            resolver = ResourceResolver(uow, max_size=2, ttl_seconds=0.3)
            assert resolver.experiment("default", "not-a-number") is None
            assert resolver.experiment("team-x", "0") is None
            assert resolver.experiment("default", "0") == "0"
            # Three entries in a cache of two: the oldest made room.
            assert len(resolver._cache) == 2
            with database.engine.begin() as conn:
                conn.execute(sa.text("UPDATE experiments SET workspace = 'team-x'"))
            assert resolver.experiment("default", "0") == "0"  # still cached
            time.sleep(0.4)
            assert resolver.experiment("default", "0") is None
            assert resolver.experiment("team-x", "0") == "0"
        finally:
            database.dispose()
