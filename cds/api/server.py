"""How uvicorn serves the app: options shared by `cds serve` and the tests' servers, and a
bound on request headers.

uvicorn's httptools protocol puts no limit on request headers: a megabyte of them costs two in
memory before any check. Here a request line and headers larger than `MAX_HEADER_BYTES` in all,
or more than `MAX_HEADERS` headers, get a 431 and the connection is closed.
"""

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024
"""The request line and every header name and value together."""

_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n\r\n"
)
_BODY = b'{"error":"headers-too-large","message":"at most %d headers of %d bytes in all"}' % (
    MAX_HEADERS,
    MAX_HEADER_BYTES,
)


class _HeadersTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a bound on the request line and headers."""

    _header_count = 0
    _header_bytes = 0
    _refused = False

    def on_message_begin(self) -> None:
        self._header_count = self._header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url), headers=0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value), headers=1)
        super().on_header(name, value)

    def _count(self, size: int, *, headers: int) -> None:
        self._header_bytes += size
        self._header_count += headers
        if self._header_bytes > MAX_HEADER_BYTES or self._header_count > MAX_HEADERS:
            self._refused = True
            self.transport.write(_431 % len(_BODY) + _BODY)
            self.transport.close()
            # Stops the parser: uvicorn sees a parser error, and its 400 is not sent.
            raise _HeadersTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)


SERVER_OPTIONS: dict[str, Any] = {
    "http": BoundedHttpToolsProtocol,
    "log_config": None,
    "server_header": False,
    "access_log": False,
}
"""uvicorn options of every server of the app (`cds serve` adds host, port and workers)."""
