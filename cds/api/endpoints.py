"""The HTTP endpoints. Errors are raised as `cds.exceptions` and mapped in `cds.api.app`."""

import asyncio
import logging
import time
from datetime import datetime, timedelta

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from cds import metrics
from cds.api.about import about_url
from cds.api.body import read_json_object
from cds.api.runtime import Runtime
from cds.cards.issued import IssuedCard
from cds.data.prefetch import FetchPlan, gather
from cds.evaluation import Evaluation, evaluate
from cds.exceptions import CdsError, HookMismatch, InvalidRequest, UnknownService
from cds.facts.record import PatientRecord
from cds.protocol import CdsRequest, FeedbackRequest, HookContext, validate
from cds.security import check_fhir_server
from cds.security.callers import open_caller, token_caller
from cds.services import Service
from cds.store import (
    CallAudit,
    FeedbackEntry,
    PatientKey,
    ShownCards,
    Store,
    patient_hash,
    suppression,
)
from cds.types import Hook
from hooks import SERVICES

log = logging.getLogger(__name__)

OFFLOAD_ABOVE_RESOURCES = 1_000
"""Records larger than this are evaluated in a worker thread, off the event loop."""
FEEDBACK_CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock an outcomeTimestamp may be."""
NOT_RECORDED = frozenset({401, 404})
"""Statuses whose calls are counted in the metrics but leave no audit row: anyone can cause
them, and they must not grow the store."""


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _service(request: Request) -> Service[HookContext]:
    service_id = request.path_params["service_id"]
    service = SERVICES.get(service_id)
    if service is None:
        raise UnknownService(f"no CDS service with id {service_id!r}", field="id")
    return service


async def authorize(request: Request) -> str | None:
    """The caller of the request (`cds.security.callers`), or None in open mode.

    The audience a token must name is `CDS_PUBLIC_BASE_URL` plus the path, never built from
    the request's Host header."""
    runtime = _runtime(request)
    if runtime.verifier is None:
        return None
    audience = (runtime.settings.public_base_url or "").rstrip("/") + request.url.path
    claims = await runtime.verifier.verify(request.headers.get("authorization"), audience)
    return token_caller(claims)


async def discovery(request: Request) -> Response:
    await authorize(request)
    return JsonResponse(_runtime(request).discovery)


async def healthz(request: Request) -> Response:
    return JsonResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    runtime = _runtime(request)
    security = "jwt" if runtime.verifier else "open: no trusted issuers configured, local use only"
    try:
        await runtime.store.run("ping", Store.ping)
    except CdsError:
        return JsonResponse(
            {"status": "unready", "store": "unreachable", "security": security}, 503
        )
    return JsonResponse({"status": "ready", "store": "ok", "security": security})


async def metrics_endpoint(request: Request) -> Response:
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _fetch_plan(runtime: Runtime, envelope: CdsRequest) -> FetchPlan:
    settings = runtime.settings
    server, refusal = envelope.fhirServer, None
    if server is not None:
        try:
            check_fhir_server(server, runtime.fhir_server_patterns)
        except CdsError as exc:
            server, refusal = None, exc.message
    token = envelope.fhirAuthorization.access_token if envelope.fhirAuthorization else None
    return FetchPlan(
        fhir_server=server,
        refusal=refusal,
        access_token=token,
        budget_seconds=settings.fetch_budget_seconds,
        max_pages=settings.max_pages,
        max_resources=settings.max_resources_per_prefetch,
        max_concurrent=settings.max_concurrent_fetches,
        max_response_bytes=settings.max_fhir_response_bytes,
    )


async def _evaluate(record: PatientRecord, hook: Hook, now: datetime) -> Evaluation:
    size = len(record.conditions) + len(record.observations) + len(record.service_requests)
    if size > OFFLOAD_ABOVE_RESOURCES:
        return await run_in_threadpool(evaluate, record, hook, now)
    return evaluate(record, hook, now)


async def _take_turn() -> None:
    """A call is a millisecond or more of CPU: before it, the event loop takes in the calls that
    arrived meanwhile, so that calls are answered in the order they came (without this, under
    load the slowest 1 % took 2.7 times the median instead of 1.8). It yields before the body is
    parsed, so that waiting calls hold their bytes, not parsed records: yielding after parsing
    cost 12 % more CPU a call under load (bench case (a), median of 5 alternated runs)."""
    await asyncio.sleep(0)


async def _issue(
    runtime: Runtime,
    cards: list[IssuedCard],
    patient: PatientKey,
    now: datetime,
    service_id: str,
    hook_instance: str,
) -> list[IssuedCard]:
    """Leaves out what must not nag, and queues what is shown to be recorded.

    The store is read only for a patient with feedback, and written off the call's path: feedback
    writes this process's queued cards before it is stored, so it finds its card.
    """
    if not cards:
        return cards
    found = await runtime.suppression(patient, cards, now)
    shown = suppression.apply(cards, found)
    caller, phash = patient
    runtime.record(
        ShownCards.of(
            shown,
            service_id=service_id,
            hook_instance=hook_instance,
            patient_hash=phash,
            at=now,
            caller=caller,
        )
    )
    for card in cards:
        if card.uuid in found.hidden:
            metrics.SUPPRESSED.labels(card.topic).inc()
    return shown


