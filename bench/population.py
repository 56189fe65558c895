"""`python -m bench.population`: `cds population` on synthetic exports, local and Spark, with
the single-patient evaluation rate of the same run as the yardstick. See bench/README.md."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.servers import pss_kib, rss_kib
from cds.population.as_prefetched import found, prefetch_queries
from cds.population.chunks import chunk_lines, chunks
from cds.population.export import export_files
from cds.population.lines import MalformedLine, read_line
from cds.population.patient import evaluate_patient

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-06-01T09:00:00Z"
SAMPLED = 0.2
"""Seconds between two samples of the process tree's memory."""


@dataclass(frozen=True, slots=True)
class Run:
    what: str
    patients: int
    lines: int
    megabytes: float
    seconds: float
    cpu_seconds: float
    peak_mib: float
    peak_pss_mib: float
    timeline: dict[str, Any] | None = None
    """`cds population --timeline` of a local run."""

    @property
    def rate(self) -> float:
        return self.patients / self.seconds


def _cds(*argv: str) -> list[str]:
    return [sys.executable, "-m", "cds.cli.main", *argv]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], log: Path) -> tuple[float, float, float, float]:
    """Wall seconds, CPU seconds and peak memory in MiB of the process tree: resident (pages
    the workers share counted in each) and proportional (counted once)."""
    started, cpu = time.monotonic(), _children_cpu()
    with log.open("wb") as err:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.wait(SAMPLED):
            peak = max(peak, rss_kib(process.pid))
            peak_pss = max(peak_pss, pss_kib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}: see {log}")
    return time.monotonic() - started, _children_cpu() - cpu, peak / 1024, peak_pss / 1024


