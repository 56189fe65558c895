"""The service fails closed: it will not serve beyond loopback without authentication, `{}`
trusts no one, trusted issuers need the public URL, and browsers get in only from the origins
named in CDS_CORS_ORIGINS."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cds.api.app import create_app
from cds.data.scenarios import FIXTURES_NOW as NOW
from cds.security.startup import UnsafeConfiguration, check_startup
from cds.settings import Settings
from tests.support import requests as req
from tests.support.service import running_service

CDS = str(Path(sys.executable).with_name("cds"))
PV = "/cds-services/spinal-origin-patient-view"
SANDBOX = "https://sandbox.cds-hooks.org"
ISSUERS = '{"https://ehr.example.org": "https://ehr.example.org/jwks.json"}'


def _cds_serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`cds serve` on all interfaces, expected to refuse at once (it binds nothing then)."""
    return subprocess.run(
        [CDS, "serve", "--host", "0.0.0.0", "--port", "9"],
        env={"PATH": "/usr/bin:/bin", "CDS_DATABASE_URL": f"sqlite:///{tmp_path}/db", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_no_authentication_beyond_loopback_refuses_to_start(tmp_path: Path) -> None:
    refused = _cds_serve(tmp_path)
    assert refused.returncode == 2
    assert "CDS_ALLOW_UNAUTHENTICATED" in refused.stderr
    assert "CDS_TRUSTED_ISSUERS" in refused.stderr


def test_trusted_issuers_without_the_public_url_refuse_to_start(tmp_path: Path) -> None:
    refused = _cds_serve(tmp_path, CDS_TRUSTED_ISSUERS=ISSUERS)
    assert refused.returncode == 2
    assert "CDS_PUBLIC_BASE_URL" in refused.stderr
    with pytest.raises(UnsafeConfiguration, match="CDS_PUBLIC_BASE_URL"):
        create_app(Settings(trusted_issuers=ISSUERS))


@pytest.mark.parametrize(
    ("host", "settings"),
    [
        ("127.0.0.1", {}),
        ("::1", {}),
        ("0.0.0.0", {"allow_unauthenticated": True}),
        ("0.0.0.0", {"trusted_issuers": ISSUERS, "public_base_url": "https://cds.example"}),
    ],
)
def test_what_may_start(host: str, settings: dict[str, object]) -> None:
    check_startup(Settings(**settings), host=host)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def open_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("open")
    with running_service(database_url=f"sqlite:///{tmp / 'cds.sqlite3'}", now=NOW) as url:
        yield url


def test_an_empty_issuer_object_is_not_open_mode(tmp_path: Path) -> None:
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}", trusted_issuers="{}"
    ) as url:
        call = httpx.post(url + PV, json=req.patient_view())
        ready = httpx.get(url + "/readyz").json()
    assert call.status_code == 401
    assert ready["security"] == "jwt"


def _preflight(url: str, origin: str, *, private_network: bool = False) -> httpx.Response:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    if private_network:
        headers["Access-Control-Request-Private-Network"] = "true"
    return httpx.options(url + PV, headers=headers)


def test_by_default_no_web_page_may_call(open_service: str) -> None:
    """Open mode on loopback is for local use: a page the clinician opens elsewhere must not
    drive it through their browser."""
    preflight = _preflight(open_service, "https://any-page.example", private_network=True)
    call = httpx.post(
        open_service + PV, json=req.patient_view(), headers={"Origin": "https://any.example"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-private-network" not in preflight.headers
    assert "access-control-allow-origin" not in call.headers


def test_a_named_origin_may_call_and_reach_the_private_network(tmp_path: Path) -> None:
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}", cors_origins=SANDBOX
    ) as url:
        named = _preflight(url, SANDBOX, private_network=True)
        other = _preflight(url, "https://any-page.example", private_network=True)
    assert named.status_code == 200
    assert named.headers["access-control-allow-origin"] == SANDBOX
    assert named.headers["access-control-allow-private-network"] == "true"
    assert other.status_code == 400


def test_any_origin_never_reaches_the_private_network(tmp_path: Path) -> None:
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}", cors_origins="*"
    ) as url:
        preflight = _preflight(url, "https://any-page.example", private_network=True)
    assert "access-control-allow-private-network" not in preflight.headers
