import time
from pathlib import Path

import pytest

from cds.exceptions import StoreUnavailable
from cds.store import Store
from cds.store.database import connect

NOT_A_DIRECTORY = "sqlite:////dev/null/cds/cds.sqlite3"
NOTHING_LISTENING = "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"
UNREACHABLE = [
    pytest.param(NOT_A_DIRECTORY, id="sqlite"),
    pytest.param(NOTHING_LISTENING, id="postgresql"),
]


@pytest.mark.parametrize("url", UNREACHABLE)
def test_an_unreachable_store_cannot_be_opened(url: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        Store.open(url)

    assert time.monotonic() - started < 3
    assert raised.value.__cause__ is not None


def test_ping_fails_quickly_when_sqlite_is_unreachable(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path}/gone/cds.sqlite3")
    (tmp_path / "gone").rmdir()

    with pytest.raises(StoreUnavailable), Store(engine) as store:
        store.ping()


def test_ping_fails_quickly_when_postgresql_is_unreachable() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable), Store(connect(NOTHING_LISTENING)) as store:
        store.ping()

    assert time.monotonic() - started < 3


def test_ping_succeeds_on_a_reachable_store(store: Store) -> None:
    store.ping()


@pytest.mark.parametrize("url", ["mysql://localhost/x", "sqlite://", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(StoreUnavailable):
        Store.open(url)
