"""When each pool task ran, in which worker: shows where workers idle (`--timeline FILE`).

Times are `time.monotonic()`, one clock for every process of the machine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import orjson

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Span:
    phase: str
    worker: int
    """The worker's process id."""
    start: float
    end: float
    cpu: float
    """The worker's CPU seconds (`time.process_time()`) during the task."""


@dataclass(frozen=True, slots=True)
class Timed(Generic[T]):
    result: T
    span: Span


def timed(phase: str, call: Callable[[], T]) -> Timed[T]:
    """Runs `call` in a worker, noting when."""
    start, cpu = time.monotonic(), time.process_time()
    result = call()
    return Timed(
        result, Span(phase, os.getpid(), start, time.monotonic(), time.process_time() - cpu)
    )


def write_timeline(path: Path, started: float, ended: float, spans: list[Span]) -> None:
    """One JSON object: the run's start and end, and every task's span."""
    document = {
        "start": started,
        "end": ended,
        "spans": [
            {"phase": s.phase, "worker": s.worker, "start": s.start, "end": s.end, "cpu": s.cpu}
            for s in spans
        ],
    }
    path.write_bytes(orjson.dumps(document))
