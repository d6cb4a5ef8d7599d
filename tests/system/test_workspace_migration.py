"""``atrium db migrate-to-default-workspace`` and ``atrium db check-artifact-roots``.

Data is created through the real app (served in-process, workspaces on), then the commands
run as operators run them: real processes, real exit codes, a real prompt on stdin.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.server_process import AtriumProcess
from tests.support.workspace_helpers import (
    BACKENDS,
    WorkspaceApi,
    error_line,
    fresh_database,
    inprocess_api,
    run_atrium,
    server_env,
    sqlite_execute,
    sqlite_path,
)
from tests.support.workspace_helpers import workspace_counts as _workspace_counts

MIGRATE = "migrate-to-default-workspace"
DRY_RUN_HEADER = "Dry run completed. Rows that would be moved to the default workspace:"
PROMPT = "Proceed with migration? [y/N]:"
SCOPED_TABLES = ("experiments", "registered_models", "runs", "logged_models")
COUNT_LINE = re.compile(r"^  ([a-z_]+): (\d+)$")
TOTAL_LINE = re.compile(r"^Total rows: (\d+)$")


@dataclass(frozen=True)
class Report:
    counts: dict[str, int]
    total: int


def _report(stdout: str, header: str) -> Report:
    """The per-table lines and the total that follow ``header``."""
    lines = stdout.splitlines()
    assert header in lines, stdout
    counts: dict[str, int] = {}
    for line in lines[lines.index(header) + 1 :]:
        if match := COUNT_LINE.match(line):
            counts[match.group(1)] = int(match.group(2))
            continue
        total = TOTAL_LINE.match(line)
        assert total is not None, f"unexpected line {line!r} in:\n{stdout}"
        assert int(total.group(1)) == sum(counts.values()), stdout
        return Report(counts, int(total.group(1)))
    raise AssertionError(f"no 'Total rows:' line in:\n{stdout}")


def _counts(uri: str) -> dict[str, dict[str, int]]:
    return _workspace_counts(uri, SCOPED_TABLES)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as uri:
        yield uri


@dataclass(frozen=True)
class Populated:
    """Ids of what was created outside ``default``."""

    run_ids: list[str]
    logged_model_id: str


def _populate_teams(api: WorkspaceApi) -> Populated:
    """Outside ``default``: 3 experiments, 3 runs, 1 logged model and 2 registered models;
    inside: 1 experiment (plus experiment 0), 1 run and 1 registered model."""
    api.create_workspace("team-a")
    api.create_workspace("team-b")
    run_ids: list[str] = []
    experiment_ids: list[str] = []
    for workspace, name in (
        (None, "kept-in-default"),
        ("team-a", "a-first"),
        ("team-a", "a-second"),
        ("team-b", "b-only"),
    ):
        experiment_ids.append(api.create_experiment(workspace, name))
        run_ids.append(api.create_run(workspace, experiment_ids[-1]))
    model_id = api.create_logged_model("team-a", experiment_ids[1], "a-model")
    api.create_registered_model(None, "model-default")
    api.create_registered_model("team-a", "model-a")
    api.create_registered_model("team-b", "model-b")
    return Populated(run_ids[1:], model_id)


@pytest.fixture
def teams_database(database: str, tmp_path: Path) -> tuple[str, Populated]:
    with inprocess_api(database, tmp_path, enable_workspaces=True) as api:
        populated = _populate_teams(api)
    return database, populated


EXPECTED_BEFORE = {
    "experiments": {"default": 2, "team-a": 2, "team-b": 1},  # + experiment 0 in default
    "registered_models": {"default": 1, "team-a": 1, "team-b": 1},
    "runs": {"default": 1, "team-a": 2, "team-b": 1},
    "logged_models": {"team-a": 1},
}


def test_dry_run_prints_the_counts_and_changes_nothing(
    teams_database: tuple[str, Populated],
) -> None:
    uri, _ = teams_database
    assert _counts(uri) == EXPECTED_BEFORE
    result = run_atrium("db", MIGRATE, uri, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == DRY_RUN_HEADER
    report = _report(result.stdout, DRY_RUN_HEADER)
    assert list(report.counts)[:2] == ["registered_models", "experiments"]
    assert report.counts["registered_models"] == 2
    assert report.counts["experiments"] == 3
    assert report.counts.get("runs", 3) == 3
    assert report.counts.get("logged_models", 1) == 1
    assert PROMPT not in result.stdout
    assert _counts(uri) == EXPECTED_BEFORE


def test_declined_prompt_changes_nothing_and_accepted_prompt_moves_everything(
    teams_database: tuple[str, Populated], tmp_path: Path
) -> None:
    uri, populated = teams_database
    declined = run_atrium("db", MIGRATE, uri, stdin="n\n")
    error_line(declined)
    assert PROMPT in declined.stdout
    assert "Moved" not in declined.stdout
    assert _counts(uri) == EXPECTED_BEFORE

    accepted = run_atrium("db", MIGRATE, uri, stdin="y\n")
    assert accepted.returncode == 0, accepted.stderr
    report = _report(accepted.stdout, "Rows to be moved to the default workspace:")
    assert report.counts["experiments"] == 3
    assert report.counts["registered_models"] == 2
    assert PROMPT in accepted.stdout
    assert f"Moved {report.total} rows to the default workspace." in accepted.stdout
    assert _counts(uri) == {
        "experiments": {"default": 5},
        "registered_models": {"default": 3},
        "runs": {"default": 4},
        "logged_models": {"default": 1},
    }

    # With everything in default, the server starts without workspaces and shows it all.
    with AtriumProcess(
        backend_store_uri=uri, artifacts_destination=tmp_path / "artifacts", env=server_env()
    ) as server:
        api = WorkspaceApi(server.url)
        try:
            assert api.search_experiment_names() == [
                "Default",
                "a-first",
                "a-second",
                "b-only",
                "kept-in-default",
            ]
        finally:
            api.close()
        base = f"{server.url}/api/2.0/mlflow"
        models = httpx.get(f"{base}/registered-models/search").json()
        assert sorted(m["name"] for m in models["registered_models"]) == [
            "model-a",
            "model-b",
            "model-default",
        ]
        for run_id in populated.run_ids:
            got = httpx.get(f"{base}/runs/get", params={"run_id": run_id})
            assert got.status_code == 200, got.text
        logged = httpx.get(f"{base}/logged-models/{populated.logged_model_id}")
        assert logged.status_code == 200, logged.text

    again = run_atrium("db", MIGRATE, uri)
    assert again.returncode == 0, again.stderr
    assert "No rows need to be moved." in again.stdout
    assert PROMPT not in again.stdout


def test_yes_flag_moves_without_asking(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    with inprocess_api(uri, tmp_path, enable_workspaces=True) as api:
        _populate_teams(api)
    moved = run_atrium("db", MIGRATE, uri, "-y")
    assert moved.returncode == 0, moved.stderr
    assert PROMPT not in moved.stdout
    report = _report(moved.stdout, "Rows to be moved to the default workspace:")
    assert f"Moved {report.total} rows to the default workspace." in moved.stdout
    assert all(set(rows) == {"default"} for rows in _counts(uri).values())
    nothing = run_atrium("db", MIGRATE, uri, "--yes")
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout.strip() == "No rows need to be moved."


def test_conflicting_experiment_names_abort_with_a_sample(database: str, tmp_path: Path) -> None:
    ids: dict[tuple[str, str], str] = {}
    with inprocess_api(database, tmp_path, enable_workspaces=True) as api:
        api.create_workspace("team-a")
        api.create_experiment("team-a", "unique-to-a")
        for index in range(4):
            for workspace in ("default", "team-a"):
                name = f"dup-{index}"
                ids[name, workspace] = api.create_experiment(workspace, name)
    before = _counts(database)
    expected_rows = [
        f"  name='{name}', workspace='{workspace}', experiment_id={ids[name, workspace]}"
        for name, workspace in sorted(ids)
    ]

    for extra in ((), ("--dry-run",)):
        result = run_atrium("db", MIGRATE, database, *extra)
        line = error_line(result)
        assert line.startswith(
            "Error: Move aborted: merging workspaces would create duplicate experiments with "
            "the same name. "
        ), line
        rows = result.stderr.splitlines()[1:]
        assert rows == [*expected_rows[:5], "  ... (3 more)"], result.stderr
        assert PROMPT not in result.stdout
        assert "Moved" not in result.stdout

    # Not a dry run, no prompt: still refused, with every row listed.
    verbose = run_atrium("db", MIGRATE, database, "--verbose", "-y")
    assert error_line(verbose) == line
    assert verbose.stderr.splitlines()[1:] == expected_rows
    assert "Moved" not in verbose.stdout
    assert _counts(database) == before


def test_conflicting_registered_model_names_abort(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    with inprocess_api(uri, tmp_path, enable_workspaces=True) as api:
        api.create_workspace("team-a")
        api.create_registered_model(None, "model-x")
        api.create_registered_model("team-a", "model-x")
    result = run_atrium("db", MIGRATE, uri, "-y")
    line = error_line(result)
    assert "duplicate registered models with the same name" in line
    assert result.stderr.splitlines()[1:] == [
        "  name='model-x', workspace='default'",
        "  name='model-x', workspace='team-a'",
    ]
    assert _counts(uri)["registered_models"] == {"default": 1, "team-a": 1}


def test_a_database_that_is_not_atrium_is_refused(database: str) -> None:
    if database.startswith("sqlite"):
        sqlite_execute(database, "CREATE TABLE unrelated (x INTEGER)")
    for extra in (("-y",), ("--dry-run",)):
        result = run_atrium("db", MIGRATE, database, *extra)
        line = error_line(result)
        assert "does not have workspaces enabled" in line, line
        assert result.stderr.strip().splitlines() == [line], result.stderr
        assert result.stdout == ""
    if database.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(database)) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        conn.close()
        assert tables == ["unrelated"]


def test_check_artifact_roots_on_a_clean_database(tmp_path: Path) -> None:
    """Experiments already in their own workspace layout are no collisions."""
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    with inprocess_api(uri, tmp_path, enable_workspaces=True) as api:
        _populate_teams(api)
    populated = run_atrium("db", "check-artifact-roots", uri)
    assert populated.returncode == 0, populated.stdout + populated.stderr
    assert "collides" in populated.stdout


def test_check_artifact_roots_lists_experiments_under_the_reserved_layout(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'a.db'}"
    with inprocess_api(uri, tmp_path, enable_workspaces=False) as api:
        api.create_experiment(None, "ordinary")
        proxied = api.create_experiment(
            None, "proxied-collider", "mlflow-artifacts:/workspaces/team-a/9"
        )
        s3 = api.create_experiment(None, "s3-collider", "s3://bucket/root/workspaces/team-b/3")

    result = run_atrium("db", "check-artifact-roots", uri)
    assert result.returncode == 1, result.stdout + result.stderr
    listed = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(listed) == 1, result.stdout
    assert f"experiment_id={proxied}" in listed[0]
    assert "proxied-collider" in listed[0]
    assert "mlflow-artifacts:/workspaces/team-a/9" in listed[0]

    s3_root = run_atrium(
        "db", "check-artifact-roots", uri, "--default-artifact-root", "s3://bucket/root"
    )
    assert s3_root.returncode == 1, s3_root.stdout + s3_root.stderr
    listed = [line for line in s3_root.stdout.splitlines() if line.startswith("  ")]
    assert len(listed) == 1, s3_root.stdout
    assert f"experiment_id={s3}" in listed[0]
    assert "s3-collider" in listed[0]
