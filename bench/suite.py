"""The benchmark cases (a)-(f), the two-worker run and the soak, each measured against the
baseline in the same run, each giving one row of the table.

Besides what the client sees, every server-side measurement records the server's own CPU time
per answered request (from /proc): on a shared machine that figure moves far less than req/s.
"""

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench import cases
from bench.load import LoadGenerator
from bench.measure import Probe, probe, process_runs, sequential
from bench.servers import Pinning, Server, ServerFailed, Servers
from bench.table import Row, verdict
from cds.data.scenarios import FIXTURES_NOW

PATIENT_VIEW = "/cds-services/spinal-origin-patient-view"
ORDER_SIGN = "/cds-services/spinal-origin-order-sign"
FETCH_FLOOR_MS = 50.0
CLI_RUNS = 5
WARMUP_CALLS = 3


@dataclass(frozen=True, slots=True)
class Settings:
    seconds: float
    warmup: float
    connections: int
    calls: int
    soak_seconds: float


@dataclass(frozen=True, slots=True)
class Side:
    """One side's numbers for a case, from sustained load (`rps` set) or from single calls."""

    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float | None
    """The server's CPU time per answered request."""
    rps: float | None = None


@dataclass
class Bench:
    settings: Settings
    load: LoadGenerator
    pin: Pinning
    servers: Servers
    workdir: Path
    baseline: Server
    service: Server | None = None
    service_failure: str = ""
    fhir: Server | None = None

    def body_file(
        self, name: str, request: cases.Resource, *, own_patient: bool = True
    ) -> tuple[Path, bytes]:
        """The request as a file for the load generator. With `own_patient`, the patient id
        gets the case's name appended, so that what one case leaves in the service's store
        (issued cards are kept per patient) does not slow down the next one."""
        body = cases.body(request)
        if own_patient:
            patient_id = cases.scenario()[1].encode()
            body = body.replace(patient_id, patient_id + b"-" + name.encode())
        path = self.workdir / f"{name}.json"
        path.write_bytes(body)
        return path, body

    def under_load(self, server: Server, path: str, file: Path, seconds: float = 0) -> Side:
        """A warm-up run whose numbers are dropped, then the measured run."""
        s, url = self.settings, server.url + path
        if s.warmup > 0:
            self.load.run(url, file, s.warmup, s.connections, self.pin.load)
        cpu = server.cpu_seconds()
        got = self.load.run(url, file, seconds or s.seconds, s.connections, self.pin.load)
        cpu = server.cpu_seconds() - cpu
        per_request = cpu * 1000 / got.requests if got.requests else None
        return Side(got.p50_ms, got.p99_ms, got.errors, per_request, got.rps)

    def single_calls(self, server: Server, path: str, body: bytes, calls: int) -> Side:
        """`calls` sequential calls after a few unmeasured ones."""
        sequential(server.url + path, body, WARMUP_CALLS)
        cpu = server.cpu_seconds()
        got = sequential(server.url + path, body, calls)
        cpu = server.cpu_seconds() - cpu
        per_call = cpu * 1000 / len(got.samples) if got.samples else None
        return Side(got.p50_ms, got.p99_ms, got.errors, per_call)


def row(
    case: str,
    what: str,
    got: Side | None,
    base: Side | None,
    *,
    versus: str = "",
    target: str = "",
    result: str = "",
) -> Row:
    return Row(
        case,
        what,
        rps=got.rps if got else None,
        p50_ms=got.p50_ms if got else None,
        p99_ms=got.p99_ms if got else None,
        errors=got.errors if got else None,
        cpu_ms=got.cpu_ms if got else None,
        base_rps=base.rps if base else None,
        base_p50_ms=base.p50_ms if base else None,
        base_p99_ms=base.p99_ms if base else None,
        base_cpu_ms=base.cpu_ms if base else None,
        versus=versus,
        target=target,
        result=result,
    )


def cds_command() -> list[str]:
    """The `cds` console script beside this interpreter, else the same CLI as a module."""
    script = Path(sys.executable).with_name("cds")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cds.cli.main"]


