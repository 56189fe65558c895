"""The local engine: every core of one machine, memory bounded by a bucket, not the export.

See `buckets` for the two passes. The number of buckets grows with the export (about
BUCKET_BYTES of lines each) and stays below the open-file limit, since each pass-1 task keeps
one file open per bucket.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from cds.population.buckets import SplitOutcome, evaluate_bucket, split
from cds.population.chunks import Chunk, chunks
from cds.population.export import ExportFile
from cds.population.malformed import MalformedLines, Skip
from cds.population.progress import Progress
from cds.population.tally import Tally
from cds.population.timeline import Span, timed, write_timeline
from cds.terminology import default_terminology

BUCKET_BYTES = 16 * 2**20
GZIP_RATIO = 8
"""A gzip file's lines are taken as this many times its size, to size the buckets."""
MAX_BUCKETS = 4096
SPARE_FILES = 64
"""File descriptors left for everything but the buckets (pipes, the piece read, Python)."""

T = TypeVar("T")


def bucket_count(files: list[ExportFile], wanted: int | None = None) -> int:
    """`wanted`, or enough for BUCKET_BYTES each; never as many as the open-file limit."""
    lines = sum(f.size * (GZIP_RATIO if f.gzipped else 1) for f in files)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = MAX_BUCKETS if soft == resource.RLIM_INFINITY else min(MAX_BUCKETS, soft - SPARE_FILES)
    return max(1, min(limit, wanted or -(-lines // BUCKET_BYTES)))


def _in_pool(
    pool: ProcessPoolExecutor,
    calls: list[Callable[[], T]],
    weights: list[int],
    progress: Progress,
    spans: list[Span],
    counted: Callable[[T], int] = lambda result: 0,
    meanwhile: Callable[[], object] = lambda: None,
) -> list[T]:
    """Results in the order of `calls`, advancing the progress bar as each finishes; the main
    process runs `meanwhile` while the workers start."""
    futures = {pool.submit(timed, progress.label, call): i for i, call in enumerate(calls)}
    meanwhile()
    results: dict[int, T] = {}
    for future in as_completed(futures):
        index = futures[future]
        done = future.result()
        results[index] = done.result
        spans.append(done.span)
        progress.advance(weights[index], counted(done.result))
    progress.close()
    return [results[i] for i in range(len(calls))]


def _malformed(pieces: list[Chunk], outcomes: list[SplitOutcome]) -> MalformedLines:
    """Line numbers within a piece made file-wide by adding the lines of the pieces before."""
    malformed = MalformedLines()
    before: dict[Path, int] = {}
    for piece, outcome in zip(pieces, outcomes, strict=True):
        offset = before.get(piece.path, 0)
        for line, reason in outcome.reasons:
            malformed.add(piece.file.resource_type, Skip(piece.path.name, offset + line, reason))
        malformed.by_type[piece.file.resource_type] += outcome.malformed - len(outcome.reasons)
        before[piece.path] = offset + outcome.lines
    return malformed


def run_local(
    files: list[ExportFile],
    now: datetime,
    patients_out: Path,
    *,
    workers: int | None = None,
    buckets: int | None = None,
    timeline: Path | None = None,
) -> tuple[Tally, MalformedLines]:
    started, spans = time.monotonic(), list[Span]()
    buckets = bucket_count(files, buckets)
    workers = workers or os.cpu_count() or 1
    terminology = default_terminology()  # loaded once here, shared by forked workers
    pieces = chunks(files)
    work = Path(tempfile.mkdtemp(prefix=".buckets-", dir=patients_out.parent))
    parts = work / "parts"
    parts.mkdir()
    try:
        # Pass 1 needs no text reader; while it runs, the main process builds it (seconds), and
        # pass 2's workers, forked after, share it instead of each building their own.
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = _in_pool(
                pool,
                [partial(split, piece, i, work, buckets) for i, piece in enumerate(pieces)],
                [p.end - p.start for p in pieces],
                Progress("reading", sum(p.end - p.start for p in pieces)),
                spans,
                meanwhile=terminology.text_reader,
            )
        malformed = _malformed(pieces, outcomes)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            tallies = _in_pool(
                pool,
                [
                    partial(evaluate_bucket, work, b, parts / f"{b:05d}.ndjson", now)
                    for b in range(buckets)
                ],
                [1] * buckets,
                Progress("evaluating", buckets, "patients"),
                spans,
                lambda tally: tally.patients,
            )
        joined, cpu = time.monotonic(), time.process_time()
        total = Tally()
        with patients_out.open("wb") as out:
            for b, tally in enumerate(tallies):
                total.merge(tally)
                with (parts / f"{b:05d}.ndjson").open("rb") as part:
                    shutil.copyfileobj(part, out)
        if timeline is not None:
            spans.append(
                Span("joining", os.getpid(), joined, time.monotonic(), time.process_time() - cpu)
            )
            write_timeline(timeline, started, time.monotonic(), spans)
        return total, malformed
    finally:
        shutil.rmtree(work, ignore_errors=True)
