"""Start the test-only FHIR R4 server (tests/support/fhir_server/server.mjs) from Python tests.

The server is Medplum's in-memory FHIR router behind a small node:http wrapper; see
tests/support/fhir_server/server.mjs. Its node modules are installed by `make test`
(`npm ci --prefix tests/support/fhir_server --no-audit --no-fund`).

    with running_fhir_server([patient, *conditions], token="t0k") as base_url:
        httpx.get(f"{base_url}/Patient/{patient['id']}", headers={"Authorization": "Bearer t0k"})
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SERVER_DIR = Path(__file__).resolve().parent / "fhir_server"
BASE_PATH = "/fhir"
STARTUP_TIMEOUT_S = 20.0


class FhirServerError(RuntimeError):
    """The test FHIR server could not be started."""


def _node_command() -> list[str]:
    if not (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
        raise FhirServerError(
            f"{SERVER_DIR / 'node_modules'} is missing: run `make test`, which installs it "
            "(or `npm ci --prefix tests/support/fhir_server --no-audit --no-fund`)."
        )
    node = shutil.which("node")
    if node is None:
        raise FhirServerError("`node` (Node.js 20+) is not on PATH; it runs the test FHIR server.")
    return [node, str(SERVER_DIR / "server.mjs")]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and reap it; close our end of its stdin."""
    if proc.stdin is not None:
        proc.stdin.close()
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_fhir_server(
    resources: list[dict[str, Any]],
    *,
    token: str | None = None,
    page_size: int = 20,
    startup_timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[str]:
    """Run a FHIR R4 server holding `resources` (ids kept); yield its base URL.

    The base URL looks like "http://127.0.0.1:41234/fhir". With `token`, every request must
    carry `Authorization: Bearer <token>` (else 401 with `WWW-Authenticate: Bearer`). Searches
    without `_count` return `page_size` entries and a `next` link. The server process is ended
    when the block exits, whether or not it raised.
    """
    command = _node_command()
    with tempfile.TemporaryDirectory(prefix="fhir-test-server-") as tmp:
        data = Path(tmp) / "resources.json"
        data.write_text(json.dumps(resources), encoding="utf-8")
        command += ["--data", str(data), "--port", "0", "--base", BASE_PATH]
        command += ["--page-size", str(page_size), "--exit-on-stdin-close"]
        if token is not None:
            command += ["--token", token]
        # Options go on the command line only: ignore FHIR_TEST_* from the caller's environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR_TEST_")}
        out_path, err_path = Path(tmp) / "stdout.txt", Path(tmp) / "stderr.txt"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=SERVER_DIR, env=env
            )
        try:
            port = _wait_for_port(proc, out_path, err_path, startup_timeout)
            yield f"http://127.0.0.1:{port}{BASE_PATH}"
        finally:
            _stop(proc)


def _wait_for_port(
    proc: subprocess.Popen[bytes], out_path: Path, err_path: Path, timeout: float
) -> int:
    """Wait for the server's `{"port": N}` line; it is printed once the server listens."""
    deadline = time.monotonic() + timeout
    while True:
        line = out_path.read_text(encoding="utf-8", errors="replace").partition("\n")
        if line[1]:
            return int(json.loads(line[0])["port"])
        code = proc.poll()
        if code is not None or time.monotonic() > deadline:
            why = f"exited with code {code}" if code is not None else f"not ready in {timeout} s"
            stderr = err_path.read_text(encoding="utf-8", errors="replace").strip()
            raise FhirServerError(f"test FHIR server {why}; stderr:\n{stderr or '(empty)'}")
        time.sleep(0.02)
