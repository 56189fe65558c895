from collections.abc import Iterator
from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from tests.support.misbehaving_fhir import misbehaving_fhir_app
from tests.support.service import running_app, running_service

SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One running service for a test module, on SQLite, with the fixtures' clock, open to
    the CDS Hooks sandbox's pages."""
    tmp = tmp_path_factory.mktemp("service")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="test-key",
        now=FIXTURES_NOW,
        cors_origins=SANDBOX_ORIGIN,
    ) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def bad_fhir() -> Iterator[tuple[str, Any]]:
    """A FHIR server that misbehaves on request (tests/support/misbehaving_fhir.py): its base
    URL and the app, whose behaviour a test sets."""
    app = misbehaving_fhir_app()
    with running_app(app) as base:
        yield f"{base}/fhir", app
