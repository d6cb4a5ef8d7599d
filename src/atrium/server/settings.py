"""Server settings: the only module that reads the environment (``ATRIUM_*`` variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path("atrium-data")


def _strict_bool(value: object) -> object:
    """MLflow's boolean variables take true/false/1/0 only; anything else is a mistake."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(f"expected true, false, 1 or 0, got {value!r}")
    return value


StrictBool = Annotated[bool, BeforeValidator(_strict_bool)]


class Settings(BaseSettings):
    """Everything ``create_app`` needs; CLI flags override the environment."""

    model_config = SettingsConfigDict(env_prefix="ATRIUM_", extra="ignore", populate_by_name=True)

    backend_store_uri: str = f"sqlite:///{DATA_DIR / 'atrium.db'}"
    default_artifact_root: str | None = None
    serve_artifacts: bool = True
    artifacts_destination: str = str(DATA_DIR / "artifacts")
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    enable_workspaces: StrictBool = Field(
        default=False,
        validation_alias=AliasChoices("ATRIUM_ENABLE_WORKSPACES", "MLFLOW_ENABLE_WORKSPACES"),
    )
    workspace_store_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ATRIUM_WORKSPACE_STORE_URI", "MLFLOW_WORKSPACE_STORE_URI"),
    )
    app_name: str | None = None
    auth_config_path: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ATRIUM_AUTH_CONFIG_PATH", "MLFLOW_AUTH_CONFIG_PATH"),
    )
    # A client-side setting; a server that finds it in its environment refuses to start.
    client_workspace: str | None = Field(
        default=None, validation_alias=AliasChoices("ATRIUM_WORKSPACE", "MLFLOW_WORKSPACE")
    )

    def resolved_artifact_root(self) -> str:
        """The root new experiments live under: the proxy scheme, or a plain location."""
        if self.default_artifact_root:
            return self.default_artifact_root
        if self.serve_artifacts:
            return "mlflow-artifacts:/"
        return str(Path(self.artifacts_destination).resolve())
