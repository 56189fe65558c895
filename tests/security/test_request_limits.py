"""Request headers are bounded before anything reads them: more than 100 headers, or more than
32 KiB of request line and headers, is a 431 from the running service."""

import socket
from urllib.parse import urlsplit

import httpx

from cds.api.server import MAX_HEADER_BYTES, MAX_HEADERS

PATH = "/healthz"


def _raw(service: str, head: bytes) -> bytes:
    """Sends a request head as is and returns the answer's first line."""
    parts = urlsplit(service)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n")
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def test_many_headers_are_431(service: str) -> None:
    head = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    assert _raw(service, head) == b"HTTP/1.1 431 Request Header Fields Too Large"


def test_large_headers_are_431(service: str) -> None:
    head = b"X-Big: " + b"a" * MAX_HEADER_BYTES + b"\r\n"
    assert _raw(service, head) == b"HTTP/1.1 431 Request Header Fields Too Large"


def test_a_long_url_counts(service: str) -> None:
    response = httpx.get(service + PATH + "?q=" + "a" * MAX_HEADER_BYTES)
    assert response.status_code == 431
    assert response.json()["error"] == "headers-too-large"


def test_ordinary_headers_pass(service: str) -> None:
    headers = {f"X-H{i}": "v" * 100 for i in range(MAX_HEADERS - 10)}
    assert httpx.get(service + PATH, headers=headers).status_code == 200
