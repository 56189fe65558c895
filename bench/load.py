"""Load generators: `wrk` (preferred) or a bounded async httpx client, both in a subprocess.

Both POST one body over `connections` keep-alive connections for a fixed duration, give each
request its own `hookInstance`, and report successful responses per second, p50/p99 latency
and errors (socket errors, timeouts and non-2xx answers).

Run as `python -m bench.load URL BODY_FILE --duration S --connections N` for the fallback.
"""

import argparse
import asyncio
import math
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson

from bench.cases import HOOK_INSTANCE_MARKER

LUA_SCRIPT = Path(__file__).with_name("post.lua")
RESULT_PREFIX = "BENCH_JSON "


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    """Successful (2xx) responses in the measured window."""
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class LoadGenerator(Protocol):
    name: str

    def run(
        self, url: str, body_file: Path, seconds: float, connections: int, cpus: list[str]
    ) -> LoadResult: ...


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def _parse_result(stdout: str, tool: str) -> dict[str, float]:
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            parsed: dict[str, float] = orjson.loads(line.removeprefix(RESULT_PREFIX))
            return parsed
    raise RuntimeError(f"{tool} printed no result line:\n{stdout[-2000:]}")


class Wrk:
    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.name = f"wrk {wrk_version(executable)} (1 thread, Lua POST script)"

    def run(
        self, url: str, body_file: Path, seconds: float, connections: int, cpus: list[str]
    ) -> LoadResult:
        argv = [
            *cpus,
            self.executable,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA_SCRIPT),
            url,
            "--",
            str(body_file),
            HOOK_INSTANCE_MARKER,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
        r = _parse_result(done.stdout, "wrk")
        socket_errors = int(r["connect"] + r["read"] + r["write"] + r["timeout"])
        return LoadResult(
            requests=int(r["requests"] - r["status"]),
            seconds=r["duration_us"] / 1e6,
            p50_ms=r["p50_us"] / 1000,
            p99_ms=r["p99_us"] / 1000,
            errors=socket_errors + int(r["status"]),
        )


class HttpxLoad:
    name = (
        "async httpx fallback (1 process, bounded concurrency; it saturates long before the "
        "baseline does, so req/s ratios read too high)"
    )

    def run(
        self, url: str, body_file: Path, seconds: float, connections: int, cpus: list[str]
    ) -> LoadResult:
        argv = [*cpus, sys.executable, "-m", "bench.load", url, str(body_file)]
        argv += ["--seconds", str(seconds), "--connections", str(connections)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"httpx load failed ({done.returncode}): {done.stderr[-2000:]}")
        r = _parse_result(done.stdout, "httpx load")
        return LoadResult(
            requests=int(r["requests"]),
            seconds=r["seconds"],
            p50_ms=r["p50_ms"],
            p99_ms=r["p99_ms"],
            errors=int(r["errors"]),
        )


def wrk_version(executable: str) -> str:
    done = subprocess.run([executable, "--version"], capture_output=True, text=True)
    found = re.search(r"wrk\s+(\S+)", done.stdout + done.stderr)
    return found.group(1) if found else "?"


def _install_wrk() -> str | None:
    """`apt-get install wrk` when root and apt exists; the path of wrk, or None."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("bench: wrk missing, installing it with apt-get ...", file=sys.stderr)
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        if subprocess.run(argv, capture_output=True, env=env, timeout=300).returncode != 0:
            return None
    return shutil.which("wrk")


def choose(preference: str) -> LoadGenerator:
    """`auto`: wrk, installed when missing and possible, else the httpx fallback."""
    if preference == "httpx":
        return HttpxLoad()
    executable = shutil.which("wrk") or _install_wrk()
    if executable is not None:
        return Wrk(executable)
    if preference == "wrk":
        raise RuntimeError("wrk is not installed and could not be installed")
    return HttpxLoad()


async def _drive(url: str, body: bytes, seconds: float, connections: int) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    counter = 0
    marker = HOOK_INSTANCE_MARKER.encode()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker(index: int) -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                payload = body.replace(
                    marker, f"{index:08x}-0000-4000-8000-{counter:012x}".encode()
                )
                sent = time.perf_counter()
                try:
                    response = await client.post(url, content=payload, headers=headers)
                except httpx.HTTPError:
                    errors += 1
                    continue
                if 200 <= response.status_code < 300:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1

        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("url")
    parser.add_argument("body_file", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(
        _drive(args.url, args.body_file.read_bytes(), args.seconds, args.connections)
    )
    print(RESULT_PREFIX + orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
