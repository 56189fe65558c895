"""`python -m bench`: benchmarks the CDS Hooks service against a bare FastAPI baseline in the
same run, on this machine, and prints one Markdown table. See bench/README.md."""

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import cases, suite
from bench.cases import REPO
from bench.load import choose
from bench.servers import Servers, exit_on_signals, pinning
from bench.table import Row, render

ORDER = ("a", "t", "t new", "a 2w", "b", "c", "d", "e", "f", "soak")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="measured load per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured load before it")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--calls", type=int, default=20, help="single calls for (c) and (e)")
    parser.add_argument("--soak", type=float, default=60, help="soak seconds; 0 skips it")
    parser.add_argument("--load", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    return parser.parse_args(argv)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _guarded(rows: dict[str, Row], case: str, run: Callable[[], Row]) -> None:
    """A case that breaks gets a row saying so; the others still run."""
    try:
        rows[case] = run()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        rows[case] = Row(case, "", result=f"error: {type(exc).__name__}: {exc}"[:160])


def run(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    pin = pinning(not args.no_pin)
    if pin.load:
        os.sched_setaffinity(0, {int(pin.load[-1])})  # this process is the single-call client
    load = choose(args.load)
    settings = suite.Settings(args.seconds, args.warmup, args.connections, args.calls, args.soak)
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="cds-bench-") as tmp:
        workdir = Path(tmp)
        with Servers(workdir, REPO) as servers:
            baseline = suite.start_uvicorn(servers, pin, "baseline", "bench.baseline:app")
            bench = suite.Bench(settings, load, pin, servers, workdir, baseline)
            bench.fhir = suite.start_uvicorn(servers, pin, "slow-fhir", "bench.slow_fhir:app")
            bench.service = suite.start_service(bench, 1, pin.server)
            try:
                row_a, base_a = suite.standard(bench)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                row_a, base_a = Row("a", "", result="error, see the log above"), None
            rows["a"] = row_a
            try:
                rows["t"], rows["t new"] = suite.all_text(bench)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                rows["t"] = Row("t", "", result=f"error: {type(exc).__name__}: {exc}"[:160])
            if args.soak > 0:
                _guarded(rows, "soak", lambda: suite.soak(bench))
            _guarded(rows, "b", lambda: suite.large(bench))
            _guarded(rows, "c", lambda: suite.huge(bench))
            _guarded(rows, "d", lambda: suite.order_sign(bench))
            _guarded(rows, "e", lambda: suite.fetch_path(bench))
            if bench.service is not None:
                servers.stop(bench.service)
                bench.service = None
            if base_a is not None:
                _guarded(rows, "a 2w", lambda: suite.two_workers(bench, base_a, row_a))
        _guarded(rows, "f", lambda: suite.evaluate_cli(bench))
    header = [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} x "
        f"{_cpu_model()}; Python {platform.python_version()}; service run as "
        f"`{' '.join(Path(a).name for a in suite.cds_command())} serve`",
        f"- load generator: {load.name}; {args.connections} connections, {args.seconds:g} s "
        f"measured after {args.warmup:g} s warm-up, each side on one uvicorn worker",
        f"- single calls (c, e): {args.calls} (e: at least 50) after {suite.WARMUP_CALLS} "
        "warm-up calls, one after another on one keep-alive connection",
        f"- pinning: {pin.text}",
        f"- relevant resources: {cases.SOURCE}; {suite.describe_bodies()}",
        "- req/s counts 2xx answers only; CPU ms/req is the server's own CPU time (/proc) "
        "per answer; ratios are service / baseline; baseline: bare FastAPI + orjson parse of "
        'the same body, answering {"cards": []}',
        "- (e): baseline columns = the FHIR server's 50 ms floor; (f): p50 = mean, p99 = slowest "
        "run, baseline = `python -c` that parses the same file with orjson; soak: RSS of the "
        "1-worker server before and after (peak sampled each second)",
        f"- load average at start: {load_average}",
    ]
    return [rows[case] for case in ORDER if case in rows], header


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_signals()
    started = time.monotonic()
    try:
        rows, header = run(args)
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started is stopped", file=sys.stderr)
        return 130
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    header.append(f"- load average at end: {load_average}; whole run: ")
    header[-1] += f"{time.monotonic() - started:.0f} s"
    table = render(rows, header)
    print(table)
    if args.output is not None:
        args.output.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
