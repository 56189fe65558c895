"""Who is calling: the key that keeps one caller's cards, feedback and patients from another's.

With JWTs, a caller is the token's `iss`, with its `tenant` claim when it has one (CDS Hooks 2.0
names the EHR's tenant so). Unauthenticated (open mode), a hook call's caller is the origin of
its `fhirServer`, or `local` without one; open-mode feedback names no caller at all, since
anyone could claim any.
"""

import hashlib
from urllib.parse import urlsplit

from cds.security.jwt import ClientClaims

LOCAL = "local"
MAX_CHARS = 256
"""The store's column width: longer callers are kept as a hash."""


def _bounded(caller: str) -> str:
    if len(caller) <= MAX_CHARS:
        return caller
    return "sha256:" + hashlib.sha256(caller.encode()).hexdigest()


def token_caller(claims: ClientClaims) -> str:
    if claims.tenant is None:
        return _bounded(claims.issuer)
    return _bounded(f"{claims.issuer} tenant={claims.tenant}")


def open_caller(fhir_server: str | None) -> str:
    if not fhir_server:
        return LOCAL
    try:
        parts = urlsplit(fhir_server)
    except ValueError:
        return LOCAL
    if not parts.scheme or not parts.netloc:
        return LOCAL
    return _bounded(f"{parts.scheme.lower()}://{parts.netloc.lower()}")