async def call_service(request: Request) -> Response:
    runtime = _runtime(request)
    started = time.perf_counter()
    service_id, hook_instance, status = request.path_params["service_id"], "", 500
    cards: list[IssuedCard] = []
    caller: str | None = None
    phash: str | None = None
    try:
        await _take_turn()
        service = _service(request)
        caller = await authorize(request)
        body = await read_json_object(
            request, runtime.settings.max_body_bytes, runtime.settings.body_timeout_seconds
        )
        envelope = validate(CdsRequest, body)
        hook_instance = envelope.hookInstance
        if envelope.hook != service.hook:
            raise HookMismatch(
                f"service {service.id} answers {service.hook}, not {envelope.hook}", field="hook"
            )
        caller = caller or open_caller(envelope.fhirServer)
        context = validate(service.context_model, envelope.context, "context")
        prefetch = body.get("prefetch") or {}
        if not isinstance(prefetch, dict):
            raise InvalidRequest("prefetch must be a JSON object", field="prefetch")
        plan = _fetch_plan(runtime, envelope)
        data = await gather(runtime.prefetch, envelope.context, prefetch, plan, runtime.http)
        record = service.record(context, data)
        now = runtime.clock()
        evaluation = await _evaluate(record, service.hook, now)
        if evaluation.skipped:
            metrics.SKIPPED_RESOURCES.inc(len(evaluation.skipped))
            log.warning(
                "evaluation.skipped_resources",
                extra={
                    "count": len(evaluation.skipped),
                    "reasons": sorted({s.reason for s in evaluation.skipped}),
                },
            )
        phash = patient_hash(record.patient_id, runtime.hash_key)
        patient = (caller, phash)
        cards = await _issue(runtime, evaluation.cards, patient, now, service.id, hook_instance)
        about = about_url(runtime.settings.public_base_url, request)
        shown = []
        for card in cards:
            metrics.CARDS.labels(card.topic, card.indicator).inc()
            body = card.card
            body["source"] = {**body["source"], "url": f"{about}#{card.topic}"}
            shown.append(body)
        status = 200
        return JsonResponse({"cards": shown})
    except CdsError as exc:
        status = exc.status_code
        raise
    finally:
        latency = time.perf_counter() - started
        label = service_id if service_id in SERVICES else "unknown"  # bounded label values
        metrics.CALLS.labels(label, str(status)).inc()
        metrics.CALL_LATENCY.labels(label).observe(latency)
        topics = tuple(card.topic for card in cards)
        log.info(
            "call",
            extra={
                "service": label,
                "status": status,
                "topics": list(topics),
                "latency_ms": round(latency * 1000, 1),
                "caller": caller,
                "patient": phash,
            },
        )
        if status not in NOT_RECORDED:
            audit = CallAudit(
                hook_instance=hook_instance[:128],
                service_id=service_id[:128],
                topics=topics,
                card_count=len(cards),
                latency_ms=latency * 1000,
                status=status,
                at=runtime.clock(),
            )
            runtime.audit(audit)


async def feedback(request: Request) -> Response:
    runtime = _runtime(request)
    service = _service(request)
    caller = await authorize(request)
    body = await read_json_object(
        request, runtime.settings.max_body_bytes, runtime.settings.body_timeout_seconds
    )
    parsed = validate(FeedbackRequest, body)
    latest = runtime.clock() + FEEDBACK_CLOCK_SKEW
    for index, item in enumerate(parsed.feedback):
        if item.outcomeTimestamp > latest:
            field = f"feedback.{index}.outcomeTimestamp"
            raise InvalidRequest(
                f"{field}: more than 5 minutes ahead of the service's clock", field=field
            )
    entries = [
        FeedbackEntry(
            card_uuid=item.card,
            outcome=item.outcome,
            accepted_suggestions=tuple(s.id for s in item.acceptedSuggestions),
            override_reason=(item.overrideReason.reason if item.overrideReason else None),
            user_comment=item.overrideReason.userComment if item.overrideReason else None,
            outcome_timestamp=item.outcomeTimestamp,
        )
        for item in parsed.feedback
    ]
    receipt = await runtime.save_feedback(caller, service.id, entries)
    for entry in entries:
        metrics.FEEDBACK.labels(entry.outcome).inc()
    log.info(
        "feedback",
        extra={
            "service": service.id,
            "caller": caller,
            "stored": receipt.stored,
            "duplicates": receipt.duplicates,
            "unknown_cards": receipt.unknownCards,
        },
    )
    return JsonResponse(receipt.model_dump())
