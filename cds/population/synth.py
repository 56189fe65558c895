"""`cds synth`: a synthetic Bulk Data export, the same for the same seed.

Patients are varied from the scenarios of fixtures/ (see `variation`); lines are shuffled within
blocks of patients, as an export's are not sorted by patient; files are split every
`lines_per_file` lines; a share of lines is broken the ways real files break.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from io import BufferedIOBase
from pathlib import Path

import orjson

from cds.data.prefetch import read_prefetched
from cds.population.errors import PopulationError
from cds.population.export import READ_TYPES
from cds.population.variation import Odds, Variation, twins
from cds.terminology import default_terminology
from cds.types import JSON

BLOCK = 2_000
"""Patients whose lines are shuffled together."""
NO_LIMIT = 10**9


@dataclass(frozen=True, slots=True)
class Written:
    patients: int
    lines: int
    malformed: int
    files: int


def prefetched(request: JSON) -> list[JSON]:
    """Every resource of a CDS Hooks request's prefetch, whatever its key."""
    resources: list[JSON] = []
    for key, value in (request.get("prefetch") or {}).items():
        resources += read_prefetched(key, value, NO_LIMIT) or []
    return resources


def scenarios(fixtures: Path) -> list[list[JSON]]:
    """Each scenario's patient record (its prefetch), as resources."""
    found = []
    for path in sorted(fixtures.glob("*.json")):
        found.append(prefetched(orjson.loads(path.read_bytes())["request"]))
    if not found:
        raise PopulationError(f"{fixtures} holds no scenario to vary (see --fixtures)")
    return found


def _broken(line: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return line[: rng.randrange(1, max(len(line) - 1, 2))]
    if kind == 1:
        return b"<html>502 Bad Gateway</html>"
    if kind == 2:
        return line.replace(b'"subject"', b'"subjekt"', 1).replace(b'"id"', b'"ident"', 1)
    return b'["' + line[:20].replace(b'"', b"") + b'"]'


class _Files:
    """Per type, the file being written and how many lines it holds."""

    def __init__(self, out: Path, stack: ExitStack, zipped: bool, lines_per_file: int) -> None:
        self.out, self.stack, self.zipped, self.limit = out, stack, zipped, lines_per_file
        self.open: dict[str, tuple[BufferedIOBase, int, int]] = {}
        self.count = 0

    def write(self, resource_type: str, line: bytes) -> None:
        stream, number, lines = self.open.get(resource_type) or self._new(resource_type, 0)
        if lines >= self.limit:
            stream.close()
            stream, number, lines = self._new(resource_type, number + 1)
        stream.write(line + b"\n")
        self.open[resource_type] = (stream, number, lines + 1)

    def _new(self, resource_type: str, number: int) -> tuple[BufferedIOBase, int, int]:
        name = f"{resource_type}.{number:03d}.ndjson" + (".gz" if self.zipped else "")
        path = self.out / name
        stream: BufferedIOBase
        if self.zipped:
            stream = self.stack.enter_context(gzip.GzipFile(path, "wb", mtime=0))
        else:
            stream = self.stack.enter_context(path.open("wb"))
        self.count += 1
        return stream, number, 0


def _lines(
    patients: int, seed: int, fixtures: Path, odds: Odds
) -> Iterator[list[tuple[str, bytes]]]:
    """Per block of patients, its (resource type, line) pairs."""
    templates = scenarios(fixtures)
    codes = twins(default_terminology())
    for first in range(0, patients, BLOCK):
        block: list[tuple[str, bytes]] = []
        for index in range(first, min(first + BLOCK, patients)):
            rng = random.Random(f"{seed}:{index}")
            scenario = rng.choice(templates) if rng.random() < odds.scenario else None
            for resource in Variation(rng, odds, codes).patient(f"syn{index:07d}", scenario):
                if resource["resourceType"] in READ_TYPES:
                    block.append((resource["resourceType"], orjson.dumps(resource)))
        random.Random(f"{seed}:block:{first}").shuffle(block)
        yield block


def synthesize(
    out: Path,
    patients: int,
    seed: int,
    *,
    fixtures: Path,
    zipped: bool = False,
    malformed: float = 0.002,
    lines_per_file: int = 500_000,
    odds: Odds | None = None,
) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:malformed")
    lines = broken = 0
    with ExitStack() as stack:
        files = _Files(out, stack, zipped, lines_per_file)
        for block in _lines(patients, seed, fixtures, odds or Odds()):
            for resource_type, line in block:
                if rng.random() < malformed:
                    line = _broken(line, rng)
                    broken += 1
                files.write(resource_type, line)
                lines += 1
    return Written(patients, lines, broken, files.count)
