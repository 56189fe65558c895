"""GET /about: for clinicians and governance, what the service looks for, its rules and
thresholds, the guidelines behind each card topic and the versions of its terminology and code.

Rendered from the terminology, rules and card text the engine itself loads, so it cannot drift
from what the cards do. Every card's `source.url` points here, at its topic.
"""

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cds.cards.text import CardText, card_text
from cds.services import prefetch_templates
from cds.terminology import Terminology, default_terminology
from cds.terminology.model import CodeEntry

PATH = "/about"
DISTRIBUTION = "spinal-origin-cds"
TEMPLATES = Environment(
    loader=PackageLoader("cds.api", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def about_url(public_base_url: str | None, request: Request) -> str:
    """The page's absolute URL: under CDS_PUBLIC_BASE_URL when set, else the request's base."""
    if public_base_url:
        return public_base_url.rstrip("/") + PATH
    scope = request.scope
    root = scope.get("app_root_path", scope.get("root_path", ""))
    return _about_under(
        scope.get("scheme", "http"), scope.get("server"), root, request.headers.get("host")
    )


@lru_cache(maxsize=64)
def _about_under(
    scheme: str, server: tuple[str, int | None] | None, root_path: str, host: str | None
) -> str:
    """Starlette's `base_url` parses a URL each call (~20 us): a service behind one address
    sees the same few bases again and again. Bounded, since the Host header is the client's."""
    headers = [(b"host", host.encode("latin-1"))] if host is not None else []
    scope: dict[str, Any] = {"type": "http", "scheme": scheme, "server": server, "headers": headers}
    scope |= {"root_path": root_path, "path": "/", "query_string": b""}
    return str(Request(scope).base_url).rstrip("/") + PATH


@dataclass(frozen=True, slots=True)
class LookedFor:
    """One concept the engine recognises, with its codes."""

    id: str
    title: str
    roles: tuple[str, ...]
    codes: tuple[CodeEntry, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    title: str
    guidelines: tuple[dict[str, str], ...]
    override_reasons: tuple[str, ...]


def terminology_version(term: Terminology) -> str:
    """A digest of the terminology and rules files loaded: it changes whenever they do."""
    digest = hashlib.sha256()
    for source in sorted(term.sources):
        digest.update(Path(source).name.encode() + b"\0" + Path(source).read_bytes())
    return digest.hexdigest()[:12]


def looked_for(term: Terminology) -> list[LookedFor]:
    return sorted(
        (
            LookedFor(c.id, c.title, tuple(sorted(c.roles)), term.codings_of(c.id))
            for c in term.concepts.values()
        ),
        key=lambda item: (item.roles, item.title.lower()),
    )


def topics(text: CardText, term: Terminology) -> list[Topic]:
    links = text.section("links")
    guidelines = text.section("guidelines")
    reasons = {c.code: c.display for concepts in term.code_systems.values() for c in concepts}
    return [
        Topic(
            code,
            str(title),
            tuple(dict(links[key]) for key in guidelines.get(code, ())),
            tuple(reasons.get(r, r) for r in text.section("overrideReasons").get(code, ())),
        )
        for code, title in text.section("topics").items()
    ]


@cache
def _page() -> str:
    term, text = default_terminology(), card_text()
    values: dict[str, Any] = {
        "service_version": version(DISTRIBUTION),
        "terminology_version": terminology_version(term),
        "sources": sorted(Path(s).name for s in term.sources),
        "prefetch": prefetch_templates(),
        "rules": term.rules,
        "topics": topics(text, term),
        "looked_for": looked_for(term),
    }
    return TEMPLATES.get_template("about.html").render(**values)


async def about(request: Request) -> HTMLResponse:
    return HTMLResponse(_page())
