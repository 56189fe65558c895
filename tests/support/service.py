"""Runs the service (or any ASGI app) in a real uvicorn server on a free loopback port, with the
options `cds serve` uses."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from cds.api.app import create_app
from cds.api.server import SERVER_OPTIONS
from cds.settings import Settings

OWN_URL = object()
"""As a setting's value: the URL the service is reached at, known once its port is."""
TEST_FHIR_SERVERS = "http://127.0.0.1:*"
"""The FHIR servers tests start are all on loopback; the service allows none by default."""


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def _serving(sock: socket.socket, app: Any) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **SERVER_OPTIONS))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def running_app(app: Any) -> Iterator[str]:
    with _serving(_bound_socket(), app) as base_url:
        yield base_url


@contextmanager
def running_service(**settings: Any) -> Iterator[str]:
    """The service with these settings, and the loopback FHIR servers allowed unless they say
    otherwise; a setting given as `OWN_URL` is the service's own URL."""
    settings.setdefault("allowed_fhir_servers", TEST_FHIR_SERVERS)
    sock = _bound_socket()
    own_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = {name: own_url if value is OWN_URL else value for name, value in settings.items()}
    try:
        app = create_app(Settings(**settings))
    except BaseException:
        sock.close()
        raise
    with _serving(sock, app) as base_url:
        yield base_url
