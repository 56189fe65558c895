"""Reads from the EHR's FHIR server. The one seam where httpx errors become ours.

Whatever went wrong, the client is told only that the FHIR server could not be read: what an
address answered (a status, a time-out, a login page) would map the network behind it. The
reason goes to the logs (`FhirServerError.reason`).
"""

from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import anyio
import httpx
import orjson

from cds.data.bounded_body import ACCEPT_ENCODING, BodyTooLarge, BodyUnreadable, read_bounded
from cds.exceptions import FhirServerError, TooManyResources
from cds.types import JSON

FHIR_JSON = "application/fhir+json"
PARSE_IN_THREAD_BYTES = 1024 * 1024
"""Larger bodies are parsed in a worker thread, off the event loop."""


def new_http_client(*, timeout: float) -> httpx.AsyncClient:
    """The process's one pooled client, shared by every caller: redirects are never followed
    (SSRF), and no cookie a server sets is kept, so none is ever sent again."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"Accept": FHIR_JSON, "Accept-Encoding": ACCEPT_ENCODING},
        cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
    )


def unreadable(key: str, reason: str) -> FhirServerError:
    return FhirServerError(f"the FHIR server could not be read for {key}", field=key, reason=reason)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


async def get_json(
    http: httpx.AsyncClient, url: str, token: str | None, key: str, *, max_bytes: int
) -> JSON:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        async with http.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise unreadable(key, f"status-{response.status_code}")
            content = await read_bounded(response, max_bytes)
    except httpx.TimeoutException as exc:
        raise unreadable(key, "timeout") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise unreadable(key, "unreachable") from exc
    except BodyTooLarge as exc:
        raise unreadable(key, "too-large") from exc
    except BodyUnreadable as exc:
        raise unreadable(key, "bad-encoding") from exc
    try:
        if len(content) > PARSE_IN_THREAD_BYTES:
            body = await anyio.to_thread.run_sync(orjson.loads, content)
        else:
            body = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise unreadable(key, "not-json") from exc
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise unreadable(key, "not-fhir")
    if body["resourceType"] == "OperationOutcome":
        raise unreadable(key, "operation-outcome")
    return body


def bundle_resources(bundle: JSON) -> list[JSON]:
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []
    return [
        entry["resource"]
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]


def next_link(bundle: JSON) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


async def search(
    http: httpx.AsyncClient,
    url: str,
    token: str | None,
    key: str,
    *,
    max_pages: int,
    max_resources: int,
    max_bytes: int,
) -> list[JSON]:
    """All resources of a search, following `next` links on the same origin up to bounds.

    A search that still has a next page at the bound is refused, not cut short: a red flag
    on the page after it must not go unseen while routine advice is given.
    """
    resources: list[JSON] = []
    origin = _origin(url)
    for _ in range(max_pages):
        bundle = await get_json(http, url, token, key, max_bytes=max_bytes)
        if bundle["resourceType"] != "Bundle":
            raise unreadable(key, "not-a-bundle")
        resources.extend(bundle_resources(bundle))
        if len(resources) > max_resources:
            raise TooManyResources(key, max_resources)
        following = next_link(bundle)
        if following is None:
            return resources
        try:
            url = urljoin(url, following)
            leaves = _origin(url) != origin
        except ValueError as exc:
            raise unreadable(key, "bad-next-link") from exc
        if leaves:
            raise FhirServerError(f"next link of {key} leaves the FHIR server", field=key)
    raise FhirServerError(f"{key} has more than {max_pages} pages (CDS_MAX_PAGES)", field=key)
