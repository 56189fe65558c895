"""Line numbers of given lines, found by reading their files: for an engine that reads lines
without numbers (Spark), so that it names a malformed line as the local engine does."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from cds.population.chunks import chunk_lines, chunks
from cds.population.export import ExportFile


def _lines(file: ExportFile) -> Iterator[bytes]:
    """The file's lines, as far as it can be read."""
    try:
        for piece in chunks([file]):
            yield from chunk_lines(piece)
    except (OSError, EOFError, zlib.error):
        return


def line_numbers(files: list[ExportFile], wanted: list[tuple[str, str]]) -> list[int | None]:
    """For each (file name, line as read), the 1-based number of that line in the file; a line
    that occurs several times gets its occurrences in turn; None if not found. Only the files
    named are read, each up to its last line wanted."""
    numbers: list[int | None] = [None] * len(wanted)
    for file in files:
        waiting: dict[str, list[int]] = {}
        for index, (name, value) in enumerate(wanted):
            if name == file.path.name:
                waiting.setdefault(value.rstrip("\r"), []).append(index)
        if not waiting:
            continue
        for number, raw in enumerate(_lines(file), 1):
            line = raw.decode("utf-8", "replace")  # as Spark reads it
            indices = waiting.get(line)
            if indices:
                numbers[indices.pop(0)] = number
                if not indices:
                    del waiting[line]
                if not waiting:
                    break
    return numbers
