"""Nothing identifying reaches the logs, at any level, whatever the call and however it ends.

`cds serve` runs as a subprocess with `CDS_LOG_LEVEL=DEBUG`, exactly as deployed, and all of
its stderr is read: our loggers, uvicorn's, and every library's. Through it go every scenario
of fixtures/ (each patient given an identifier), fetch-path calls carrying a FHIR access token
(from the Medplum test server and from the misbehaving one), feedback with a free-text comment,
CDS client JWTs good and bad, and failures: 400s, 401s, 412s, a malformed resource.
"""

import copy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from cds.data.scenarios import FIXTURES_NOW, Scenario, load_scenarios
from tests.support.fhir_server import running_fhir_server
from tests.support.misbehaving_fhir import misbehaving_fhir_app
from tests.support.service import running_app

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://ehr.example.org"
KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-key-1"})
OTHER_KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-key-1"})
SCENARIOS = load_scenarios()
FETCHED = [s for s in SCENARIOS if s.slug in ("red-flag-new-foot-drop", "radicular-right-knee")]
LOG_KEYS = {"time", "level", "logger", "event"}


@dataclass
class Traffic:
    lines: list[str]
    secrets: set[str]
    statuses: list[int]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _token(audience: str, key: ECKey = KEY, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": audience, "exp": now + 300, "iat": now}
    payload.update({"jti": str(uuid.uuid4()), **claims})
    header = {"alg": "ES384", "kid": "ehr-key-1", "typ": "JWT"}
    return jwt.encode(header, payload, key, algorithms=["ES384"])


def _with_identifier(scenario: Scenario, index: int) -> dict[str, Any]:
    request = copy.deepcopy(scenario.request)
    patient = (request.get("prefetch") or {}).get("patient")
    if isinstance(patient, dict):
        patient["identifier"] = [
            {"system": "urn:oid:2.16.840.1.113883.2.1.4.1", "value": f"943 476 {index:04d}"}
        ]
    return request


def _identifying(request: dict[str, Any]) -> set[str]:
    """Names, identifiers, ids and birth dates of the patient of one request."""
    found = {request["context"]["patientId"]}
    patient = (request.get("prefetch") or {}).get("patient")
    if isinstance(patient, dict):
        found.add(patient.get("id", ""))
        found.add(patient.get("birthDate", ""))
        for name in patient.get("name", []):
            found.update([name.get("family", ""), *name.get("given", []), name.get("text", "")])
        found.update(i.get("value", "") for i in patient.get("identifier", []))
    return {s for s in found if s}


def _access(token: str) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-service",
    }


def _fhir_resources(scenario: Scenario, identifier: str) -> list[dict[str, Any]]:
    prefetch = scenario.request["prefetch"]
    patient = {**prefetch["patient"], "identifier": [{"system": "urn:x", "value": identifier}]}
    found = [patient]
    for key in ("conditions", "observations", "serviceRequests"):
        found += [e["resource"] for e in (prefetch.get(key) or {}).get("entry", [])]
    return found


