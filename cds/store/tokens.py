"""Client tokens already used: the `jti` replay check shared by every process on one store."""

from datetime import datetime

from sqlalchemy import Connection, delete

from cds.store.schema import insert_new, seen_token


def first_use(conn: Connection, token_key: str, until: datetime, now: datetime) -> bool:
    """Records `token_key` until `until`; False when it is recorded and not expired."""
    conn.execute(
        delete(seen_token).where(seen_token.c.token_key == token_key, seen_token.c.expires_at < now)
    )
    row = {"token_key": token_key, "expires_at": until}
    inserted = conn.execute(insert_new(conn, seen_token).returning(seen_token.c.token_key), [row])
    return bool(inserted.all())
