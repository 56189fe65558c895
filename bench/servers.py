"""The processes a benchmark talks to: started on free loopback ports, awaited until ready,
and always stopped, with their whole process group, on return, error, Ctrl-C or SIGTERM.

Each child also gets SIGTERM from the kernel if the benchmark itself dies (PR_SET_PDEATHSIG),
so not even `kill -9` of the benchmark leaves a server behind.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

import httpx

HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1
STOP_SECONDS = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_libc = ctypes.CDLL(None, use_errno=True)


class ServerFailed(RuntimeError):
    def __init__(self, name: str, why: str, log: Path) -> None:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:] if log.exists() else []
        self.name, self.why, self.last_line = name, why, (tail[-1] if tail else "")
        super().__init__(f"{name} {why}; last lines of {log}:\n" + "\n".join(tail))


@dataclass(frozen=True, slots=True)
class Pinning:
    """CPU pinning with taskset: the servers on one core, load and client on the other."""

    server: list[str]
    load: list[str]
    everywhere: list[str]
    """For a server that should use every core (the two-worker run)."""
    text: str


def pinning(enabled: bool = True) -> Pinning:
    taskset = shutil.which("taskset")
    cores = sorted(os.sched_getaffinity(0))
    if not enabled or taskset is None or len(cores) < 2:
        why = "disabled" if not enabled else "no taskset" if taskset is None else "one core"
        return Pinning([], [], [], f"not pinned ({why})")
    server, load = str(cores[0]), str(cores[1])
    return Pinning(
        [taskset, "-c", server],
        [taskset, "-c", load],
        [taskset, "-c", ",".join(map(str, cores))],
        f"taskset: servers on CPU {server}, load generator and client on CPU {load}",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C does, so every `finally` stops its servers.

    SIGINT is set too: a shell starts background jobs with it ignored.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_exit)


def _tree(pid: int) -> list[int]:
    """A process and its descendants, from /proc."""
    pids = [pid]
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                pids += _tree(int(child))
    return pids


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (KiB)."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def pss_kib(pid: int) -> int:
    """Proportional memory of a process and its descendants (KiB): a page shared by n of them
    counts 1/n in each, so forked workers' shared pages count once in all."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants so far."""
    ticks = 0
    for member in _tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)


class Servers:
    """Owns every server it starts; leaving the `with` block stops them all."""

    def __init__(self, workdir: Path, cwd: Path) -> None:
        self.workdir = workdir
        self.cwd = cwd
        self._running: list[Server] = []

    def start(
        self,
        name: str,
        argv: Callable[[int], list[str]],
        *,
        env: dict[str, str],
        ready_path: str,
        timeout: float = 60.0,
    ) -> Server:
        """Runs `argv(port)` on a free port and waits until GET `ready_path` answers 200."""
        port = free_port()
        log = self.workdir / f"{name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                argv(port),
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        server = Server(name, f"http://{HOST}:{port}", process, log)
        self._running.append(server)
        self._await_ready(server, ready_path, timeout)
        return server

    def _await_ready(self, server: Server, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if server.process.poll() is not None:
                    self.stop(server)
                    raise ServerFailed(
                        server.name, f"exited with {server.process.returncode}", server.log
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(server.url + path).status_code == 200:
                        return
                time.sleep(0.1)
        self.stop(server)
        raise ServerFailed(server.name, f"not ready within {timeout:g} s", server.log)

    def stop(self, server: Server) -> None:
        if server in self._running:
            self._running.remove(server)
        process = server.process
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_SECONDS)
        # Whatever is left of the group (workers of a supervisor that died first).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not
        try:  # cut the clean-up short
            for server in reversed(list(self._running)):
                self.stop(server)
        finally:
            signal.signal(signal.SIGINT, previous)
