"""`--engine spark` on `local[2]` gives exactly what the local engine gives, on an export with
gzip, several files per type and lines that Spark's JSON functions and the local reader see
differently (duplicate keys, trailing text)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cds.population.export import resource_type_of
from cds.population.lines import MalformedLine, read_line
from tests.population.exports import NOW, write_scenarios

ROOT = Path(__file__).parents[2]

if importlib.util.find_spec("pyspark") is None:
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail("pyspark is missing under CI: the test extra installs it", pytrace=False)
    pytest.skip("pyspark is missing: pip install -e '.[spark]'", allow_module_level=True)

ODD_LINES = [
    # orjson keeps the last of two keys, Spark's get_json_object the first
    '{"resourceType": "Condition", "id": "dup-1", "subject": {"reference": "Group/1"}, '
    '"subject": {"reference": "Patient/pt-radic-rknee"}, "code": {"text": "low back pain"}}',
    '{"resourceType": "Condition", "id": "dup-2", "subject": {"reference": "Patient/pt-x"}, '
    '"subject": {"reference": "Group/1"}}',
    '{"resourceType": "Condition", "subject": {"reference": "Patient/pt-y"}} and more',
]


def _cds(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cds.cli.main", *argv],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _summary(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "summary.json").read_text())
    assert document.pop("engine") in ("local", "spark")
    return document


def _named_lines(export: Path, stderr: str) -> list[tuple[str, bytes, str]]:
    """(file's resource type, the line a message names, the reason it gives) for every
    malformed line named."""
    named = []
    for file, number, reason in re.findall(r"population: (\S+) line (\d+): (.*); skipped", stderr):
        content = (export / file).read_bytes()
        lines = (gzip.decompress(content) if file.endswith(".gz") else content).split(b"\n")
        named.append((str(resource_type_of(file)), lines[int(number) - 1].rstrip(b"\r"), reason))
    return named


def _why_malformed(resource_type: str, line: bytes) -> str:
    try:
        read_line(resource_type, line)
    except MalformedLine as exc:
        return str(exc)
    return "the patient reference reads differently"


def test_spark_gives_the_local_engines_results(tmp_path: Path) -> None:
    export = tmp_path / "export"
    _cds("synth", str(export), "--patients", "400", "--seed", "3", "--gzip", "--malformed", "0.02")
    write_scenarios(export)
    with (export / "Condition.ndjson").open("a") as conditions:
        conditions.write("\n".join(ODD_LINES) + "\n")

    local = _cds("population", str(export), "--now", NOW, "--out", str(tmp_path / "local"))
    spark = _cds(
        "population",
        str(export),
        "--now",
        NOW,
        "--out",
        str(tmp_path / "spark"),
        "--engine",
        "spark",
        "--master",
        "local[2]",
    )

    rows = {
        name: sorted((tmp_path / name / "patients.ndjson").read_text().splitlines())
        for name in ("local", "spark")
    }
    assert len(rows["local"]) > 400
    assert rows["spark"] == rows["local"]
    assert _summary(tmp_path / "spark") == _summary(tmp_path / "local")
    assert _summary(tmp_path / "local")["skippedAsMalformed"]["lines"] > 50
    for engine in (local, spark):
        named = _named_lines(export, engine.stderr)
        assert len(named) == 50
        for resource_type, line, reason in named:
            assert _why_malformed(resource_type, line) == reason
