"""Every store test runs on SQLite (a file under tmp_path) and on PostgreSQL (a fresh schema in
a database created for these tests and dropped after them).

PostgreSQL is found at `CDS_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`).
When it cannot be reached its tests are skipped, unless `CI=true`: then they fail.
"""

import contextlib
import os
import secrets
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from cds.store import Store

ADMIN_URL = os.environ.get("CDS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STALE_AFTER_S = 3600


@pytest.fixture(scope="package")
def postgres_database() -> Iterator[str | None]:
    """URL of a throw-away database, or None when PostgreSQL is unreachable outside CI."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and PostgreSQL is unreachable at {ADMIN_URL}: {exc}")
        yield None
        return
    name = f"cds_test_{int(time.time())}_{secrets.token_hex(4)}"
    with admin:
        _drop_stale_databases(admin)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _drop_stale_databases(admin: psycopg.Connection[tuple[str]]) -> None:
    """Databases left by test runs that were killed before their teardown."""
    names = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'cds\\_test\\_%'")
    for (name,) in names.fetchall():
        created = name.split("_")[2]
        if created.isdigit() and time.time() - int(created) > STALE_AFTER_S:
            with contextlib.suppress(psycopg.Error):
                admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database, not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/cds.sqlite3"
        return
    database: str | None = request.getfixturevalue("postgres_database")
    if database is None:
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}")
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    options = {"options": f"-csearch_path={name}"}
    yield make_url(database).update_query_dict(options).render_as_string(hide_password=False)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with Store.open(url) as store:
        yield store
