"""The clinical core's one entry point: PatientRecord (raw FHIR JSON) → cards.

No clock and no I/O at call time: `now` is passed in, terminology loads once at first use.
The one thing drawn from outside is randomness, for card and suggestion uuids (`new_uuid`,
replaceable for tests).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cds.cards import build_cards
from cds.cards.issued import IssuedCard
from cds.engine import Findings, find
from cds.facts import SkippedResource, extract_facts
from cds.facts.fhir.dates import today_of
from cds.facts.record import PatientRecord
from cds.terminology import Terminology, default_terminology
from cds.types import Hook

__all__ = ["Evaluation", "SkippedResource", "evaluate"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    cards: list[IssuedCard]
    """At most three, JSON-ready, red flags first."""
    skipped: list[SkippedResource]
    """Malformed resources left out (for logging; reasons carry no patient data)."""
    findings: Findings


_RANDOM_BYTES = 16 * 256
_CLEAR_VERSION_VARIANT = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
"""RFC 9562: version 4 in bits 48-51, variant 0b10 in bits 64-65 (from the most significant)."""
_random = threading.local()


def _new_uuid() -> str:
    """A random (version 4) UUID; the random bytes are drawn 256 UUIDs at a time, because one
    `os.urandom` call per UUID releases the GIL, and taking it back stalls a busy server: +13 %
    req/s on bench case (a) when it came in (bench/RESULTS.md). It saves no instructions
    (callgrind): what it saves is waiting for the GIL, which only a loaded server shows."""
    pool: bytes = getattr(_random, "pool", b"")
    if not pool:
        pool = os.urandom(_RANDOM_BYTES)
    _random.pool = pool[16:]
    value = (int.from_bytes(pool[:16]) & _CLEAR_VERSION_VARIANT) | _VERSION_4
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def evaluate(
    record: PatientRecord,
    hook: Hook,
    now: datetime,
    new_uuid: Callable[[], str] = _new_uuid,
    *,
    terminology: Terminology | None = None,
) -> Evaluation:
    term = terminology or default_terminology()
    facts = extract_facts(record, hook, now, term)
    findings = find(facts, hook, now, term)
    cards = build_cards(findings, hook, term, new_uuid, today_of(now))
    return Evaluation(cards=cards, skipped=list(facts.skipped), findings=findings)
