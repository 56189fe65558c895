"""Bring the schema to the newest migration, safely when several processes start at once.

The whole upgrade runs in one transaction that first takes a lock: a PostgreSQL advisory
transaction lock, or SQLite's write lock (`BEGIN IMMEDIATE`). A process that waited finds the
schema already current and does nothing. A new revision is written with
`alembic.command.revision(alembic_config(), "message")`.
"""

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from cds.store.database import transaction

MIGRATIONS = Path(__file__).with_name("migrations")
ADVISORY_LOCK_KEY = 0x0C_D5_5F_0E
"""Arbitrary, fixed: every process of this service migrating one database takes the same one."""
_IN_PROCESS = threading.Lock()
"""Alembic keeps the running migration's context in a module global: one at a time per process."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    return config


def upgrade(engine: Engine) -> None:
    with transaction(engine, write=True) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = conn
        with _IN_PROCESS:
            command.upgrade(config, "head")
