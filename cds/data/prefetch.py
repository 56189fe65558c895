"""Gathers the data a call needs: the EHR's prefetch first, the FHIR server for the rest.

A prefetch value of `null` means "no data" and is not fetched again; an OperationOutcome in
place of data counts as missing. Every fetch of one call runs concurrently on the pooled client
within one time budget; what the engine cannot do without and cannot get is a 412. More
resources under a key than the limit is a 413 for any key, prefetched or fetched alike.
"""

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from cds import metrics
from cds.data import fhir_client
from cds.exceptions import CdsError, InvalidRequest, PrefetchUnavailable, TooManyResources
from cds.services import ESSENTIAL_PREFETCH, PatientData
from cds.types import JSON

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")


@dataclass(frozen=True, slots=True)
class FetchPlan:
    fhir_server: str | None
    refusal: str | None
    """Why a given fhirServer may not be fetched from, when it may not."""
    access_token: str | None
    budget_seconds: float
    max_pages: int
    max_resources: int
    max_concurrent: int
    max_response_bytes: int


def render_template(template: str, context: JSON) -> str | None:
    """Fills `{{context.X}}` tokens; None when the context lacks a string for one of them."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = context.get(match.group(1))
        if not isinstance(found, str):
            missing = True
            return ""
        return quote(found, safe="")

    rendered = _TOKEN.sub(value, template)
    return None if missing else rendered


def read_prefetched(key: str, value: object, max_resources: int) -> list[JSON] | None:
    """Resources of one prefetch value; None when it counts as missing."""
    if value is None:
        return []
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise InvalidRequest(
            f"prefetch.{key} must be a FHIR resource or null", field=f"prefetch.{key}"
        )
    if value["resourceType"] == "OperationOutcome":
        return None
    resources = (
        fhir_client.bundle_resources(value) if value["resourceType"] == "Bundle" else [value]
    )
    if len(resources) > max_resources:
        raise TooManyResources(key, max_resources)
    return resources


async def gather(
    templates: dict[str, str],
    context: JSON,
    prefetch: JSON,
    plan: FetchPlan,
    http: httpx.AsyncClient,
) -> PatientData:
    data: PatientData = {}
    missing: list[str] = []
    for key in templates:
        resources = (
            read_prefetched(key, prefetch[key], plan.max_resources) if key in prefetch else None
        )
        if resources is None:
            missing.append(key)
        else:
            data[key] = resources
    if missing:
        data.update(await _fetch_missing(templates, missing, context, plan, http))
    unavailable = sorted(ESSENTIAL_PREFETCH - data.keys())
    if unavailable:
        why = plan.refusal or ("" if plan.fhir_server else "no fhirServer given")
        raise PrefetchUnavailable(
            f"{', '.join(unavailable)} neither prefetched nor fetchable"
            + (f": {why}" if why else ""),
            field=f"prefetch.{unavailable[0]}",
        )
    return data


async def _fetch_missing(
    templates: dict[str, str],
    keys: list[str],
    context: JSON,
    plan: FetchPlan,
    http: httpx.AsyncClient,
) -> PatientData:
    if plan.fhir_server is None:
        return {}
    base = plan.fhir_server.rstrip("/") + "/"
    limit = asyncio.Semaphore(plan.max_concurrent)

    async def fetch(key: str, query: str) -> list[JSON]:
        async with limit:
            if "?" in query:
                return await fhir_client.search(
                    http,
                    base + query,
                    plan.access_token,
                    key,
                    max_pages=plan.max_pages,
                    max_resources=plan.max_resources,
                    max_bytes=plan.max_response_bytes,
                )
            response = await fhir_client.get_json(
                http, base + query, plan.access_token, key, max_bytes=plan.max_response_bytes
            )
            return [response]

    tasks: dict[str, asyncio.Task[list[JSON]]] = {}
    for key in keys:
        query = render_template(templates[key], context)
        if query is not None:
            tasks[key] = asyncio.create_task(fetch(key, query))
    if not tasks:
        return {}
    started = time.perf_counter()
    done, pending = await asyncio.wait(tasks.values(), timeout=plan.budget_seconds)
    metrics.FHIR_FETCH_LATENCY.observe(time.perf_counter() - started)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

    # Every task's exception is retrieved before one of them is raised: asyncio logs an error
    # for each exception left unretrieved.
    failures: dict[str, BaseException | None] = {
        key: task.exception() if task in done else fhir_client.unreadable(key, "budget-exceeded")
        for key, task in tasks.items()
    }
    fetched: PatientData = {}
    for key, task in tasks.items():
        failure = failures[key]
        if failure is None:
            fetched[key] = task.result()
            continue
        if not isinstance(failure, CdsError):
            raise failure
        metrics.FHIR_FETCH_ERRORS.labels(failure.error).inc()
        if key in ESSENTIAL_PREFETCH or isinstance(failure, TooManyResources):
            raise failure
        log.warning("fetch.partial", extra={"key": key, "reason": failure.reason or str(failure)})
    return fetched
