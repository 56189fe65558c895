import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.jwk import ECKey, Key, RSAKey

from cds.exceptions import Unauthorized
from cds.security import (
    ClientVerifier,
    TrustedIssuer,
    parse_trusted_issuers,
    www_authenticate,
)

ISS = "https://ehr.example.org"
AUD = "https://cds.example.org/cds-services/spinal-origin-patient-view"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class JwksServer:
    """A real HTTP server on 127.0.0.1 serving documents by path and counting requests."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.hits: Counter[str] = Counter()
        documents, hits = self.documents, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] += 1
                status, body, headers = documents.get(self.path, (404, b"", {}))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, *keys: Key) -> str:
        jwks = {"keys": [key.as_dict(private=False) for key in keys]}
        self.documents[path] = (200, json.dumps(jwks).encode(), {})
        return self.url(path)


@pytest.fixture
def server() -> Iterator[JwksServer]:
    server = JwksServer()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    thread.join()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def ec_key() -> ECKey:
    return ECKey.generate_key("P-384", parameters={"kid": "ec-1"})


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})


@pytest.fixture
def clock() -> Clock:
    return Clock()


def inline(*keys: Key) -> dict[str, TrustedIssuer]:
    jwks = {"keys": [key.as_dict(private=False) for key in keys]}
    return {ISS: TrustedIssuer(ISS, None, jwks, ())}


def by_url(url: str, *, jku: tuple[str, ...] = ()) -> dict[str, TrustedIssuer]:
    return {ISS: TrustedIssuer(ISS, url, None, jku)}


def mint(key: Key, clock: Clock, *, header: dict[str, Any] | None = None, **claims: Any) -> str:
    """A signed JWT; a claim given as None is left out."""
    alg = "ES384" if isinstance(key, ECKey) else "RS384"
    now = int(clock().timestamp())
    payload = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    protected = {"alg": alg, "typ": "JWT", "kid": key.kid, **(header or {})}
    return jws.serialize_compact(protected, json.dumps(payload), key, algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


async def refused(verifier: ClientVerifier, authorization: str | None, match: str) -> None:
    with pytest.raises(Unauthorized, match=match) as raised:
        await verifier.verify(authorization, AUD)
    token = (authorization or "").removeprefix("Bearer ")
    assert not token or token not in raised.value.message


# -- configuration ---------------------------------------------------------------------------


def test_the_three_configuration_forms(ec_key: ECKey) -> None:
    jwks = {"keys": [ec_key.as_dict(private=False)]}
    raw = json.dumps(
        {
            "https://a.example": "https://a.example/jwks.json",
            "https://b.example": jwks,
            "https://c.example": {
                "jwks_url": "https://c.example/jwks.json",
                "jku": ["https://c.example/other.json"],
            },
            "https://d.example": {"jku": ["http://127.0.0.1:9000/jwks.json"]},
        }
    )
    assert parse_trusted_issuers(raw) == {
        "https://a.example": TrustedIssuer(
            "https://a.example", "https://a.example/jwks.json", None, ()
        ),
        "https://b.example": TrustedIssuer("https://b.example", None, jwks, ()),
        "https://c.example": TrustedIssuer(
            "https://c.example",
            "https://c.example/jwks.json",
            None,
            ("https://c.example/other.json",),
        ),
        "https://d.example": TrustedIssuer(
            "https://d.example", None, None, ("http://127.0.0.1:9000/jwks.json",)
        ),
    }
    assert parse_trusted_issuers("  ") == {}


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("{", "not valid JSON"),
        ('["https://a.example"]', "JSON object"),
        ('{"https://a.example": 3}', "must be a JWKS URL"),
        ('{"https://a.example": "ftp://a.example/jwks"}', "not an http"),
        ('{"https://a.example": "http://a.example/jwks"}', "must use https"),
        ('{"https://a.example": {"keys": []}}', "no EC or RSA"),
        ('{"https://a.example": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "x"}]}}', "no EC"),
        ('{"https://a.example": {"jwks_uri": "https://a.example/j"}}', "must be a JWKS URL"),
        ('{"https://a.example": {"jku": "https://a.example/j"}}', "'jku' list"),
        ('{"": "https://a.example/jwks"}', "empty issuer"),
    ],
)
def test_bad_configuration_is_refused(raw: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_trusted_issuers(raw)


def test_www_authenticate_keeps_the_header_well_formed() -> None:
    assert www_authenticate('bad "token"\\\n') == (
        'Bearer error="invalid_token", error_description="bad token"'
    )


# -- accepted tokens -------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize("source", ["inline", "url"])
async def test_valid_token_is_accepted(
    kind: str,
    source: str,
    ec_key: ECKey,
    rsa_key: RSAKey,
    server: JwksServer,
    http: httpx.AsyncClient,
    clock: Clock,
) -> None:
    key: Key = ec_key if kind == "ec" else rsa_key
    issuers = inline(key) if source == "inline" else by_url(server.serve("/jwks.json", key))
    verifier = ClientVerifier(issuers, http, clock=clock)
    token = mint(key, clock, tenant="hospital-1", jti="abc")

    claims = await verifier.verify(bearer(token), AUD)

    assert claims.issuer == ISS
    assert claims.subject == ISS
    assert claims.jti == "abc"
    assert claims.tenant == "hospital-1"
    assert claims.expires_at == clock() + timedelta(seconds=300)


@pytest.mark.anyio
async def test_aud_may_be_a_list_and_sub_is_kept(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    token = mint(ec_key, clock, aud=["https://other.example", AUD], sub="client-7")
    assert (await verifier.verify(f"bearer  {token} ", AUD)).subject == "client-7"


@pytest.mark.anyio
async def test_jku_on_the_allowlist_is_honoured(
    ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    jku = server.serve("/rotated.json", ec_key)
    verifier = ClientVerifier(by_url(server.url("/jwks.json"), jku=(jku,)), http, clock=clock)
    await verifier.verify(bearer(mint(ec_key, clock, header={"jku": jku})), AUD)
    assert server.hits == {"/rotated.json": 1}


# -- refused tokens --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("authorization", "match"),
    [(None, "missing"), ("", "missing"), ("Basic dXNlcjpwdw==", "Bearer"), ("Bearer ", "Bearer")],
)
async def test_missing_or_non_bearer_authorization_is_refused(
    authorization: str | None, match: str, ec_key: ECKey, http: httpx.AsyncClient
) -> None:
    await refused(ClientVerifier(inline(ec_key), http), authorization, match)


@pytest.mark.anyio
async def test_expired_token_is_refused_beyond_the_leeway(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    now = int(clock().timestamp())
    await verifier.verify(bearer(mint(ec_key, clock, iat=now - 300, exp=now - 50)), AUD)
    await refused(verifier, bearer(mint(ec_key, clock, iat=now - 300, exp=now - 70)), "expired")


@pytest.mark.anyio
async def test_token_issued_in_the_future_is_refused(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    now = int(clock().timestamp())
    await refused(verifier, bearer(mint(ec_key, clock, iat=now + 120, exp=now + 400)), "future")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "aud", ["https://cds.example.org/cds-services", [], ["https://cds.example.org"], None]
)
async def test_wrong_audience_is_refused(
    aud: Any, ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    await refused(verifier, bearer(mint(ec_key, clock, aud=aud)), "audience")


@pytest.mark.anyio
async def test_unconfigured_issuer_is_refused_before_any_key_is_fetched(
    ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(by_url(server.serve("/jwks.json", ec_key)), http, clock=clock)
    token = mint(ec_key, clock, iss="https://evil.example")
    await refused(verifier, bearer(token), "issuer is not trusted")
    assert server.hits["/jwks.json"] == 0


@pytest.mark.anyio
@pytest.mark.parametrize("claim", ["jti", "exp", "iat"])
async def test_token_without_a_required_claim_is_refused(
    claim: str, ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    await refused(verifier, bearer(mint(ec_key, clock, **{claim: None})), f"no {claim}")


@pytest.mark.anyio
async def test_alg_none_is_refused(ec_key: ECKey, http: httpx.AsyncClient, clock: Clock) -> None:
    now = int(clock().timestamp())
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": ec_key.kid}).encode())
    claims = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "j"}
    token = f"{header}.{b64(json.dumps(claims).encode())}."
    await refused(
        ClientVerifier(inline(ec_key), http, clock=clock), bearer(token), "alg is not allowed"
    )


@pytest.mark.anyio
async def test_hs256_signed_with_the_public_key_is_refused(
    rsa_key: RSAKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    public_pem = rsa_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(clock().timestamp())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": rsa_key.kid}).encode())
    claims = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "j"}
    signing_input = f"{header}.{b64(json.dumps(claims).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64(mac)}"
    await refused(
        ClientVerifier(inline(rsa_key), http, clock=clock), bearer(token), "alg is not allowed"
    )


@pytest.mark.anyio
async def test_key_of_another_type_than_alg_is_refused(
    ec_key: ECKey, rsa_key: RSAKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key, rsa_key), http, clock=clock)
    token = mint(ec_key, clock, header={"kid": rsa_key.kid})
    await refused(verifier, bearer(token), "does not fit")


@pytest.mark.anyio
async def test_tampered_signature_is_refused(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    header, payload, signature = mint(ec_key, clock).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    token = f"{header}.{payload}.{b64(bytes(raw))}"
    await refused(
        ClientVerifier(inline(ec_key), http, clock=clock), bearer(token), "signature is invalid"
    )


@pytest.mark.anyio
async def test_tampered_payload_is_refused(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    header, payload, signature = mint(ec_key, clock, tenant="a").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = b64(json.dumps({**claims, "tenant": "b"}).encode())
    token = f"{header}.{forged}.{signature}"
    await refused(
        ClientVerifier(inline(ec_key), http, clock=clock), bearer(token), "signature is invalid"
    )


@pytest.mark.anyio
async def test_replayed_jti_is_refused(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    verifier = ClientVerifier(inline(ec_key), http, clock=clock)
    token = mint(ec_key, clock)
    await verifier.verify(bearer(token), AUD)
    await refused(verifier, bearer(token), "replayed")


@pytest.mark.anyio
async def test_jku_not_on_the_allowlist_is_refused(
    ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    attacker = ECKey.generate_key("P-384", parameters={"kid": "ec-1"})
    evil = server.serve("/evil.json", attacker)
    verifier = ClientVerifier(by_url(server.serve("/jwks.json", ec_key)), http, clock=clock)
    await refused(
        verifier, bearer(mint(attacker, clock, header={"jku": evil})), "jku is not allowed"
    )
    assert server.hits["/evil.json"] == 0


@pytest.mark.anyio
async def test_typ_other_than_jwt_is_refused(
    ec_key: ECKey, http: httpx.AsyncClient, clock: Clock
) -> None:
    token = mint(ec_key, clock, header={"typ": "at+jwt"})
    await refused(ClientVerifier(inline(ec_key), http, clock=clock), bearer(token), "typ")


@pytest.mark.anyio
async def test_unknown_kid_is_refused(ec_key: ECKey, http: httpx.AsyncClient, clock: Clock) -> None:
    token = mint(ec_key, clock, header={"kid": "someone-else"})
    await refused(
        ClientVerifier(inline(ec_key), http, clock=clock), bearer(token), "not a known key"
    )


# -- JWKS fetching and caching ---------------------------------------------------------------


@pytest.mark.anyio
async def test_unknown_kid_refreshes_the_jwks_at_most_every_30_seconds(
    ec_key: ECKey, rsa_key: RSAKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    url = server.serve("/jwks.json", ec_key)
    verifier = ClientVerifier(by_url(url), http, clock=clock)
    await verifier.verify(bearer(mint(ec_key, clock)), AUD)
    server.serve("/jwks.json", ec_key, rsa_key)

    await refused(verifier, bearer(mint(rsa_key, clock)), "not a known key")
    for attempt in range(5):
        await refused(
            verifier, bearer(mint(ec_key, clock, header={"kid": f"k{attempt}"})), "not a known key"
        )
    assert server.hits["/jwks.json"] == 1

    clock.advance(31)
    await verifier.verify(bearer(mint(rsa_key, clock)), AUD)
    assert server.hits["/jwks.json"] == 2


@pytest.mark.anyio
async def test_jwks_is_cached_for_its_ttl(
    ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    url = server.serve("/jwks.json", ec_key)
    verifier = ClientVerifier(by_url(url), http, clock=clock, jwks_ttl=timedelta(minutes=2))
    for _ in range(3):
        await verifier.verify(bearer(mint(ec_key, clock)), AUD)
    assert server.hits["/jwks.json"] == 1

    clock.advance(119)
    await verifier.verify(bearer(mint(ec_key, clock)), AUD)
    assert server.hits["/jwks.json"] == 1

    clock.advance(2)
    await verifier.verify(bearer(mint(ec_key, clock)), AUD)
    assert server.hits["/jwks.json"] == 2


@pytest.mark.anyio
@pytest.mark.parametrize("problem", ["redirect", "server error", "not json", "too large"])
async def test_unusable_jwks_url_is_refused(
    problem: str, ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    jwks = {"keys": [ec_key.as_dict(private=False)]}
    server.documents["/jwks.json"] = {
        "redirect": (302, b"", {"Location": server.serve("/elsewhere.json", ec_key)}),
        "server error": (500, json.dumps(jwks).encode(), {}),
        "not json": (200, b"<html>", {}),
        "too large": (200, json.dumps({**jwks, "padding": "x" * 70_000}).encode(), {}),
    }[problem]
    verifier = ClientVerifier(by_url(server.url("/jwks.json")), http, clock=clock)
    await refused(verifier, bearer(mint(ec_key, clock)), "could not be fetched")
    assert server.hits["/elsewhere.json"] == 0


@pytest.mark.anyio
async def test_failed_fetch_is_not_retried_for_30_seconds(
    ec_key: ECKey, server: JwksServer, http: httpx.AsyncClient, clock: Clock
) -> None:
    server.documents["/jwks.json"] = (503, b"", {})
    verifier = ClientVerifier(by_url(server.url("/jwks.json")), http, clock=clock)
    for _ in range(3):
        await refused(verifier, bearer(mint(ec_key, clock)), "could not be fetched")
    assert server.hits["/jwks.json"] == 1

    server.serve("/jwks.json", ec_key)
    clock.advance(31)
    await verifier.verify(bearer(mint(ec_key, clock)), AUD)
    assert server.hits["/jwks.json"] == 2
