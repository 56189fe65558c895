"""The local engine: every core of one machine, memory bounded by a bucket, not the export.

See `buckets` for the two passes. The number of buckets grows with the export (about
BUCKET_BYTES of lines each) and stays below the open-file limit, since each pass-1 worker keeps
one file open per bucket.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from cds.population.as_prefetched import prefetch_queries
from cds.population.bucket_results import evaluate_bucket
from cds.population.buckets import SplitOutcome, bucket_dir, split
from cds.population.chunks import Chunk, chunks
from cds.population.export import ExportFile
from cds.population.malformed import MalformedLines, Skip
from cds.population.progress import Progress
from cds.population.tally import Tally
from cds.population.timeline import Span, Timed, timed, write_timeline
from cds.terminology import default_terminology

BUCKET_BYTES = 4 * 2**20
GZIP_RATIO = 8
"""A gzip file's lines are taken as this many times its size, to size the buckets."""
MAX_BUCKETS = 4096
SPARE_FILES = 64
"""File descriptors left for everything but the buckets (pipes, the piece read, Python)."""

T = TypeVar("T")


def line_bytes(piece: Chunk) -> int:
    """The bytes of lines a piece holds, a gzip file's estimated."""
    return (piece.end - piece.start) * (GZIP_RATIO if piece.file.gzipped else 1)


def bucket_count(lines: int, wanted: int | None = None) -> int:
    """`wanted`, or enough for BUCKET_BYTES of `lines` each; never as many as the open-file
    limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = MAX_BUCKETS if soft == resource.RLIM_INFINITY else min(MAX_BUCKETS, soft - SPARE_FILES)
    return max(1, min(limit, wanted or -(-lines // BUCKET_BYTES)))


def _submitted(
    pool: ProcessPoolExecutor, phase: str, calls: Sequence[Callable[[], T]], weights: list[int]
) -> dict[Future[Timed[T]], int]:
    """The heaviest calls first, so that the last ones to finish are short."""
    heaviest_first = sorted(range(len(calls)), key=lambda i: -weights[i])
    return {pool.submit(timed, phase, calls[i]): i for i in heaviest_first}


def _results(
    futures: dict[Future[Timed[T]], int],
    weights: list[int],
    progress: Progress,
    spans: list[Span],
    counted: Callable[[T], int] = lambda result: 0,
) -> list[T]:
    """Results in the order of the calls, advancing the progress bar as each finishes."""
    results: dict[int, T] = {}
    for future in as_completed(futures):
        index = futures[future]
        done = future.result()
        results[index] = done.result
        spans.append(done.span)
        progress.advance(weights[index], counted(done.result))
    progress.close()
    return [results[i] for i in range(len(futures))]


def _bytes_in(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(folder)) if folder.exists() else 0


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
    pieces = chunks(files)
    lines = [line_bytes(p) for p in pieces]
    buckets = bucket_count(sum(lines), buckets)
    workers = workers or os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix=".buckets-", dir=patients_out.parent))
    parts = work / "parts"
    parts.mkdir()
    try:
        # Pass 1 needs no text reader: the main process builds it meanwhile (seconds), and pass
        # 2's workers, forked after, share it instead of each building their own.
        with ProcessPoolExecutor(max_workers=workers) as pool:
            splits = [partial(split, piece, work, buckets, prefetch_queries()) for piece in pieces]
            reading = _submitted(pool, "reading", splits, lines)
            default_terminology().text_reader()
            outcomes = _results(reading, lines, Progress("reading", sum(lines)), spans)
        malformed = _malformed(pieces, outcomes)
        sizes = [_bytes_in(bucket_dir(work, b)) for b in range(buckets)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            evaluations = [
                partial(evaluate_bucket, work, b, parts / f"{b:05d}.ndjson", now)
                for b in range(buckets)
            ]
            tallies = _results(
                _submitted(pool, "evaluating", evaluations, sizes),
                sizes,
                Progress("evaluating", sum(sizes), "patients"),
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
