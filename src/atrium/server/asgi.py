"""Entry point uvicorn workers import: the app built from ``ATRIUM_*`` settings."""

from __future__ import annotations

from fastapi import FastAPI

from atrium.server.app import create_app
from atrium.server.settings import Settings


def app_from_environment() -> FastAPI:
    return create_app(Settings())
