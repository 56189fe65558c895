"""Reads from the EHR's FHIR server. The one seam where httpx errors become ours."""

from urllib.parse import urljoin, urlsplit

import httpx
import orjson

from cds.exceptions import FhirServerError, TooManyResources
from cds.types import JSON

FHIR_JSON = "application/fhir+json"


def new_http_client(*, timeout: float) -> httpx.AsyncClient:
    """The process's one pooled client; redirects are never followed (SSRF)."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"Accept": FHIR_JSON},
    )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


async def get_json(http: httpx.AsyncClient, url: str, token: str | None, key: str) -> JSON:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        response = await http.get(url, headers=headers)
    except httpx.TimeoutException as exc:
        raise FhirServerError(f"FHIR server timed out for {key}", field=key) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FhirServerError(f"FHIR server unreachable for {key}", field=key) from exc
    if response.status_code != 200:
        what = "a redirect, not followed" if response.is_redirect else "an error"
        raise FhirServerError(
            f"FHIR server answered {response.status_code} ({what}) for {key}", field=key
        )
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise FhirServerError(
            f"FHIR server sent a body that is not JSON for {key}", field=key
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise FhirServerError(f"FHIR server sent a body that is not FHIR for {key}", field=key)
    if body["resourceType"] == "OperationOutcome":
        raise FhirServerError(f"FHIR server sent an OperationOutcome for {key}", field=key)
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
) -> list[JSON]:
    """All resources of a search, following `next` links on the same origin up to bounds.

    A search that still has a next page at the bound is refused, not cut short: a red flag
    on the page after it must not go unseen while routine advice is given.
    """
    resources: list[JSON] = []
    origin = _origin(url)
    for _ in range(max_pages):
        bundle = await get_json(http, url, token, key)
        if bundle["resourceType"] != "Bundle":
            raise FhirServerError(
                f"FHIR server sent a {bundle['resourceType']} for a search ({key})", field=key
            )
        resources.extend(bundle_resources(bundle))
        if len(resources) > max_resources:
            raise TooManyResources(key, max_resources)
        following = next_link(bundle)
        if following is None:
            return resources
        url = urljoin(url, following)
        if _origin(url) != origin:
            raise FhirServerError(f"next link of {key} leaves the FHIR server", field=key)
    raise FhirServerError(f"{key} has more than {max_pages} pages (CDS_MAX_PAGES)", field=key)
