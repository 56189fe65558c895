"""One patient's resources as the patient-view prefetch would hold them.

The prefetch templates are read, not restated: a resource goes under a key when its type is the
template's and it passes the template's search parameters (`code=system|code,...`,
`status=a,b`, any other `name=token,...` on a top-level element). `patient` is what grouping by
patient already did; parameters starting with `_` change paging, not what is found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from cds.services import PatientData, prefetch_templates


@dataclass(frozen=True, slots=True)
class Query:
    key: str
    resource_type: str
    tokens: tuple[tuple[str, frozenset[str]], ...]
    """Search parameter → the tokens it accepts (any one of them)."""


@cache
def prefetch_queries() -> tuple[Query, ...]:
    queries = []
    for key, template in prefetch_templates().items():
        path, _, query = template.partition("?")
        tokens = tuple(
            (name, frozenset(value.split(",")))
            for name, value in parse_qsl(query)
            if name != "patient" and not name.startswith("_")
        )
        queries.append(Query(key, path.split("/")[0], tokens))
    return tuple(queries)


def _matches_token(value: Any, accepted: frozenset[str]) -> bool:
    if type(value) is str:
        return value in accepted
    if type(value) is list:
        return any(_matches_token(item, accepted) for item in value)
    if type(value) is not dict:
        return False
    codings = value.get("coding")
    for coding in codings if type(codings) is list else ():
        if type(coding) is not dict:
            continue
        system, code = coding.get("system"), coding.get("code")
        if type(code) is str and (code in accepted or f"{system}|{code}" in accepted):
            return True
    return False


def _found_by(query: Query, resource: dict[str, Any]) -> bool:
    return all(_matches_token(resource.get(name), accepted) for name, accepted in query.tokens)


def found(queries: tuple[Query, ...], resource_type: str, resource: dict[str, Any]) -> bool:
    """Whether a query finds the resource: if not, no prefetch holds it and the engine never
    reads it."""
    return any(q.resource_type == resource_type and _found_by(q, resource) for q in queries)


def as_prefetched(resources: Iterable[tuple[str, dict[str, Any]]]) -> PatientData:
    """(resource type, resource) pairs → prefetch key → the resources its query would find."""
    queries = prefetch_queries()
    data: PatientData = {query.key: [] for query in queries}
    for resource_type, resource in resources:
        for query in queries:
            if query.resource_type == resource_type and _found_by(query, resource):
                data[query.key].append(resource)
    return data
