"""Schemathesis against the service in uvicorn: the OpenAPI schema is the contract it checks.

The schema is built from `create_app()` at collection (schemathesis' lazy `from_fixture` loader
breaks on pytest 9: it writes `Node._nodeid`); `test_the_served_schema_is_the_one_tested` makes
sure it is the very schema the running service serves at /openapi.json.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cds.api.app import create_app
from cds.data.scenarios import FIXTURES_NOW
from tests.support.service import running_service

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPENAPI = create_app().openapi()

schema = schemathesis.openapi.from_dict(
    OPENAPI,
    config=schemathesis.Config.from_dict({"seed": 20260601, "generation": {"max-examples": 50}}),
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="test-key",
        now=FIXTURES_NOW,
    ) as url:
        yield url


def test_the_served_schema_is_the_one_tested(base_url: str) -> None:
    assert httpx.get(f"{base_url}/openapi.json").json() == OPENAPI


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_every_operation_keeps_its_contract(case: schemathesis.Case[Any], base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=10)
