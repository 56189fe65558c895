"""Rows waiting for the store, in memory and bounded, so that a dead store cannot grow it."""

import logging
import math
import time
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

from cds import metrics

log = logging.getLogger(__name__)

T = TypeVar("T")

WARN_EVERY_SECONDS = 10.0


class Backlog(Generic[T]):
    """First in, first out; beyond `limit` rows the oldest are dropped, counted in
    `cds_store_errors_total{operation="<name>_dropped"}` and logged (at most every 10 s)."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self._rows: deque[T] = deque()
        self._warned_at = -math.inf

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, row: T) -> None:
        self._rows.append(row)
        self._trim()

    def take(self, most: int) -> list[T]:
        """Up to `most` of the oldest rows, out of the backlog."""
        return [self._rows.popleft() for _ in range(min(most, len(self._rows)))]

    def put_back(self, rows: Iterable[T]) -> None:
        """Rows taken for a write that failed: first in line again, being the oldest."""
        self._rows.extendleft(reversed(list(rows)))
        self._trim()

    def _trim(self) -> None:
        excess = len(self._rows) - self.limit
        if excess <= 0:
            return
        for _ in range(excess):
            self._rows.popleft()
        metrics.STORE_ERRORS.labels(f"{self.name}_dropped").inc(excess)
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("store.backlog_full", extra={"backlog": self.name, "limit": self.limit})
