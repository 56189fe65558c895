"""A throw-away PostgreSQL database for the tests that need one, and a fresh schema in it.

PostgreSQL is found at `CDS_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`).
When it cannot be reached its tests are skipped, unless `CI=true`: then they fail.

A test package uses the database by importing the fixture into its conftest:
`from tests.support.postgres import postgres_database as postgres_database`.
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


@contextlib.contextmanager
def fresh_schema(database: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema of `database`, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    options = {"options": f"-csearch_path={name}"}
    try:
        yield make_url(database).update_query_dict(options).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def database_url(request: pytest.FixtureRequest, directory: os.PathLike[str]) -> Iterator[str]:
    """An empty database for a fixture parametrized with "sqlite" / "postgresql": a file under
    `directory`, or a fresh schema of the throw-away PostgreSQL database (skips without it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{directory}/cds.sqlite3"
        return
    database: str | None = request.getfixturevalue("postgres_database")
    if database is None:
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}")
    with fresh_schema(database) as url:
        yield url
