"""The service under test: in a uvicorn thread (`serve`), or as a real `cds serve` subprocess
(`cds_serve`) on a loopback port, always stopped and reaped at the end.

A subprocess runs in its own session, so that stopping it also stops any uvicorn workers, and
logs to a file (a pipe nobody reads would fill up and block the server).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from cds.data.scenarios import FIXTURES_NOW
from tests.support.service import running_service

CDS = str(Path(sys.executable).with_name("cds"))
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
HASH_KEY = "e2e-test-key"


def serve(database_url: str, **settings: Any) -> AbstractContextManager[str]:
    """The service in a uvicorn thread on `database_url` and the fixtures' clock: its base URL."""
    return running_service(
        database_url=database_url, patient_hash_key=HASH_KEY, now=FIXTURES_NOW, **settings
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_environment(database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without any CDS_* setting of the developer's, plus ours."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CDS_")}
    env.update(
        CDS_DATABASE_URL=database_url,
        CDS_PATIENT_HASH_KEY=HASH_KEY,
        CDS_NOW=FIXTURES_NOW.isoformat(),
        CDS_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


class ServeProcess:
    def __init__(self, env: Mapping[str, str], port: int, log: Path, workers: int = 1) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        command = [CDS, "serve", "--port", str(port), "--workers", str(workers)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                env=dict(env),
                cwd=log.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"cds serve exited with {code}: {self.tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"cds serve did not answer within {START_TIMEOUT_S} s: {self.tail()}")

    def terminate(self) -> int:
        """SIGTERM, as a process manager stops a service: uvicorn finishes what it holds."""
        return self._signal(signal.SIGTERM, STOP_TIMEOUT_S)

    def kill(self) -> None:
        self._signal(signal.SIGKILL, STOP_TIMEOUT_S)

    def _signal(self, sig: signal.Signals, timeout: float) -> int:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout)

    def stop(self) -> None:
        """Terminate, kill if need be, and kill whatever is left of the process group."""
        try:
            if self.process.poll() is None:
                self.terminate()
        finally:
            if self.process.poll() is None:
                self.kill()
            # A worker may outlive its master when the master alone was killed.
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def cds_serve(
    env: Mapping[str, str], log: Path, *, port: int | None = None, workers: int = 1
) -> Iterator[ServeProcess]:
    """A started and answering `cds serve`; terminated, or killed, however the block ends."""
    with cds_servers(env, [log], port=port, workers=workers) as (server,):
        yield server


@contextmanager
def cds_servers(
    env: Mapping[str, str], logs: Sequence[Path], *, port: int | None = None, workers: int = 1
) -> Iterator[list[ServeProcess]]:
    """Several `cds serve` started at once (one per log file), each on its own port."""
    assert port is None or len(logs) == 1, "one port for one server"
    servers: list[ServeProcess] = []
    try:
        for log in logs:
            servers.append(ServeProcess(env, port or free_port(), log, workers))
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
