"""Every store test runs on SQLite (a file under tmp_path) and on PostgreSQL (a fresh schema in
a database created for these tests and dropped after them): see `tests.support.postgres`.
"""

import os
from collections.abc import Iterator

import pytest

from cds.store import Store
from tests.support.postgres import database_url
from tests.support.postgres import postgres_database as postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database, not yet migrated."""
    yield from database_url(request, tmp_path)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with Store.open(url) as store:
        yield store
