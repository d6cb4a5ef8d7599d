"""``atrium server``: the tracking server, with MLflow's flags (each also an ATRIUM_* variable)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from atrium.errors import AtriumError
from atrium.server.settings import Settings

_ENV_NAMES = {
    "backend_store_uri": "ATRIUM_BACKEND_STORE_URI",
    "default_artifact_root": "ATRIUM_DEFAULT_ARTIFACT_ROOT",
    "serve_artifacts": "ATRIUM_SERVE_ARTIFACTS",
    "artifacts_destination": "ATRIUM_ARTIFACTS_DESTINATION",
    "host": "ATRIUM_HOST",
    "port": "ATRIUM_PORT",
    "workers": "ATRIUM_WORKERS",
    "enable_workspaces": "ATRIUM_ENABLE_WORKSPACES",
    "workspace_store_uri": "ATRIUM_WORKSPACE_STORE_URI",
    "app_name": "ATRIUM_APP_NAME",
    "auth_config_path": "ATRIUM_AUTH_CONFIG_PATH",
}
_DEFAULTS = Settings.model_construct()
# Where a setting can come from besides its flag, for error messages.
_VARIABLES = {
    "ATRIUM_ENABLE_WORKSPACES": ("ATRIUM_ENABLE_WORKSPACES", "MLFLOW_ENABLE_WORKSPACES"),
    "enable_workspaces": ("ATRIUM_ENABLE_WORKSPACES", "MLFLOW_ENABLE_WORKSPACES"),
}


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _check_backend(settings: Settings) -> None:
    """Open and migrate the database, and run the start-up checks, before binding the port."""
    from atrium.server.app import build_state, open_database

    try:
        database = open_database(settings)
        try:
            build_state(settings, database)
        finally:
            database.dispose()
    except AtriumError as exc:
        _fail(exc.message)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"cannot open backend store '{settings.backend_store_uri}': {first_line}")


@click.command()
@click.option(
    "--backend-store-uri",
    envvar=_ENV_NAMES["backend_store_uri"],
    default=_DEFAULTS.backend_store_uri,
    show_default=True,
    help="sqlite:///<path> or postgresql://user@host/db",
)
@click.option(
    "--default-artifact-root",
    envvar=_ENV_NAMES["default_artifact_root"],
    default=None,
    help="Root for new experiments' artifacts (default: mlflow-artifacts:/ when proxying).",
)
@click.option(
    "--serve-artifacts/--no-serve-artifacts",
    envvar=_ENV_NAMES["serve_artifacts"],
    default=True,
    show_default=True,
    help="Proxy artifact uploads and downloads.",
)
@click.option(
    "--artifacts-destination",
    envvar=_ENV_NAMES["artifacts_destination"],
    default=_DEFAULTS.artifacts_destination,
    show_default=True,
    help="Where proxied artifacts are stored.",
)
@click.option("--host", "-h", envvar=_ENV_NAMES["host"], default=_DEFAULTS.host, show_default=True)
@click.option(
    "--port", "-p", envvar=_ENV_NAMES["port"], default=_DEFAULTS.port, show_default=True, type=int
)
@click.option(
    "--workers",
    "-w",
    envvar=_ENV_NAMES["workers"],
    default=_DEFAULTS.workers,
    show_default=True,
    type=click.IntRange(1, 64),
)
@click.option(
    "--enable-workspaces/--disable-workspaces",
    default=None,
    help="Multi-tenant workspaces (default: ATRIUM_ENABLE_WORKSPACES or MLFLOW_ENABLE_WORKSPACES).",
)
@click.option(
    "--workspace-store-uri",
    default=None,
    help="Workspace provider URI (default: the backend store). Env: ATRIUM_WORKSPACE_STORE_URI.",
)
@click.option(
    "--app-name",
    type=click.Choice(["basic-auth"]),
    envvar="ATRIUM_APP_NAME",
    default=None,
    help="basic-auth: require users or access tokens; config from ATRIUM_AUTH_CONFIG_PATH.",
)
def server(**options: Any) -> None:
    """Run the tracking server."""
    import uvicorn

    settings = _settings(options)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    _check_backend(settings)
    _export_for_workers(settings)
    _log_where_data_lives(settings)
    # uvicorn shuts down gracefully, then re-raises SIGTERM to the previous handler: make that
    # handler end the process with status 0 rather than dying by the signal.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        "atrium.server.asgi:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_level="info",
    )


def _settings(options: dict[str, Any]) -> Settings:
    """Flags win; flags left unset (None) fall back to the environment."""
    given = {name: value for name, value in options.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        names = " or ".join(_VARIABLES.get(str(first["loc"][0]), (str(first["loc"][0]),)))
        _fail(f"invalid value for {names}: {first['msg']}")
    if settings.workspace_store_uri and not settings.enable_workspaces:
        click.echo(
            "Ignoring --workspace-store-uri because workspaces are not enabled. "
            "Use --enable-workspaces to activate workspace mode.",
            err=True,
        )
    return settings


def _export_for_workers(settings: Settings) -> None:
    """Workers rebuild their settings from the environment: hand them the resolved values."""
    for field, env_name in _ENV_NAMES.items():
        value = getattr(settings, field)
        if value is not None:
            os.environ[env_name] = str(value)


def _log_where_data_lives(settings: Settings) -> None:
    log = logging.getLogger("atrium.server")
    log.info("backend store: %s", settings.backend_store_uri)
    log.info("artifact root for new experiments: %s", settings.resolved_artifact_root())
    log.info("workspaces: %s", "enabled" if settings.enable_workspaces else "disabled")
    if settings.serve_artifacts:
        log.info("proxied artifacts stored in: %s", os.path.abspath(settings.artifacts_destination))
