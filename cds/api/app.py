"""`create_app()`: settings, lifespan resources, middleware, routes, error mapping."""

import asyncio
import gc
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from cds.api import about, endpoints
from cds.api.endpoints import JsonResponse
from cds.api.openapi import route_docs
from cds.api.runtime import Runtime, StoreConnection, StoreTokenLedger, system_clock
from cds.cards.text import card_text
from cds.data.fhir_client import new_http_client
from cds.demo.fhir_server import demo_fhir_router
from cds.demo.preview import preview_router
from cds.exceptions import CdsError, Unauthorized
from cds.logs import configure_logging, load_hash_key
from cds.security import (
    ClientVerifier,
    parse_origin_patterns,
    parse_trusted_issuers,
    www_authenticate,
)
from cds.security.startup import check_startup
from cds.services import prefetch_templates
from cds.settings import Settings
from cds.terminology import default_terminology
from hooks import SERVICES

log = logging.getLogger(__name__)

GC_YOUNG_THRESHOLD = 20_000
"""Allocations between young collections; a call allocates a few thousand objects."""


def _clock(settings: Settings) -> Callable[[], datetime]:
    frozen = settings.now
    return system_clock if frozen is None else (lambda: frozen)


def _runtime(settings: Settings) -> Runtime:
    http = new_http_client(timeout=settings.fetch_budget_seconds)
    store = StoreConnection(settings.database_url)
    verifier = (
        None
        if settings.open_mode
        else ClientVerifier(
            parse_trusted_issuers(settings.trusted_issuers),
            http,
            max_lifetime=timedelta(seconds=settings.max_token_lifetime_seconds),
            ledger=StoreTokenLedger(store),
        )
    )
    prefetch = prefetch_templates()
    return Runtime(
        settings=settings,
        http=http,
        verifier=verifier,
        store=store,
        hash_key=load_hash_key(settings.patient_hash_key),
        clock=_clock(settings),
        fhir_server_patterns=parse_origin_patterns(settings.allowed_fhir_servers),
        prefetch=prefetch,
        discovery={"services": [s.discovery(prefetch) for s in SERVICES.values()]},
    )


async def _cds_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CdsError)
    log.info(
        "request.refused",
        extra={
            "status": exc.status_code,
            "error": exc.error,
            "reason": exc.reason or exc.error,
            "field": exc.field,
            "path": request.url.path,
        },
    )
    headers = (
        {"WWW-Authenticate": www_authenticate(exc.message)}
        if isinstance(exc, Unauthorized)
        else None
    )
    return JsonResponse(exc.body(), exc.status_code, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return JsonResponse(
        {"error": error, "message": str(exc.detail)}, exc.status_code, headers=exc.headers
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    frames = [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)[-5:]]
    log.error("request.failed", extra={"exception": type(exc).__name__, "frames": frames})
    return JsonResponse({"error": "internal", "message": "internal error"}, 500)


def settle_heap() -> None:
    """Loads what every call reads, then freezes it out of the garbage collector's sight.

    The FHIR models, terminology (with its free-text pipeline) and templates are a heap of
    long-lived objects that every full collection would walk again; a call's own garbage is all
    the collector needs to see.
    """
    default_terminology().text_reader()
    card_text()
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def app_from_environment() -> FastAPI:
    """What `cds serve` runs in each worker process: settings from the environment, JSON logs,
    a settled heap."""
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    settle_heap()
    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Raises `UnsafeConfiguration` (a ValueError) for settings the service must not run with."""
    settings = settings or Settings()
    check_startup(settings)
    origins = settings.cors_origin_list

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The free-text pipeline loads before the port answers, so readiness waits for it.
        await asyncio.to_thread(default_terminology().text_reader)
        runtime = _runtime(settings)
        app.state.runtime = runtime
        if runtime.verifier is None:
            log.warning(
                "security.open",
                extra={"reason": "CDS_TRUSTED_ISSUERS is unset: no JWT required, local use only"},
            )
        elif not parse_trusted_issuers(settings.trusted_issuers):
            log.warning(
                "security.no_issuer",
                extra={"reason": "CDS_TRUSTED_ISSUERS names no issuer: every call is refused"},
            )
        log.info("service.start", extra={"services": list(SERVICES)})
        runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Spinal-origin CDS Hooks service",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        # Chrome's private-network preflight: for origins named in CDS_CORS_ORIGINS, never `*`.
        allow_private_network=bool(origins) and "*" not in origins,
        max_age=600,
    )
    doc = route_docs()
    app.add_api_route("/cds-services", endpoints.discovery, methods=["GET"], **doc["/cds-services"])
    app.add_api_route(
        "/cds-services/{service_id}",
        endpoints.call_service,
        methods=["POST"],
        **doc["/cds-services/{service_id}"],
    )
    app.add_api_route(
        "/cds-services/{service_id}/feedback",
        endpoints.feedback,
        methods=["POST"],
        **doc["/cds-services/{service_id}/feedback"],
    )
    app.add_api_route("/healthz", endpoints.healthz, methods=["GET"], **doc["/healthz"])
    app.add_api_route("/readyz", endpoints.readyz, methods=["GET"], **doc["/readyz"])
    app.add_api_route("/metrics", endpoints.metrics_endpoint, methods=["GET"], **doc["/metrics"])
    app.add_api_route(about.PATH, about.about, methods=["GET"], include_in_schema=False)
    if settings.demo:
        app.include_router(demo_fhir_router(settings.fixtures_dir, _clock(settings)))
        app.include_router(preview_router(settings.fixtures_dir, _clock(settings)))
    app.add_exception_handler(CdsError, _cds_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return app
