"""Reading a request body: media type, size bound, one JSON parse (then `cds.protocol.validate`)."""

import asyncio

import orjson
from starlette.requests import ClientDisconnect, Request

from cds.exceptions import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from cds.types import JSON


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_json_object(request: Request, max_bytes: int, timeout: float) -> JSON:
    """Uvicorn waits for a body as long as the client keeps the connection: `timeout` ends it."""
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType(
            "the body must be sent as application/json", field="Content-Type"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the body is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"the body is larger than {max_bytes} bytes")
                chunks.append(chunk)
    except TimeoutError as exc:
        raise InvalidRequest(f"the body did not arrive within {timeout:g} s") from exc
    except ClientDisconnect as exc:
        raise InvalidRequest("the client left before sending the whole body") from exc
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the body is not valid JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return body
