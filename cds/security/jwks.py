"""JWK Sets of trusted CDS clients: imported from configuration or fetched and cached."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cds.data.bounded_body import BodyTooLarge, BodyUnreadable, read_bounded

log = logging.getLogger(__name__)

FETCH_TIMEOUT = httpx.Timeout(5.0)
MAX_JWKS_BYTES = 64 * 1024
MIN_REFRESH_INTERVAL = timedelta(seconds=30)
_RSA_2048_N_CHARS = 342  # base64url length of a 2048-bit modulus


class JwksUnavailable(Exception):
    """The key set could not be fetched, or is not a usable JWK Set."""


def import_key_set(data: object) -> KeySet:
    """The signature keys of a JWK Set; symmetric, encryption, kid-less and short RSA keys are
    dropped, since no token may be verified with them."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("a JWK Set is an object with a 'keys' list")
    usable = [key for key in data["keys"] if _is_signature_key(key)]
    if not usable:
        raise ValueError("the JWK Set has no EC or RSA (>= 2048 bits) signature key with a kid")
    try:
        return KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError(f"the JWK Set has an invalid key: {exc}") from exc


def _is_signature_key(key: object) -> bool:
    return (
        isinstance(key, dict)
        and key.get("kty") in ("EC", "RSA")
        and key.get("use", "sig") == "sig"
        and isinstance(key.get("kid"), str)
        and (key["kty"] != "RSA" or len(str(key.get("n", ""))) >= _RSA_2048_N_CHARS)
    )


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: KeySet
    fetched_at: datetime


class JwksCache:
    """Key sets by URL, each kept for `ttl`.

    `get(url, refresh=True)` (after an unknown `kid`) refetches at most once per
    `MIN_REFRESH_INTERVAL`, and a failed fetch is not retried sooner either, so a client
    cycling through unknown kids cannot make the service hammer the issuer.
    """

    def __init__(
        self, http: httpx.AsyncClient, *, ttl: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self._http = http
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._failed_at: dict[str, datetime] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def get(self, url: str, *, refresh: bool = False) -> KeySet:
        async with self._locks.setdefault(url, anyio.Lock()):
            now = self._clock()
            entry = self._entries.get(url)
            if entry is not None and now - entry.fetched_at >= self._ttl:
                entry = None
            failed_at = self._failed_at.get(url)
            if entry is not None and (
                not refresh or self._recent(entry.fetched_at, now) or self._recent(failed_at, now)
            ):
                return entry.keys
            if entry is None and self._recent(failed_at, now):
                raise JwksUnavailable("the last fetch failed moments ago")
            try:
                keys = await self._fetch(url)
            except JwksUnavailable as exc:
                log.warning("jwks.unavailable", extra={"url": url, "reason": str(exc)})
                self._failed_at[url] = now
                if entry is None:
                    raise
                return entry.keys
            self._failed_at.pop(url, None)
            self._entries[url] = _Entry(keys, now)
            return keys

    @staticmethod
    def _recent(moment: datetime | None, now: datetime) -> bool:
        return moment is not None and now - moment < MIN_REFRESH_INTERVAL

    async def _fetch(self, url: str) -> KeySet:
        headers = {"Accept": "application/jwk-set+json, application/json"}
        try:
            async with self._http.stream(
                "GET", url, headers=headers, timeout=FETCH_TIMEOUT, follow_redirects=False
            ) as response:
                if response.status_code != 200:
                    raise JwksUnavailable(f"HTTP {response.status_code}")
                body = await read_bounded(response, MAX_JWKS_BYTES)
        except httpx.HTTPError as exc:
            raise JwksUnavailable(type(exc).__name__) from exc
        except BodyTooLarge as exc:
            raise JwksUnavailable("the key set is too large") from exc
        except BodyUnreadable as exc:
            raise JwksUnavailable(str(exc)) from exc
        try:
            return import_key_set(json.loads(body))
        except (ValueError, RecursionError) as exc:
            raise JwksUnavailable(str(exc)) from exc
