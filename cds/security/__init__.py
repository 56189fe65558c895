"""Who may call the service (client JWTs) and which FHIR servers it may call (allowlist)."""

from cds.security.allowlist import check_fhir_server, is_loopback_host, parse_origin_patterns
from cds.security.jwt import (
    ClientClaims,
    ClientVerifier,
    TrustedIssuer,
    parse_trusted_issuers,
    www_authenticate,
)

__all__ = [
    "ClientClaims",
    "ClientVerifier",
    "TrustedIssuer",
    "check_fhir_server",
    "is_loopback_host",
    "parse_origin_patterns",
    "parse_trusted_issuers",
    "www_authenticate",
]
