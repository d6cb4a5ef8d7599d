"""The ``atrium`` command."""

from __future__ import annotations

import click

from atrium import __version__
from atrium.cli.db import db
from atrium.cli.permissions import permissions
from atrium.cli.server import server
from atrium.cli.tokens import tokens
from atrium.cli.users import users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="atrium")
def cli() -> None:
    """Atrium: an MLflow-compatible tracking server and model registry."""


cli.add_command(server)
cli.add_command(db)
cli.add_command(users)
cli.add_command(tokens)
cli.add_command(permissions)


def main() -> None:
    cli()
