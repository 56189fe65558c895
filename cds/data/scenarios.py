"""The scenarios of `fixtures/`: each a CDS Hooks request with its prefetch and the outcome
clinicians expect, written for one instant (`FIXTURES_NOW`). Tests, the demo server, the card
preview and the benchmark read them through this module."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from cds.types import JSON

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
FIXTURES_NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
"""Every scenario is evaluated at this instant; fixture dates are relative to it."""


@dataclass(frozen=True, slots=True)
class Scenario:
    slug: str
    """The file's name without `.json`."""
    path: Path
    title: str
    description: str
    request: JSON
    expect: JSON

    @property
    def hook(self) -> str:
        return str(self.request.get("hook", ""))

    @property
    def patient_id(self) -> str:
        context = self.request.get("context")
        return str(context.get("patientId", "")) if isinstance(context, dict) else ""

    def resources(self, key: str) -> list[JSON]:
        """The prefetched resources under `key` (a Bundle's entries, or the one resource)."""
        value = (self.request.get("prefetch") or {}).get(key)
        if not isinstance(value, dict):
            return []
        if value.get("resourceType") != "Bundle":
            return [value] if value.get("resourceType") not in (None, "OperationOutcome") else []
        entries = value.get("entry") or []
        return [e["resource"] for e in entries if isinstance(e.get("resource"), dict)]


def read_scenario(path: Path) -> Scenario:
    """Raises OSError, orjson.JSONDecodeError, KeyError, TypeError or ValueError for a file that
    is not a scenario."""
    data = orjson.loads(path.read_bytes())
    return Scenario(
        slug=path.stem,
        path=path,
        title=str(data["title"]),
        description=str(data.get("description", "")),
        request=dict(data["request"]),
        expect=dict(data.get("expect") or {}),
    )


def scenario_paths(directory: Path = FIXTURES_DIR) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def load_scenarios(directory: Path = FIXTURES_DIR) -> list[Scenario]:
    """Every scenario of the folder, in name order; a file that is not one raises."""
    return [read_scenario(path) for path in scenario_paths(directory)]