def _service_env(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    jwks = {"keys": [KEY.as_dict(private=False)]}
    env.update(
        {
            "CDS_DATABASE_URL": f"sqlite:///{tmp / 'cds.sqlite3'}",
            "CDS_PATIENT_HASH_KEY": "log-test-key",
            "CDS_NOW": FIXTURES_NOW.isoformat(),
            "CDS_LOG_LEVEL": "DEBUG",
            "CDS_TRUSTED_ISSUERS": orjson.dumps({ISSUER: jwks}).decode(),
            "CDS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CDS_ALLOWED_FHIR_SERVERS": "http://127.0.0.1:*",
            "CDS_FETCH_BUDGET_SECONDS": "1",
            "CDS_MAX_PAGES": "2",
        }
    )
    return env


@contextmanager
def _cds_serve(tmp: Path, log: Path) -> Iterator[str]:
    """`cds serve` in a subprocess, its stderr (and stdout) going to `log`."""
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cds.cli.main", "serve", "--port", str(port)],
            cwd=ROOT,
            env=_service_env(tmp, port),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90  # the free-text pipeline loads first
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "cds serve did not start"
                time.sleep(0.1)
            yield url
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _Client:
    """Calls the service with a fresh CDS client JWT each time; remembers tokens and statuses."""

    def __init__(self, http: httpx.Client, traffic: Traffic) -> None:
        self.http = http
        self.traffic = traffic

    def post(self, path: str, body: Any, *, token: str | None = "valid") -> httpx.Response:
        url = f"{self.http.base_url}".rstrip("/") + path
        bearer = _token(url) if token == "valid" else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if bearer:
            self.traffic.secrets.add(bearer)
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        headers["Content-Type"] = "application/json"
        response = self.http.post(path, content=content, headers=headers)
        self.traffic.statuses.append(response.status_code)
        return response


def _garbage_condition(request: dict[str, Any]) -> dict[str, Any]:
    patient_id = request["context"]["patientId"]
    return {
        "resource": {
            "resourceType": "Condition",
            "id": f"broken-{patient_id}",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.41"}]},
            "clinicalStatus": "active",
            "onsetDateTime": {"when": request["prefetch"]["patient"].get("birthDate")},
            "subject": {"reference": f"Patient/{patient_id}"},
        }
    }


def _send_everything(client: _Client, bad_fhir: str, fhir: str, fhir_token: str) -> None:
    traffic = client.traffic
    cards: list[str] = []
    for index, scenario in enumerate(SCENARIOS):
        request = _with_identifier(scenario, index)
        traffic.secrets |= _identifying(request)
        response = client.post(f"/cds-services/spinal-origin-{scenario.hook}", request)
        assert response.status_code == 200, response.text
        cards += [card["uuid"] for card in response.json()["cards"]]

    pv = "/cds-services/spinal-origin-patient-view"
    first = _with_identifier(FETCHED[0], 9999)
    patient = first["prefetch"]["patient"]
    name = patient["name"][0]

    # Fetch path: everything from the FHIR server, with an access token.
    for scenario in FETCHED:
        request = {**scenario.request, "prefetch": {}, "fhirServer": fhir}
        request["fhirAuthorization"] = _access(fhir_token)
        assert client.post(pv, request).status_code == 200
        wrong = f"wrong-token-{uuid.uuid4().hex}"
        traffic.secrets.add(wrong)
        request["fhirAuthorization"] = _access(wrong)
        assert client.post(pv, request).status_code == 412
    for mode in ("status-401", "status-500", "lag-2500", "not-json", "redirect", "endless", "ok"):
        token = f"fhir-token-{mode}-{uuid.uuid4().hex}"
        traffic.secrets.add(token)
        keep = {"patient": patient} if mode == "endless" else {}
        request = {**first, "prefetch": keep, "fhirServer": f"{bad_fhir}/{mode}"}
        request["fhirAuthorization"] = _access(token)
        assert client.post(pv, request).status_code in (200, 412)
    request = {**first, "prefetch": {"patient": patient}, "fhirServer": "https://fhir.example.org"}
    request["fhirAuthorization"] = _access(f"fhir-token-not-allowed-{uuid.uuid4().hex}")
    traffic.secrets.add(request["fhirAuthorization"]["access_token"])
    assert client.post(pv, request).status_code == 412

    # A malformed resource next to good ones.
    broken = copy.deepcopy(first)
    broken["prefetch"]["conditions"]["entry"].append(_garbage_condition(broken))
    assert client.post(pv, broken).status_code == 200

    # 400s, some carrying the patient's data where it does not belong.
    full_name = f"{' '.join(name['given'])} {name['family']}"
    for body in [
        {**first, "hook": full_name},
        {**first, "context": {"userId": "Practitioner/x", "patientId": [patient["id"]]}},
        {**first, "prefetch": {"conditions": [patient]}},
        {**first, "hookInstance": {"patient": patient}},
        json.dumps(first).encode()[:-40],
    ]:
        assert client.post(pv, body).status_code == 400

    # 401s: no token, a forged one, an expired one, one for another URL.
    url = f"{client.http.base_url}".rstrip("/") + pv
    tokens: list[str | None] = [
        None,
        _token(url, key=OTHER_KEY),
        _token(url, exp=int(time.time()) - 600, sub=patient["id"]),
        _token("https://elsewhere.example/cds-services", sub=full_name),
        "not.a.jwt",
    ]
    for bearer in tokens:
        assert client.post(pv, first, token=bearer).status_code == 401

    # Feedback, with a comment naming the patient, and a bad one.
    feedback = "/cds-services/spinal-origin-patient-view/feedback"
    comment = f"{full_name} (born {patient['birthDate']}) declined today"
    item = {
        "card": cards[0],
        "outcome": "overridden",
        "overrideReason": {"userComment": comment},
        "outcomeTimestamp": "2026-06-01T09:05:00Z",
    }
    assert client.post(feedback, {"feedback": [item]}).status_code == 200
    naive = {**item, "outcomeTimestamp": "2026-06-01T09:05:00", "card": patient["id"]}
    assert client.post(feedback, {"feedback": [naive]}).status_code == 400


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Traffic:
    tmp = tmp_path_factory.mktemp("logs")
    log = tmp / "cds-serve.log"
    traffic = Traffic(lines=[], secrets=set(), statuses=[])
    fhir_token = f"fhir-token-{uuid.uuid4().hex}"
    traffic.secrets.add(fhir_token)
    resources = []
    for index, scenario in enumerate(FETCHED):
        identifier = f"MRN-{index:02d}-{uuid.uuid4().hex[:8]}"
        traffic.secrets.add(identifier)
        resources += _fhir_resources(scenario, identifier)
    with (
        running_app(misbehaving_fhir_app()) as bad_base,
        running_fhir_server(resources, token=fhir_token) as fhir,
        _cds_serve(tmp, log) as url,
        httpx.Client(base_url=url, timeout=15) as http,
    ):
        _send_everything(_Client(http, traffic), f"{bad_base}/fhir", fhir, fhir_token)
    traffic.lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line]
    return traffic


