"""What the store holds, read with SQL rather than through the service."""

from typing import Any

from sqlalchemy import func, select

from cds.store.database import connect
from cds.store.schema import metadata


def rows(url: str, table: str) -> list[dict[str, Any]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(metadata.tables[table]))]
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(metadata.tables[table])) or 0
    finally:
        engine.dispose()
