"""Measurements other than sustained load: one probing call, single sequential calls, and
whole-process timings of a command."""

import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass

import httpx
import orjson

from bench.cases import HOOK_INSTANCE_MARKER
from bench.load import percentile

HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class Probe:
    status: int
    cards: int | None
    message: str

    @property
    def ok(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        if self.ok:
            return f"{self.cards} card{'' if self.cards == 1 else 's'}"
        return f"HTTP {self.status}: {self.message}"[:80]


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds per call or per run, and how many of them failed."""

    samples: list[float]
    errors: int
    failure: str = ""
    """The last line of error output of a failed run, if any."""

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 99) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.samples) * 1000 if self.samples else 0.0

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.samples) * 1000 if self.samples else 0.0


def _unique(body: bytes) -> bytes:
    return body.replace(HOOK_INSTANCE_MARKER.encode(), str(uuid.uuid4()).encode())


def probe(url: str, body: bytes) -> Probe:
    """One call, to show what the service answers before it is measured."""
    try:
        response = httpx.post(url, content=_unique(body), headers=HEADERS, timeout=60.0)
    except httpx.HTTPError as exc:
        return Probe(0, None, f"{type(exc).__name__}: {exc}")
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return Probe(response.status_code, None, response.text[:200])
    cards = answer.get("cards") if isinstance(answer, dict) else None
    message = str(answer.get("message", "")) if isinstance(answer, dict) else ""
    return Probe(response.status_code, len(cards) if isinstance(cards, list) else None, message)


def sequential(url: str, body: bytes, calls: int) -> Timings:
    """`calls` single calls one after another on one keep-alive connection."""
    samples: list[float] = []
    errors = 0
    with httpx.Client(timeout=120.0, headers=HEADERS) as client:
        for _ in range(calls):
            payload = _unique(body)
            started = time.perf_counter()
            try:
                status = client.post(url, content=payload).status_code
            except httpx.HTTPError:
                status = 0
            elapsed = time.perf_counter() - started
            if status == 200:
                samples.append(elapsed)
            else:
                errors += 1
    return Timings(samples, errors)


def process_runs(argv: list[str], env: dict[str, str], runs: int, warmup: int = 1) -> Timings:
    """Wall time of whole runs of `argv`, interpreter start included; output discarded."""
    samples: list[float] = []
    errors = 0
    failure = ""
    for n in range(warmup + runs):
        started = time.perf_counter()
        done = subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            failure = lines[-1] if lines else f"exit code {done.returncode}"
        if n < warmup:
            continue
        if done.returncode == 0:
            samples.append(elapsed)
        else:
            errors += 1
    return Timings(samples, errors, failure)
