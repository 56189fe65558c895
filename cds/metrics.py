"""Prometheus metrics, served at /metrics."""

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()

CALLS = Counter(
    "cds_calls",
    "Service calls by service and HTTP status",
    ["service", "status"],
    registry=REGISTRY,
)
CALL_LATENCY = Histogram(
    "cds_call_latency_seconds",
    "Latency of service calls",
    ["service"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
CARDS = Counter(
    "cds_cards", "Cards returned by topic and indicator", ["topic", "indicator"], registry=REGISTRY
)
SUPPRESSED = Counter(
    "cds_cards_suppressed", "Cards hidden after an override", ["topic"], registry=REGISTRY
)
FEEDBACK = Counter("cds_feedback", "Feedback entries by outcome", ["outcome"], registry=REGISTRY)
FHIR_FETCH_LATENCY = Histogram(
    "cds_fhir_fetch_latency_seconds",
    "Latency of fetching one call's missing prefetch from the FHIR server",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
FHIR_FETCH_ERRORS = Counter(
    "cds_fhir_fetch_errors", "FHIR fetches that failed, by reason", ["reason"], registry=REGISTRY
)
STORE_ERRORS = Counter(
    "cds_store_errors", "Store operations that failed", ["operation"], registry=REGISTRY
)
SKIPPED_RESOURCES = Counter(
    "cds_skipped_resources", "Malformed resources skipped during evaluation", registry=REGISTRY
)
