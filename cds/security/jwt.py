"""Verification of the bearer JWT a CDS client sends (CDS Hooks 2.0, "Trusting CDS Clients").

`CDS_TRUSTED_ISSUERS` is a JSON object keyed by the exact `iss`; each value is one of:

    "https://ehr.example/jwks.json"                  the issuer's JWK Set URL
    {"keys": [...]}                                  the issuer's JWK Set itself (inline)
    {"jwks_url": "https://...", "jku": ["https://...", ...]}
                                                     a JWK Set URL and/or the `jku` URLs the
                                                     issuer may name in its tokens

An issuer's inline keys win: its tokens are verified against them whatever `jku` they name,
and no `jku` is fetched (the CDS Hooks sandbox always sends one). Otherwise a token's `jku` is
honoured only when it is the issuer's `jwks_url` or in its `jku` list; any other `jku` is
refused. URLs must be https, except on loopback hosts.

A token lives at most `max_lifetime`: `exp` no further ahead, `iat` no further back. Its `jti`
is remembered in this process and, through a `TokenLedger`, by every process sharing the store.
Every refusal is an `Unauthorized` whose `reason` is a short code for the logs.
"""

import hashlib
import heapq
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from cds.exceptions import Unauthorized
from cds.security.allowlist import is_loopback_host
from cds.security.jwks import JwksCache, JwksUnavailable, import_key_set

ALGORITHMS = ("ES384", "RS384", "ES256", "ES512", "RS256", "RS512", "PS256", "PS384", "PS512")
_REGISTRY = jws.JWSRegistry(algorithms=ALGORITHMS, strict_check_header=False)


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    issuer: str
    jwks_url: str | None
    jwks: dict[str, Any] | None
    jku_allowlist: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClientClaims:
    issuer: str
    subject: str  # `sub`, or `iss` for a self-issued token without one
    jti: str
    expires_at: datetime
    tenant: str | None


class TokenLedger(Protocol):
    """Where the `jti` of accepted tokens is kept for every process: the store."""

    async def first_use(self, key: str, until: datetime) -> bool:
        """Records `key` until `until`; False when it was recorded already."""
        ...


def parse_trusted_issuers(raw: str | None) -> dict[str, TrustedIssuer]:
    """`CDS_TRUSTED_ISSUERS` (see the module docstring); unset or `{}` is no trusted issuer."""
    if raw is None or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"CDS_TRUSTED_ISSUERS is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("CDS_TRUSTED_ISSUERS must be a JSON object: issuer -> JWKS")
    return {issuer: _trusted_issuer(issuer, value) for issuer, value in data.items()}


