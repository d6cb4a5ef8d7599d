"""Basic-auth mode of the benchmark (`run.py --auth`): server config, bench user, credentials.

Both servers read the same ini keys; each server start gets its own, fresh auth database next to
its tracking database. The workloads then run as the non-admin user BENCH_USER, so every request
goes through authentication and a permission check.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

from httpclient import HttpClient

APP_NAME = "basic-auth"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "bench-admin-password-2718"
BENCH_USER = "bench-user"
BENCH_PASSWORD = "bench-user-password-3141"
DEFAULT_PERMISSION = "READ"
# Both servers read `auth_cache_ttl_seconds`; MLflow's default (0) re-checks the password hash
# (deliberately slow) on every request, Atrium keeps verified credentials briefly regardless.
CACHE_TTL_S = 600
USERS_CREATE = "/api/2.0/mlflow/users/create"
PROBE = "/api/2.0/mlflow/experiments/search"  # any guarded read: 401 without credentials


def basic_header(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


ADMIN_HEADERS = basic_header(ADMIN_USER, ADMIN_PASSWORD)
USER_HEADERS = basic_header(BENCH_USER, BENCH_PASSWORD)


def write_config(workdir: Path, kind: str, cache_ttl: int) -> Path:
    """The ini file of one server start; its auth DB is `<kind>-auth.db` in `workdir`.

    (The name does not start with `<kind>.db`, so copying a seeded workdir never carries it.)
    """
    db = (workdir / f"{kind}-auth.db").resolve()
    path = workdir / "basic_auth.ini"
    path.write_text(
        "[mlflow]\n"
        f"default_permission = {DEFAULT_PERMISSION}\n"
        f"database_uri = sqlite:///{db}\n"
        f"admin_username = {ADMIN_USER}\n"
        f"admin_password = {ADMIN_PASSWORD}\n"
        f"auth_cache_ttl_seconds = {cache_ttl}\n"
    )
    return path


def server_env(workdir: Path, kind: str, cache_ttl: int = CACHE_TTL_S) -> dict[str, str]:
    """Environment additions that turn on basic-auth for a server of `kind`."""
    config = str(write_config(workdir, kind, cache_ttl))
    if kind == "atrium":
        return {"ATRIUM_AUTH_CONFIG_PATH": config}
    # MLflow's auth app refuses to start without a Flask secret key.
    return {
        "MLFLOW_AUTH_CONFIG_PATH": config,
        "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
    }


def _status(client: HttpClient, headers: dict[str, str]) -> int:
    return client.request("GET", PROBE, params={"max_results": 1}, headers=headers).status


def prepare(base_url: str, client_kind: str) -> None:
    """As admin, create BENCH_USER; then check that auth is really on and the user can log in."""
    with HttpClient(base_url, kind=client_kind, timeout=30.0) as c:
        body = json.dumps({"username": BENCH_USER, "password": BENCH_PASSWORD}).encode()
        resp = c.request("POST", USERS_CREATE, body=body, headers=ADMIN_HEADERS)
        if resp.status != 200:
            raise RuntimeError(f"creating {BENCH_USER} failed: HTTP {resp.status}: "
                               f"{resp.body[:300]!r}")  # fmt: skip
        anonymous, user = _status(c, {}), _status(c, USER_HEADERS)
    if anonymous != 401 or user != 200:
        raise RuntimeError(
            f"basic-auth not effective: GET {PROBE} answered {anonymous} without credentials "
            f"(want 401) and {user} as {BENCH_USER} (want 200)"
        )
