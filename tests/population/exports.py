"""Bulk Data exports for the population tests: the scenarios of fixtures/ as NDJSON, and runs
of `cds population` and `cds synth` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cds.cli.main import main
from cds.data.scenarios import load_scenarios
from cds.population.synth import prefetched

NOW = "2026-06-01T09:00:00Z"
"""The scenarios' clock."""


def write_scenarios(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Every patient-view scenario's record as one export; patient → expected (topic, indicator)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    expected = {}
    for scenario in load_scenarios():
        if scenario.hook != "patient-view":
            continue
        for resource in prefetched(scenario.request):
            files.setdefault(resource["resourceType"], []).append(json.dumps(resource))
        cards = scenario.expect["cards"]
        expected[scenario.request["context"]["patientId"]] = sorted(
            (c["topic"], c["indicator"]) for c in cards
        )
    for resource_type, lines in files.items():
        (folder / f"{resource_type}.ndjson").write_text("\n".join(lines) + "\n")
    return expected


def cds(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`cds ARGV...` in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def results(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "patients.ndjson").read_text().splitlines()
    return {row["patient"]: row for row in map(json.loads, lines)}


def summary(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return document
