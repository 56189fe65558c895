"""Engines for SQLite and PostgreSQL URLs, and the one seam where their errors become ours.

SQLite runs in WAL mode with a busy timeout. Its driver's own transaction handling is turned
off so that a write transaction starts with `BEGIN IMMEDIATE`: a deferred transaction that
reads and then writes fails at once when another writer got in between, instead of waiting.
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from cds.exceptions import StoreUnavailable

DEFAULT_URL = "sqlite:///var/cds.sqlite3"
"""Relative to the working directory; `var/` is created when missing."""
SQLITE_BUSY_TIMEOUT_S = 30.0
POSTGRES_CONNECT_TIMEOUT_S = 5
_WRITE = "cds_write"


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn whatever the database, its driver or a migration raises into `StoreUnavailable`."""
    try:
        yield
    except (SQLAlchemyError, CommandError, OSError) as exc:
        raise StoreUnavailable(f"the store failed: {type(exc).__name__}") from exc


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction, committed when the block ends and rolled back if it raises."""
    with translate_errors(), engine.connect() as conn:
        conn.execution_options(**{_WRITE: write})
        with conn.begin():
            yield conn


def connect(url: str) -> Engine:
    """An engine for `url`; nothing is connected yet. Raises `StoreUnavailable`."""
    with translate_errors():
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            return _sqlite(parsed)
        if backend in ("postgresql", "postgres"):
            return _postgresql(parsed)
        raise StoreUnavailable(f"unsupported database URL scheme {parsed.drivername!r}")


def _postgresql(url: URL) -> Engine:
    url = url.set(drivername="postgresql+psycopg")
    connect_args = (
        {} if "connect_timeout" in url.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite(url: URL) -> Engine:
    if url.database in (None, "", ":memory:"):
        raise StoreUnavailable("an in-memory SQLite store is per connection: give a file path")
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connected(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    _use_wal(dbapi_connection)
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _use_wal(dbapi_connection: sqlite3.Connection) -> None:
    """Switching a new file to WAL can fail with SQLITE_BUSY at once, bypassing the busy
    timeout, while another process switches it: retry until the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