def _synth(folder: Path, patients: int, seed: int, noise: int) -> tuple[int, float]:
    """(lines, MiB) of a new synthetic export."""
    if not folder.exists():
        subprocess.run(
            _cds(
                "synth",
                str(folder),
                "--patients",
                str(patients),
                "--seed",
                str(seed),
                "--noise",
                str(noise),
            ),
            cwd=REPO,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = export_files(folder)
    lines = sum(1 for piece in chunks(files) for _ in chunk_lines(piece))
    return lines, sum(f.size for f in files) / 2**20


def single_rate(folder: Path, seconds: float, *, prefetched: bool = False) -> tuple[float, float]:
    """Patients a second that one process evaluates, one after another, grouped in memory;
    and the CPU milliseconds per patient. `prefetched`: only the resources a prefetch query
    finds, as a patient-view call gets them (else every line of the patient)."""
    grouped: defaultdict[str, list[tuple[str, bytes]]] = defaultdict(list)
    queries = prefetch_queries()
    for piece in chunks(export_files(folder)):
        for raw in chunk_lines(piece):
            try:
                patient, resource = read_line(piece.file.resource_type, raw)
            except MalformedLine:
                continue
            lines = grouped[patient]
            if not prefetched or found(queries, piece.file.resource_type, resource):
                lines.append((piece.file.resource_type, raw))
    now = datetime.fromisoformat(NOW)
    patients = list(grouped.items())
    for patient, lines in patients[:200]:
        evaluate_patient(patient, lines, now)
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        for patient, lines in patients:
            evaluate_patient(patient, lines, now)
        done += len(patients)
    rate = done / (time.perf_counter() - started)
    return rate, 1000 * (time.process_time() - cpu) / done


def population(work: Path, what: str, patients: int, seed: int, noise: int, *options: str) -> Run:
    export = work / f"export-{patients}-{seed}-{noise}"
    lines, megabytes = _synth(export, patients, seed, noise)
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    command = _cds("population", str(export), "--now", NOW, "--out", str(out), *options)
    local = "spark" not in options
    if local:
        command += ["--timeline", str(work / "timeline.json")]
    seconds, cpu, peak, peak_pss = _timed(command, work / "stderr.log")
    timeline = orjson.loads((work / "timeline.json").read_bytes()) if local else None
    run = Run(what, patients, lines, megabytes, seconds, cpu, peak, peak_pss, timeline)
    print(f"# {run.what}: {run.patients:,} patients in {run.seconds:.1f} s", flush=True)
    return run


def _pool_use(run: Run, workers: int) -> str:
    """How the workers spent the run, from its timeline: busy share, and CPU by pass."""
    assert run.timeline is not None
    spans = run.timeline["spans"]
    busy = sum(s["end"] - s["start"] for s in spans if s["phase"] != "joining")
    cpu = {
        phase: 1000 * sum(s["cpu"] for s in spans if s["phase"] == phase) / run.patients
        for phase in ("reading", "evaluating")
    }
    main = 1000 * run.cpu_seconds / run.patients - sum(cpu.values())
    return (
        f"workers busy {busy / (workers * run.seconds):.0%} of the run's {workers} x "
        f"{run.seconds:.1f} s (idle: start-up, the switch between passes, the last tasks); "
        f"CPU per patient: pass 1 {cpu['reading']:.3f} ms, pass 2 {cpu['evaluating']:.3f} ms, "
        f"main process {main:.3f} ms (start-up, engine load, joining, summary)"
    )


def _table(runs: list[Run], single: tuple[float, float], call: tuple[float, float]) -> str:
    rows = [
        "| run | patients | lines | MiB | seconds | patients/s | CPU ms per patient "
        "| peak MiB (tree RSS) | peak MiB (tree PSS) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for run in runs:
        # Spark's Python workers are the JVM's children, never waited for: their CPU is lost
        cpu = "-" if "spark" in run.what else f"{1000 * run.cpu_seconds / run.patients:.2f}"
        rows.append(
            f"| {run.what} | {run.patients:,} | {run.lines:,} | {run.megabytes:,.0f} "
            f"| {run.seconds:,.1f} | {run.rate:,.0f} | {cpu} "
            f"| {run.peak_mib:,.0f} | {run.peak_pss_mib:,.0f} |"
        )
    rows.append(
        f"| one process, evaluation only (2,000 patients in memory) | | | | | {single[0]:,.0f} "
        f"| {single[1]:.2f} | | |"
    )
    rows.append(
        f"| the same, each patient's prefetch only (as a patient-view call) | | | | "
        f"| {call[0]:,.0f} | {call[1]:.2f} | | |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.population", description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-scaling", action="store_true", help="only the full-size runs")
    parser.add_argument("--keep", type=Path, help="keep the exports in this folder")
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cds-bench-population-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        n, w = args.patients, ["--workers", str(args.workers)]
        sample = work / f"export-2000-{args.seed}-12"
        _synth(sample, 2000, args.seed, 12)
        single, single_cpu_ms = single_rate(sample, 10)
        print(f"# single process: {single:,.0f} patients/s, {single_cpu_ms:.2f} ms CPU", flush=True)
        call, call_cpu_ms = single_rate(sample, 10, prefetched=True)
        print(f"# as calls: {call:,.0f} patients/s, {call_cpu_ms:.2f} ms CPU", flush=True)
        runs = [population(work, f"local, {args.workers} workers", n, args.seed, 12, *w)]
        if not args.no_scaling:
            for patients in (n // 4, n // 2):
                runs.append(population(work, "local, fewer patients", patients, args.seed, 12, *w))
            for noise in (4, 36):
                runs.append(population(work, f"local, noise {noise}", n // 4, args.seed, noise, *w))
        if not args.no_spark:
            runs.append(
                population(
                    work,
                    "spark local[2]",
                    n,
                    args.seed,
                    12,
                    "--engine",
                    "spark",
                    "--master",
                    "local[2]",
                )
            )
    local = runs[0]
    share = local.rate / (args.workers * single)
    print(
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores; "
        f"load average at start {load}, at end "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + f"; whole run {time.monotonic() - started:.0f} s"
    )
    print(
        f"- local engine: {local.rate:,.0f} patients/s = {share:.0%} of {args.workers} x "
        f"the single-process rate ({single:,.0f}/s); target >= 70 %: "
        + ("PASS" if share >= 0.7 else "FAIL")
    )
    cpu_ms = 1000 * local.cpu_seconds / local.patients
    print(
        f"- the same against one process evaluating each patient's prefetch only, as a "
        f"patient-view call gets it ({call:,.0f}/s, {call_cpu_ms:.2f} ms CPU): "
        f"{local.rate / (args.workers * call):.0%}"
    )
    print(
        f"- CPU per patient: local {cpu_ms:.2f} ms, evaluation alone {single_cpu_ms:.2f} ms "
        f"({single_cpu_ms / cpu_ms:.0%}: the rest is reading, bucketing, writing, start-up)"
    )
    print(f"- local engine's pool: {_pool_use(local, args.workers)}")
    print()
    print(_table(runs, (single, single_cpu_ms), (call, call_cpu_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
