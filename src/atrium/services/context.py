"""Who is asking and in which workspace: passed explicitly to every use case."""

from __future__ import annotations

import time
from dataclasses import dataclass

from atrium.domain.entities import DEFAULT_WORKSPACE
from atrium.domain.search.ast import Comparison


@dataclass(frozen=True, slots=True)
class RequestContext:
    workspace: str = DEFAULT_WORKSPACE
    principal: str | None = None
    is_admin: bool = False
    # Extra clauses every search of this request is AND-ed with: the rows the caller may see.
    search_limits: tuple[Comparison, ...] = ()


def now_ms() -> int:
    return time.time_ns() // 1_000_000
