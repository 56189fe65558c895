"""The files of a FHIR Bulk Data export that the engine reads, picked by resource type.

`$export` writes one or more NDJSON files per type (`Observation.ndjson`, `Observation.2.ndjson`,
`Observation-000.ndjson.gz`, ...). A file's type is its name up to the first `.`, `-` or `_`,
compared exactly: `ObservationDefinition.ndjson` is not an Observation file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cds.population.errors import PopulationError

READ_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "ServiceRequest",
    "MedicationRequest",
    "MedicationStatement",
)
_NAME = re.compile(r"^(?P<type>[A-Za-z]+)(?:[._-][0-9A-Za-z]+)*?\.ndjson(?P<gz>\.gz)?$")


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: Path
    resource_type: str
    gzipped: bool

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def resource_type_of(name: str) -> str | None:
    match = _NAME.match(name)
    return match["type"] if match else None


def export_files(folder: Path) -> list[ExportFile]:
    """The export's files of the types read, in a stable order (type, then name)."""
    if not folder.is_dir():
        raise PopulationError(f"{folder} is not a folder")
    found = []
    for path in sorted(folder.iterdir()):
        resource_type = resource_type_of(path.name)
        if resource_type in READ_TYPES and path.is_file():
            found.append(ExportFile(path, resource_type, path.name.endswith(".gz")))
    if not found:
        raise PopulationError(f"{folder} holds no NDJSON file of {', '.join(READ_TYPES)}")
    found.sort(key=lambda f: (READ_TYPES.index(f.resource_type), f.path.name))
    return found
