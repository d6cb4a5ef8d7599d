"""What the operator commands share: the server they talk to, who calls, output and errors.

Credentials come only from the environment (``MLFLOW_TRACKING_USERNAME`` and
``MLFLOW_TRACKING_PASSWORD``, or ``MLFLOW_TRACKING_TOKEN``) and new secrets only from a
prompt or standard input: nothing secret ever travels on the command line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from atrium.client import DEFAULT_TRACKING_URI, HttpClient
from atrium.errors import AtriumError, Unauthenticated

F = TypeVar("F", bound=Callable[..., Any])

TRACKING_URI_VARIABLES = ("ATRIUM_TRACKING_URI", "MLFLOW_TRACKING_URI")
WORKSPACE_VARIABLE = "MLFLOW_WORKSPACE"
_CREDENTIALS_HINT = (
    "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
)


def tracking_uri_option(func: F) -> F:
    """``--tracking-uri``: the running server to talk to."""
    return click.option(
        "--tracking-uri",
        envvar=list(TRACKING_URI_VARIABLES),
        default=DEFAULT_TRACKING_URI,
        show_default=True,
        help="URL of the running server (env: ATRIUM_TRACKING_URI or MLFLOW_TRACKING_URI).",
    )(func)


def workspace_option(help_text: str) -> Callable[[F], F]:
    """``--workspace`` (env ``MLFLOW_WORKSPACE``), described by ``help_text``."""
    return click.option(
        "--workspace",
        envvar=WORKSPACE_VARIABLE,
        default=None,
        help=f"{help_text} (env: {WORKSPACE_VARIABLE}).",
    )


def json_option(func: F) -> F:
    """``--json``: machine-readable output on standard output."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(
        func
    )


def _one_line(error: AtriumError) -> str:
    message = " ".join(error.message.split()) or error.error_code
    if isinstance(error, Unauthenticated):
        return f"{message} ({_CREDENTIALS_HINT})"
    return message


@contextmanager
def connect(tracking_uri: str, workspace: str | None = None) -> Iterator[HttpClient]:
    """A client for the server; any Atrium error inside becomes one ``Error:`` line, exit 1."""
    try:
        with HttpClient(tracking_uri, workspace=workspace) as http:
            yield http
    except AtriumError as error:
        raise click.ClickException(_one_line(error)) from None


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Columns aligned on the widest cell; ``None`` shows as ``-``."""
    cells = [[("-" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for row in [list(headers), *cells]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def format_time(epoch_ms: int | None) -> str | None:
    """Milliseconds since the epoch as UTC, to the second."""
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def read_secret_line(what: str) -> str:
    """The first line of standard input, without its line ending.

    Raises:
        click.ClickException: standard input is empty or its first line is.
    """
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException(f"No {what} on standard input.")
    return line


def prompt_new_secret(what: str) -> str:
    """Ask twice, hidden; refuse when the two answers differ."""
    first: str = click.prompt(what.capitalize(), hide_input=True, err=True)
    second: str = click.prompt(f"Repeat {what}", hide_input=True, err=True)
    if first != second:
        raise click.ClickException(f"The two {what}s do not match.")
    return first