def _trusted_issuer(issuer: str, value: object) -> TrustedIssuer:
    where = f"CDS_TRUSTED_ISSUERS[{issuer!r}]"
    if not issuer:
        raise ValueError("CDS_TRUSTED_ISSUERS has an empty issuer")
    if isinstance(value, str):
        return TrustedIssuer(issuer, _jwks_url(value, where), None, ())
    if isinstance(value, dict) and "keys" in value:
        try:
            import_key_set(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
        return TrustedIssuer(issuer, None, value, ())
    if isinstance(value, dict) and set(value) <= {"jwks_url", "jku"}:
        url, jku = value.get("jwks_url"), value.get("jku", [])
        if not isinstance(jku, list) or not (url or jku):
            raise ValueError(f"{where}: give a 'jwks_url' and/or a 'jku' list of URLs")
        return TrustedIssuer(
            issuer,
            None if url is None else _jwks_url(url, where),
            None,
            tuple(_jwks_url(item, where) for item in jku),
        )
    raise ValueError(
        f"{where} must be a JWKS URL, a JWK Set object, or {{'jwks_url': ..., 'jku': [...]}}"
    )


def _jwks_url(url: object, where: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{where}: {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(f"{where}: {url!r} must use https")
    return str(url)


def www_authenticate(error: str) -> str:
    """The `WWW-Authenticate` value for a 401; `error` is the reason (`Unauthorized.message`)."""
    description = "".join(c for c in error if " " <= c <= "~" and c not in '"\\')[:200]
    return f'Bearer error="invalid_token", error_description="{description}"'


class ClientVerifier:
    """Verifies client JWTs against the trusted issuers; one per process (it holds the JWKS
    and `jti` caches)."""

    def __init__(
        self,
        issuers: dict[str, TrustedIssuer],
        http: httpx.AsyncClient,
        *,
        max_lifetime: timedelta = timedelta(seconds=600),
        ledger: TokenLedger | None = None,
        jwks_ttl: timedelta = timedelta(minutes=10),
        leeway: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        replay_cache_size: int = 100_000,
    ) -> None:
        self._issuers = issuers
        self._inline = {
            issuer.issuer: import_key_set(issuer.jwks)
            for issuer in issuers.values()
            if issuer.jwks is not None
        }
        self._jwks = JwksCache(http, ttl=jwks_ttl, clock=clock)
        self._max_lifetime = max_lifetime.total_seconds()
        self._ledger = ledger
        self._leeway = leeway
        self._clock = clock
        self._replay = _ReplayCache(replay_cache_size)

    async def verify(self, authorization: str | None, audience: str) -> ClientClaims:
        """The verified claims of the request's bearer JWT, for the endpoint URL `audience`."""
        token = _bearer_token(authorization)
        obj, header = _parse(token)
        claims = _claims(obj)
        iss = claims.get("iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Unauthorized("the token's issuer is not trusted", reason="issuer-not-trusted")
        _check_signature(obj, await self._key(issuer, header))
        verified = self._check_claims(claims, issuer.issuer, audience)
        until = verified.expires_at + self._leeway
        key = (verified.issuer, verified.jti)
        replayed = self._replay.seen(key, until, self._clock())
        if not replayed and self._ledger is not None:
            replayed = not await self._ledger.first_use(_ledger_key(key), until)
        if replayed:
            raise Unauthorized(
                "the token has already been used (jti replayed)", reason="replayed-jti"
            )
        return verified

    async def _key(self, issuer: TrustedIssuer, header: dict[str, Any]) -> Key:
        kid, jku = header["kid"], header.get("jku")
        inline = self._inline.get(issuer.issuer)
        if inline is not None:
            return _key_by_kid(inline, kid)
        if jku is not None and jku not in (issuer.jwks_url, *issuer.jku_allowlist):
            raise Unauthorized(
                "the token's jku is not allowed for its issuer", reason="jku-not-allowed"
            )
        url = jku or issuer.jwks_url
        if url is None:
            raise Unauthorized("the token must name a jku for its issuer", reason="jku-missing")
        try:
            keys = await self._jwks.get(url)
            if not any(key.kid == kid for key in keys.keys):
                keys = await self._jwks.get(url, refresh=True)
        except JwksUnavailable as exc:
            raise Unauthorized(
                "the issuer's keys could not be fetched", reason="jwks-unavailable"
            ) from exc
        return _key_by_kid(keys, kid)

    def _check_claims(self, claims: dict[str, Any], issuer: str, audience: str) -> ClientClaims:
        if claims.get("iss") != issuer:
            raise Unauthorized("the token's issuer is not trusted", reason="issuer-not-trusted")
        aud = claims.get("aud")
        if not (aud == audience or (isinstance(aud, list) and audience in aud)):
            raise Unauthorized(
                "the token's audience (aud) is not this endpoint", reason="aud-mismatch"
            )
        # NumericDates stay numbers until bounded, and only our side of each comparison does
        # arithmetic: an int of 400 digits is no float, a date past year 9999 no datetime.
        now, leeway = self._clock().timestamp(), self._leeway.total_seconds()
        exp, iat = _numeric_date(claims, "exp"), _numeric_date(claims, "iat")
        if exp < now - leeway:
            raise Unauthorized("the token has expired", reason="expired")
        if exp > now + self._max_lifetime + leeway:
            raise Unauthorized(
                f"the token's exp is more than {self._max_lifetime:g} s ahead",
                reason="lifetime-too-long",
            )
        if iat > now + leeway:
            raise Unauthorized("the token is issued in the future (iat)", reason="iat-in-future")
        if iat < now - self._max_lifetime - leeway:
            raise Unauthorized(
                f"the token was issued more than {self._max_lifetime:g} s ago (iat)",
                reason="iat-too-old",
            )
        if "nbf" in claims and _numeric_date(claims, "nbf") > now + leeway:
            raise Unauthorized("the token is not yet valid (nbf)", reason="not-yet-valid")
        jti, sub, tenant = claims.get("jti"), claims.get("sub", issuer), claims.get("tenant")
        if not isinstance(jti, str) or not jti:
            raise Unauthorized("the token has no jti", reason="jti-missing")
        if not isinstance(sub, str) or not (tenant is None or isinstance(tenant, str)):
            raise Unauthorized("the token's sub or tenant is not a string", reason="bad-claims")
        return ClientClaims(issuer, sub, jti, datetime.fromtimestamp(exp, UTC), tenant)


def _ledger_key(key: tuple[str, str]) -> str:
    """sha256 of (iss, jti): a fixed length, whatever the client sent."""
    return hashlib.sha256("\0".join(key).encode()).hexdigest()


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer token", reason="token-missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be a Bearer token", reason="not-bearer")
    return token.strip()


def _parse(token: str) -> tuple[jws.CompactSignature, dict[str, Any]]:
    """The token, parsed once; the header is checked before any key is looked up."""
    try:
        obj = jws.extract_compact(token.encode(), registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise Unauthorized("the token is not a well-formed JWS", reason="malformed") from exc
    header = obj.headers()
    if header.get("alg") not in ALGORITHMS:
        raise Unauthorized(
            f"the token's alg is not allowed (use one of {', '.join(ALGORITHMS)})",
            reason="alg-not-allowed",
        )
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise Unauthorized("the token's header has no kid", reason="kid-missing")
    if str(header.get("typ", "JWT")).upper() != "JWT":
        raise Unauthorized("the token's typ must be JWT", reason="bad-typ")
    if "crit" in header or "b64" in header:
        raise Unauthorized(
            "the token's header has unsupported parameters", reason="unsupported-header"
        )
    return obj, header


def _claims(obj: jws.CompactSignature) -> dict[str, Any]:
    try:
        claims = json.loads(obj.payload, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Unauthorized(
            "the token's payload is not a JSON object", reason="bad-payload"
        ) from exc
    if not isinstance(claims, dict):
        raise Unauthorized("the token's payload is not a JSON object", reason="bad-payload")
    return claims


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


def _key_by_kid(keys: KeySet, kid: str) -> Key:
    for key in keys.keys:
        if key.kid == kid:
            return key
    raise Unauthorized("the token's kid is not a known key of its issuer", reason="unknown-kid")


def _check_signature(obj: jws.CompactSignature, key: Key) -> None:
    """The one seam where joserfc's errors become ours."""
    try:
        valid = jws.validate_compact(obj, key, registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise Unauthorized("the token's key does not fit its alg", reason="key-mismatch") from exc
    if not valid:
        raise Unauthorized("the token's signature is invalid", reason="bad-signature")


def _numeric_date(claims: dict[str, Any], name: str) -> int | float:
    """A NumericDate claim as a number: an int of any size, or a finite float."""
    if name not in claims:
        raise Unauthorized(f"the token has no {name}", reason=f"{name}-missing")
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"the token's {name} is not a NumericDate", reason=f"bad-{name}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Unauthorized(f"the token's {name} is not a NumericDate", reason=f"bad-{name}")
    return value


class _ReplayCache:
    """(iss, jti) of accepted tokens, each kept until its token expires; when full, the one
    that expires soonest is dropped, so memory stays bounded."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._keys: set[tuple[str, str]] = set()
        self._heap: list[tuple[datetime, tuple[str, str]]] = []

    def seen(self, key: tuple[str, str], until: datetime, now: datetime) -> bool:
        """Whether `key` is recorded; if not, it is recorded until `until`."""
        while self._heap and self._heap[0][0] < now:
            self._keys.discard(heapq.heappop(self._heap)[1])
        if key in self._keys:
            return True
        if len(self._heap) >= self._max_entries:
            self._keys.discard(heapq.heappop(self._heap)[1])
        self._keys.add(key)
        heapq.heappush(self._heap, (until, key))
        return False
