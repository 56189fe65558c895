"""End-to-end fixtures: an empty database on SQLite and on PostgreSQL, the service on it.

PostgreSQL comes from `tests.support.postgres` (skipped when unreachable, failed under CI=true).
"""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.services import serve
from tests.support.postgres import database_url
from tests.support.postgres import postgres_database as postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    yield from database_url(request, tmp_path)


@pytest.fixture
def client(db: str) -> Iterator[httpx.Client]:
    """A client of the service (in a uvicorn thread) on `db`."""
    with serve(db) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        yield client
