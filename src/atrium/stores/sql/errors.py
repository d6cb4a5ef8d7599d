"""Translation of driver errors into Atrium errors, so none escapes ``stores/``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from atrium.errors import ResourceAlreadyExists


@contextmanager
def unique_violation_as(message: str) -> Iterator[None]:
    """Turn a unique-constraint violation inside the block into RESOURCE_ALREADY_EXISTS."""
    try:
        yield
    except IntegrityError as exc:
        raise ResourceAlreadyExists(message) from exc