def service_env(workdir: Path, label: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(
        CDS_DATABASE_URL=f"sqlite:///{workdir / label}.sqlite3",
        CDS_NOW=FIXTURES_NOW.isoformat(),
        CDS_LOG_LEVEL="WARNING",
        CDS_PATIENT_HASH_KEY="bench",
        CDS_ALLOWED_FHIR_SERVERS="http://127.0.0.1:*",
        PYTHONPATH=str(cases.REPO),
    )
    return env


def start_service(bench: Bench, workers: int, cpus: list[str]) -> Server | None:
    """`cds serve`; None, with the reason kept for the table, when it does not come up."""
    name = f"service-{workers}w"

    def argv(port: int) -> list[str]:
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        return [*cpus, *cds_command(), *serve]

    try:
        return bench.servers.start(
            name, argv, env=service_env(bench.workdir, name), ready_path="/healthz"
        )
    except ServerFailed as exc:
        bench.service_failure = f"{name} {exc.why}: {exc.last_line}"[:160]
        print(f"bench: {exc}", file=sys.stderr)
        return None


def start_uvicorn(servers: Servers, pin: Pinning, name: str, app: str) -> Server:
    def argv(port: int) -> list[str]:
        options = ["--workers=1", "--host=127.0.0.1", f"--port={port}", "--log-level=warning"]
        options += ["--no-access-log", "--no-server-header"]
        return [*pin.server, sys.executable, "-m", "uvicorn", app, *options]

    env = {**os.environ, "PYTHONPATH": str(cases.REPO)}
    return servers.start(name, argv, env=env, ready_path="/healthz")


def _not_run(bench: Bench, case: str, what: str, base: Side | None) -> Row:
    why = bench.service_failure or "service not running"
    return row(case, what, None, base, result=f"not run: {why}")


def _failures(got: Side, answer: Probe) -> list[str]:
    failures = [] if answer.ok else [f"probe answered {answer.status}"]
    return failures + ([f"{got.errors} errors"] if got.errors else [])


def throughput(
    bench: Bench,
    case: str,
    what: str,
    path: str,
    request: cases.Resource,
    *,
    service: Server | None = None,
    base: Side | None = None,
    targets: bool = True,
) -> tuple[Row, Side]:
    """Sustained load on the service and on the baseline (unless `base` is given)."""
    file, body = bench.body_file(case.replace(" ", ""), request)
    base = base or bench.under_load(bench.baseline, path, file)
    service = service or bench.service
    if service is None:
        return _not_run(bench, case, what, base), base
    answer = probe(service.url + path, body)
    got = bench.under_load(service, path, file)
    ratio_rps = (got.rps or 0) / base.rps if base.rps else 0.0
    ratio_p99 = got.p99_ms / base.p99_ms if base.p99_ms else 0.0
    failures = []
    if targets and ratio_rps < 0.25:
        failures.append(f"req/s {ratio_rps:.2f}x < 0.25x")
    if targets and ratio_p99 > 3:
        failures.append(f"p99 {ratio_p99:.1f}x > 3x")
    failures += _failures(got, answer)
    result = row(
        case,
        f"{what} -> {answer.describe()}",
        got,
        base,
        versus=f"{ratio_rps:.2f}x req/s, {ratio_p99:.1f}x p99",
        target=">= 0.25x req/s, <= 3x p99" if targets else "",
        result=verdict(failures) if targets or failures else "",
    )
    return result, base


def standard(bench: Bench) -> tuple[Row, Side]:
    what = "patient-view, 40 res. (6 relevant)"
    return throughput(bench, "a", what, PATIENT_VIEW, cases.patient_view(40, 6))


def all_text(bench: Bench) -> tuple[Row, Row]:
    """A record of 20 text-only Conditions: under load with the same texts every call (each
    distinct text is read once, then remembered), and single calls whose texts are all new."""
    what = "patient-view, 20 text-only Conditions"
    request = cases.patient_view_text()
    cached, _ = throughput(bench, "t", f"{what}, same texts", PATIENT_VIEW, request, targets=False)
    _, body = bench.body_file("t-new", request)
    if bench.service is None:
        return cached, _not_run(bench, "t new", f"{what}, new texts each call", None)
    answer = probe(bench.service.url + PATIENT_VIEW, body)
    got = bench.single_calls(bench.service, PATIENT_VIEW, body, bench.settings.calls)
    fresh = row(
        "t new",
        f"{what}, new texts each call, {bench.settings.calls} calls -> {answer.describe()}",
        got,
        None,
        result=verdict(_failures(got, answer)) if _failures(got, answer) else "",
    )
    return cached, fresh


def large(bench: Bench) -> Row:
    what = "patient-view, 400 res. (40 relevant)"
    result, _ = throughput(bench, "b", what, PATIENT_VIEW, cases.patient_view(400, 40))
    return result


def order_sign(bench: Bench) -> Row:
    what = "order-sign, 5 draft orders"
    result, _ = throughput(bench, "d", what, ORDER_SIGN, cases.order_sign(), targets=False)
    return result


def two_workers(bench: Bench, base: Side, one_worker: Row) -> Row:
    """Case (a) on `cds serve --workers 2`, against the 1-worker baseline of case (a)."""
    what = "(a) on `--workers 2`, both CPUs"
    if one_worker.rps is None:
        return _not_run(bench, "a 2w", what, base)
    service = start_service(bench, 2, bench.pin.everywhere)
    if service is None:
        return _not_run(bench, "a 2w", what, base)
    try:
        request = cases.patient_view(40, 6)
        result, _ = throughput(
            bench, "a 2w", what, PATIENT_VIEW, request, service=service, base=base, targets=False
        )
    finally:
        bench.servers.stop(service)
    if result.rps:
        scaling = f"; {result.rps / one_worker.rps:.2f}x the 1-worker req/s"
        result = replace(result, versus=result.versus + scaling)
    return result


def huge(bench: Bench) -> Row:
    calls = bench.settings.calls
    _, body = bench.body_file("c", cases.patient_view(5000, 500))
    what = f"patient-view, 5,000 res. (500 relevant, {len(body) / 2**20:.1f} MiB), {calls} calls"
    base = bench.single_calls(bench.baseline, PATIENT_VIEW, body, calls)
    if bench.service is None:
        return _not_run(bench, "c", what, base)
    answer = probe(bench.service.url + PATIENT_VIEW, body)
    got = bench.single_calls(bench.service, PATIENT_VIEW, body, calls)
    ratio = got.p50_ms / base.p50_ms if base.p50_ms else 0.0
    failures = ([] if ratio <= 2 else [f"p50 {ratio:.1f}x > 2x"]) + _failures(got, answer)
    return row(
        "c",
        f"{what} -> {answer.describe()}",
        got,
        base,
        versus=f"{ratio:.1f}x p50",
        target="<= 2x p50",
        result=verdict(failures),
    )


def fetch_path(bench: Bench) -> Row:
    calls = max(bench.settings.calls, 50)
    what = f"fetch path: 4 queries, 50 ms each, {calls} calls"
    floor = Side(FETCH_FLOOR_MS, FETCH_FLOOR_MS, 0, None)
    if bench.service is None or bench.fhir is None:
        return _not_run(bench, "e", what, floor)
    _, body = bench.body_file("e", cases.fetch_path(bench.fhir.url), own_patient=False)
    answer = probe(bench.service.url + PATIENT_VIEW, body)
    got = bench.single_calls(bench.service, PATIENT_VIEW, body, calls)
    failures = [] if got.p50_ms < 80 else [f"p50 {got.p50_ms:.0f} ms >= 80 ms"]
    return row(
        "e",
        f"{what} -> {answer.describe()}",
        got,
        floor,
        versus=f"p50 {got.p50_ms - FETCH_FLOOR_MS:+.1f} ms over the 50 ms floor",
        target="p50 < 80 ms",
        result=verdict(failures + _failures(got, answer)),
    )


def evaluate_cli(bench: Bench) -> Row:
    what = f"`cds evaluate` 5,000-res. Bundle, {CLI_RUNS} runs"
    file, _ = bench.body_file("f", cases.fhir_bundle(5000, 500))
    env = service_env(bench.workdir, "cli")
    parse = "import sys, orjson; orjson.loads(open(sys.argv[1], 'rb').read())"
    base = process_runs([sys.executable, "-c", parse, str(file)], env, CLI_RUNS)
    got = process_runs([*cds_command(), "evaluate", str(file)], env, CLI_RUNS)
    base_side = Side(base.mean_ms, base.max_ms, base.errors, None)
    if not got.samples:
        return row("f", what, None, base_side, result=verdict([f"runs failed: {got.failure}"]))
    return row(
        "f",
        what,
        Side(got.mean_ms, got.max_ms, got.errors, None),
        base_side,
        versus=f"{got.mean_ms / base.mean_ms:.1f}x mean" if base.mean_ms else "",
        result=verdict([f"{got.errors} runs failed: {got.failure}"]) if got.errors else "",
    )


def soak(bench: Bench) -> Row:
    """Case (a) for `soak_seconds` on the warm 1-worker service; its RSS before, during, after."""
    seconds = bench.settings.soak_seconds
    what = f"(a) for {seconds:g} s more, same server"
    service = bench.service
    if service is None:
        return _not_run(bench, "soak", what, None)
    file, _ = bench.body_file("soak", cases.patient_view(40, 6))
    with _Sampler(service.rss_kib) as rss:
        got = bench.under_load(service, PATIENT_VIEW, file, seconds)
    before, after = rss.samples[0], rss.samples[-1]
    growth = (after - before) / before * 100 if before else 0.0
    quarters = [rss.samples[len(rss.samples) * i // 4] for i in range(4)] + [after]
    trace = " -> ".join(f"{kib / 1024:.0f}" for kib in quarters)
    failures = [] if growth < 10 else [f"RSS {growth:+.1f} % >= 10 %"]
    return row(
        "soak",
        what,
        got,
        None,
        versus=f"RSS {trace} MiB by quarters ({growth:+.1f} %), peak {max(rss.samples) / 1024:.0f}",
        target="RSS growth < 10 %",
        result=verdict(failures + ([f"{got.errors} errors"] if got.errors else [])),
    )


class _Sampler:
    """Samples a value every second in a thread while the `with` block runs."""

    def __init__(self, sample: Callable[[], int]) -> None:
        self.sample = sample
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append(self.sample())

    def __enter__(self) -> "_Sampler":
        self.samples.append(self.sample())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.sample())


def describe_bodies() -> str:
    sizes = {
        "a": len(cases.body(cases.patient_view(40, 6))),
        "b": len(cases.body(cases.patient_view(400, 40))),
        "d": len(cases.body(cases.order_sign())),
    }
    return "bodies: " + ", ".join(f"({k}) {v / 1024:.0f} KiB" for k, v in sizes.items())
