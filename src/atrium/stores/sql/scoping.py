"""The one place that confines a query to a workspace.

Every read or write of a workspace-scoped table goes through :func:`in_workspace`, so an object
of another workspace is indistinguishable from a missing one.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import sqlalchemy as sa

S = TypeVar("S", bound="sa.Select[Any] | sa.Update | sa.Delete")


def in_workspace(statement: S, table: sa.Table, workspace: str | sa.BindParameter[str]) -> S:
    """Add ``table.workspace = workspace`` to a select, update or delete."""
    return cast(S, statement.where(table.c.workspace == workspace))
