"""A small thread-safe mapping whose entries expire and whose size is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()


class TtlCache(Generic[K, V]):
    """Entries live ``ttl`` seconds; when full, the oldest entry makes room for a new one."""

    def __init__(self, max_size: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        self._max_size = max(0, max_size)
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, default: V | None = None) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return default
        if entry[0] <= self._clock():
            with self._lock:
                self._entries.pop(key, None)
            return default
        return entry[1]

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """``(True, value)`` for a live entry (the value may be None), else ``(False, None)``."""
        found = self.get(key, _MISSING)  # type: ignore[arg-type]
        if found is _MISSING:
            return False, None
        return True, found

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        if self._max_size == 0 or self._ttl <= 0:
            return
        lifetime = self._ttl if ttl is None else min(ttl, self._ttl)
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self._max_size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (self._clock() + lifetime, value)

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def discard_if(self, predicate: Callable[[K], bool]) -> None:
        """Drop every entry whose key satisfies ``predicate``."""
        with self._lock:
            for key in [k for k in self._entries if predicate(k)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
