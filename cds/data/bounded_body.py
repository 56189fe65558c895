"""Reading an HTTP response body within a bound counted after decompression.

httpx would inflate a whole received chunk at once: a few hundred kilobytes of gzip can become
hundreds of megabytes. Here the raw body is inflated a slice at a time, the bound is checked
after each slice, and the event loop gets a turn between slices.
"""

import asyncio
import zlib

import httpx

ACCEPT_ENCODING = "gzip, deflate"
SLICE_BYTES = 256 * 1024
"""Decompressed bytes per step."""


class BodyTooLarge(Exception):
    """The body, decompressed, is larger than the bound."""


class BodyUnreadable(Exception):
    """The body's content encoding is unknown or corrupt."""


def _decompressor(encoding: str) -> "zlib._Decompress | None":
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise BodyUnreadable(f"content-encoding {encoding!r}")


async def read_bounded(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed `response`, decompressed; `BodyTooLarge` beyond `limit` bytes."""
    decompressor = _decompressor(response.headers.get("content-encoding", "").strip().lower())
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            if decompressor is None:
                body += chunk
                if len(body) > limit:
                    raise BodyTooLarge
                continue
            pending = chunk
            while pending:
                body += decompressor.decompress(pending, SLICE_BYTES)
                pending = decompressor.unconsumed_tail
                if len(body) > limit:
                    raise BodyTooLarge
                await asyncio.sleep(0)
        if decompressor is not None:
            body += decompressor.flush()
    except zlib.error as exc:
        raise BodyUnreadable("corrupt compressed body") from exc
    if len(body) > limit:
        raise BodyTooLarge
    return bytes(body)
