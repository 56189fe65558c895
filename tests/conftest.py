from collections.abc import Iterator

import pytest

from cds.data.scenarios import FIXTURES_NOW
from tests.support.service import running_service

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
