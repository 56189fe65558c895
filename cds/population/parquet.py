"""patients.parquet: patients.ndjson as a Parquet file, written a batch at a time (pyarrow, the
`parquet` extra)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from cds.population.errors import PopulationError

BATCH = 50_000


def _batches(patients: Path) -> Iterator[list[dict[str, Any]]]:
    with patients.open("rb") as lines:
        while batch := [orjson.loads(line) for line in islice(lines, BATCH)]:
            yield batch


def write_parquet(patients: Path, target: Path) -> None:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise PopulationError(
            "--parquet needs pyarrow: pip install 'spinal-origin-cds[parquet]'"
        ) from None
    codes = pa.list_(pa.string())
    schema = pa.schema(
        [
            ("patient", pa.string()),
            ("topics", codes),
            ("indicators", codes),
            ("redFlags", codes),
            ("suggestions", codes),
            ("spinalOriginIndicators", codes),
            ("skipped", pa.int32()),
        ]
    )
    with pq.ParquetWriter(target, schema) as writer:
        for batch in _batches(patients):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
