from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.service import running_service

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
"""The fixed clock every scenario in fixtures/ is written against."""


@pytest.fixture
def service_settings(tmp_path: Path) -> dict[str, object]:
    return {
        "database_url": f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        "patient_hash_key": "test-key",
        "now": NOW,
    }


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One running service for a test module, on SQLite, with the fixtures' clock."""
    tmp = tmp_path_factory.mktemp("service")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}", patient_hash_key="test-key", now=NOW
    ) as base_url:
        yield base_url
