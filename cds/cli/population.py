"""`cds population` (evaluate a Bulk Data export) and `cds synth` (write a synthetic one)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _population(args: argparse.Namespace) -> int:
    from cds.population.errors import PopulationError
    from cds.population.run import Options, run_population

    options = Options(
        export=Path(args.export),
        out=Path(args.out),
        now=args.now or datetime.now(UTC),
        engine=args.engine,
        visits_per_day=args.visits_per_day,
        parquet=args.parquet,
        master=args.master,
        workers=args.workers,
        buckets=args.buckets,
        timeline=Path(args.timeline) if args.timeline else None,
    )
    try:
        summary = run_population(options, lambda message: _warn(message))
    except PopulationError as exc:
        return _fail(exc.message)
    sys.stdout.write(
        f"{summary['patients']:,} patients, {summary['cards']:,} cards "
        f"({summary['cardsPer1000Patients']['all']} per 1,000), "
        f"red flags in {summary['redFlags']['patients']:,}, "
        f"{summary['skippedAsMalformed']['lines']:,} malformed lines skipped\n"
        f"wrote {options.out}/patients.ndjson, summary.json, summary.html"
        + (", patients.parquet" if options.parquet else "")
        + "\n"
    )
    return 0


def _synth(args: argparse.Namespace) -> int:
    from cds.population.errors import PopulationError
    from cds.population.synth import synthesize
    from cds.population.variation import Odds

    try:
        written = synthesize(
            Path(args.out),
            args.patients,
            args.seed,
            fixtures=Path(args.fixtures),
            zipped=args.gzip,
            malformed=args.malformed,
            odds=Odds(noise=args.noise),
        )
    except PopulationError as exc:
        return _fail(exc.message)
    sys.stdout.write(
        f"{written.patients:,} patients, {written.lines:,} lines "
        f"({written.malformed:,} malformed) in {written.files} files under {args.out}\n"
    )
    return 0


def _warn(message: str) -> None:
    sys.stderr.write(f"cds population: {message}\n")


def _fail(message: str) -> int:
    sys.stderr.write(f"cds: {message}\n")
    return 2


def add_commands(commands: Any, when: Callable[[str], datetime]) -> None:
    population = commands.add_parser(
        "population", help="evaluate every patient of a FHIR Bulk Data export"
    )
    population.add_argument("export", help="the export's folder of NDJSON files")
    population.add_argument("--out", required=True, help="folder for the results")
    population.add_argument("--now", type=when, help="evaluate as of this time (ISO 8601)")
    population.add_argument(
        "--visits-per-day", type=_positive, help="chart openings a day, to estimate cards a day"
    )
    population.add_argument("--parquet", action="store_true", help="also write patients.parquet")
    population.add_argument("--engine", choices=("local", "spark"), default="local")
    population.add_argument("--master", default="local[*]", help="Spark master (--engine spark)")
    population.add_argument("--workers", type=_positive, help="local engine: processes (all cores)")
    population.add_argument(
        "--buckets", type=_positive, help="local engine: hash buckets (sized to the export)"
    )
    population.add_argument(
        "--timeline", help="local engine: write when each task ran, in which worker (JSON)"
    )
    population.set_defaults(run=_population)

    synth = commands.add_parser("synth", help="write a synthetic Bulk Data export")
    synth.add_argument("out", help="folder to write the NDJSON files to")
    synth.add_argument("--patients", type=_positive, required=True)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--gzip", action="store_true", help="write .ndjson.gz files")
    synth.add_argument(
        "--malformed", type=float, default=0.002, help="share of lines broken (default 0.002)"
    )
    synth.add_argument(
        "--noise", type=int, default=12, help="everyday resources per patient, on average"
    )
    synth.add_argument("--fixtures", default="fixtures", help="the scenarios to vary")
    synth.set_defaults(run=_synth)
