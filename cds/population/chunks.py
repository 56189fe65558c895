"""An export's files cut into pieces that workers read in parallel, line by line.

A plain file is cut every CHUNK_BYTES at line boundaries (a line belongs to the piece it starts
in); a gzip file cannot be entered in the middle, so it is one piece.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cds.population.export import ExportFile

CHUNK_BYTES = 16 * 2**20


@dataclass(frozen=True, slots=True)
class Chunk:
    file: ExportFile
    start: int
    end: int
    """Byte offsets in the file as stored (for a gzip file: 0 and its size)."""

    @property
    def path(self) -> Path:
        return self.file.path


def chunks(files: list[ExportFile], chunk_bytes: int = CHUNK_BYTES) -> list[Chunk]:
    """Each file's pieces in order, so that line numbers add up piece after piece."""
    pieces = []
    for file in files:
        size = file.size
        step = size if file.gzipped else chunk_bytes
        for start in range(0, max(size, 1), max(step, 1)):
            pieces.append(Chunk(file, start, min(start + step, size)))
    return pieces


def chunk_lines(chunk: Chunk) -> Iterator[bytes]:
    """The piece's lines, blank ones included (they count for line numbers), without newline."""
    if chunk.file.gzipped:
        with gzip.open(chunk.path, "rb") as stream:
            for line in stream:
                yield line.rstrip(b"\r\n")
        return
    with chunk.path.open("rb") as stream:
        if chunk.start:
            stream.seek(chunk.start - 1)
            stream.readline()
        position = stream.tell()
        while position < chunk.end:
            line = stream.readline()
            if not line:
                return
            position += len(line)
            yield line.rstrip(b"\r\n")
