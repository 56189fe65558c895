"""Pieces of a file read in parallel: every line read once, in order, wherever the cuts fall."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cds.population.chunks import chunk_lines, chunks
from cds.population.export import ExportFile

LINES = st.lists(st.text(alphabet="ab{}\r\t ", max_size=12), max_size=30)


@settings(max_examples=200, deadline=None)
@given(lines=LINES, chunk_bytes=st.integers(1, 40), zipped=st.booleans())
def test_pieces_read_every_line_once_in_order(
    lines: list[str], chunk_bytes: int, zipped: bool
) -> None:
    content = "".join(line + "\n" for line in lines).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("Condition.ndjson.gz" if zipped else "Condition.ndjson")
        path.write_bytes(gzip.compress(content) if zipped else content)
        pieces = chunks([ExportFile(path, "Condition", zipped)], chunk_bytes)
        read = [line for piece in pieces for line in chunk_lines(piece)]
    assert read == [line.encode().rstrip(b"\r") for line in lines]