def test_every_line_is_a_json_object(traffic: Traffic) -> None:
    for line in traffic.lines:
        entry = json.loads(line)
        assert isinstance(entry, dict) and entry.keys() >= LOG_KEYS, line
        assert entry["level"] in {"debug", "info", "warning", "error", "critical"}, line


def _pattern(secret: str) -> re.Pattern[str]:
    """Names match as whole words ("Ian" is not in "median"); the rest anywhere."""
    if re.fullmatch(r"[^\W\d_]+", secret):
        return re.compile(rf"(?<![^\W\d_]){re.escape(secret)}(?![^\W\d_])", re.IGNORECASE)
    return re.compile(re.escape(secret), re.IGNORECASE)


def test_no_name_identifier_birth_date_or_token_is_logged(traffic: Traffic) -> None:
    # A token's signature alone is as good as the token for a replay: look for that too.
    secrets = traffic.secrets | {s.rsplit(".", 1)[-1] for s in traffic.secrets if s.count(".") == 2}
    patterns = [_pattern(secret) for secret in sorted(secrets) if len(secret) >= 2]
    leaks = []
    for line in traffic.lines:
        decoded = json.dumps(json.loads(line), ensure_ascii=False)
        leaks += [(p.pattern, line) for p in patterns if p.search(line) or p.search(decoded)]
    assert not leaks, "\n".join(f"{pattern!r} in {line}" for pattern, line in leaks[:10])


def test_the_log_saw_the_traffic(traffic: Traffic) -> None:
    """The check above is only worth something if the calls and their failures were logged."""
    assert {200, 400, 401, 412} <= set(traffic.statuses)
    events = [json.loads(line) for line in traffic.lines]
    seen = {e["event"] for e in events}
    assert {"service.start", "evaluation.skipped_resources", "request.refused"} <= seen, seen
    assert "debug" in {e["level"] for e in events}, "CDS_LOG_LEVEL=DEBUG was not in effect"
    assert len(traffic.secrets) > 3 * len(SCENARIOS)


def test_handled_failures_log_no_error(traffic: Traffic) -> None:
    """Bad requests, bad tokens and failing FHIR servers are warnings at most: an ERROR line
    means a bug of ours (it is what alerts fire on)."""
    errors = [line for line in traffic.lines if json.loads(line)["level"] in {"error", "critical"}]
    assert not errors, "\n".join(errors[:5])
