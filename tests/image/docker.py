"""Builds this tree's Docker image and runs containers of it, with the `docker` command.

The base image is `BASE_IMAGE` (as `make image` takes it), by default the official slim Python.
Containers use `--network none` or `--network host` only: the engines here have no bridge.
"""

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
BASE_IMAGE = os.environ.get("BASE_IMAGE", "python:3.11-slim")
TAG = "spinal-cds:test"

# Sent to `python -` in a container: one HTTP call to the service on its default port, the
# body from stdin, the answer's status and body on stdout.
CALL = """
import sys, urllib.error, urllib.request
method, path, body = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
request = urllib.request.Request("http://127.0.0.1:8000" + path, data=body or None,
                                 method=method, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=30) as answer:
        status, text = answer.status, answer.read()
except urllib.error.HTTPError as error:
    status, text = error.code, error.read()
sys.stdout.buffer.write(str(status).encode() + b"\\n" + text)
"""


def docker(*args: str, timeout: float = 120, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"docker {args[0]} failed: {done.stderr.decode()[-2000:]}")
    return done.stdout.decode()


def engine_answers() -> bool:
    try:
        docker("info", timeout=20)
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return False
    return True


def build_image() -> str:
    """Builds TAG from the working tree; removes the image it replaces (vfs storage is large)."""
    try:
        before = docker("image", "inspect", "--format", "{{.Id}}", TAG).strip()
    except RuntimeError:
        before = ""
    docker(
        "build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "--tag", TAG, str(ROOT),
        timeout=1800,
    )  # fmt: skip
    after = docker("image", "inspect", "--format", "{{.Id}}", TAG).strip()
    if before and before != after:
        subprocess.run(["docker", "rmi", before], capture_output=True, check=False)
    return TAG


@dataclass(frozen=True)
class Container:
    name: str

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.name).strip()

    def logs(self) -> str:
        done = subprocess.run(["docker", "logs", self.name], capture_output=True, check=False)
        return (done.stdout + done.stderr).decode()

    def exec(self, *command: str, stdin: bytes | None = None) -> str:
        return docker("exec", "-i", self.name, *command, stdin=stdin)

    def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """An HTTP call from inside the container to the service on its default port."""
        out = self.exec("python", "-c", CALL, method, path, stdin=body).encode()
        status, _, text = out.partition(b"\n")
        return int(status), text

    def wait_for(self, template: str, wanted: set[str], seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while True:
            state = self.inspect(template)
            if state in wanted or time.monotonic() > deadline:
                return state
            time.sleep(0.5)


@contextmanager
def running(image: str, *args: str, command: tuple[str, ...] = ()) -> Iterator[Container]:
    """A container of `image` started with `docker run` options `args`, removed afterwards."""
    name = f"spinal-cds-test-{secrets.token_hex(4)}"
    try:
        docker("run", "--detach", "--name", name, *args, image, *command, timeout=300)
        yield Container(name)
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
