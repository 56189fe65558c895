"""A population run from export to outputs: patients.ndjson, summary.json, summary.html and,
on request, patients.parquet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import orjson

from cds.population.export import export_files
from cds.population.local import run_local
from cds.population.page import summary_page
from cds.population.summary import summary
from cds.types import JSON

Engine = Literal["local", "spark"]


@dataclass(frozen=True, slots=True)
class Options:
    export: Path
    out: Path
    now: datetime
    engine: Engine = "local"
    visits_per_day: int | None = None
    parquet: bool = False
    master: str = "local[*]"
    workers: int | None = None
    buckets: int | None = None
    timeline: Path | None = None


def run_population(options: Options, warn: Callable[[str], None]) -> JSON:
    """Runs the chosen engine; `warn` receives one message per malformed line kept."""
    files = export_files(options.export)
    options.out.mkdir(parents=True, exist_ok=True)
    patients = options.out / "patients.ndjson"
    if options.engine == "spark":
        from cds.population.spark import run_spark

        tally, malformed = run_spark(files, options.now, patients, master=options.master)
    else:
        tally, malformed = run_local(
            files,
            options.now,
            patients,
            workers=options.workers,
            buckets=options.buckets,
            timeline=options.timeline,
        )
    for message in malformed.messages():
        warn(message)
    document = summary(
        tally,
        malformed,
        now=options.now,
        engine=options.engine,
        visits_per_day=options.visits_per_day,
    )
    (options.out / "summary.json").write_bytes(
        orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    )
    (options.out / "summary.html").write_text(summary_page(document), encoding="utf-8")
    if options.parquet:
        from cds.population.parquet import write_parquet

        write_parquet(patients, options.out / "patients.parquet")
    return document
