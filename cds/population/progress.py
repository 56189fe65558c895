"""A progress bar on a terminal, nothing when the output goes to a file or a pipe."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.started = time.monotonic()
        self.note = ""

    def advance(self, amount: int, note: str = "") -> None:
        self.done = min(self.done + amount, self.total)
        self.note = note
        if self.shown:
            share = self.done / self.total
            bar = "#" * round(WIDTH * share)
            seconds = time.monotonic() - self.started
            self.stream.write(
                f"\r{self.label} [{bar:<{WIDTH}}] {share:4.0%} {seconds:5.0f}s {note}\033[K"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
