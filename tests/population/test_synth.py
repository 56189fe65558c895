"""`cds synth`: a synthetic export varied from the scenarios, the same for the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.population.exports import NOW, cds, results, summary


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_the_same_seed_writes_the_same_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        code, out, _ = cds(
            capsys, "synth", str(tmp_path / name), "--patients", "150", "--seed", seed
        )
        assert code == 0
        assert "150 patients" in out
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert _contents(tmp_path / "a") != _contents(tmp_path / "c")


def test_every_patient_is_evaluated_and_every_broken_line_is_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = cds(
        capsys, "synth", str(tmp_path / "clean"), "--patients", "400", "--malformed", "0"
    )
    cds(capsys, "population", str(tmp_path / "clean"), "--now", NOW, "--out", str(tmp_path / "a"))
    assert len(results(tmp_path / "a")) == 400

    _, out, _ = cds(
        capsys,
        "synth",
        str(tmp_path / "broken"),
        "--patients",
        "400",
        "--malformed",
        "0.05",
        "--gzip",
    )
    broken = int(out.split("(")[1].split(" malformed")[0])
    assert broken > 50
    assert all(path.name.endswith(".ndjson.gz") for path in (tmp_path / "broken").iterdir())
    cds(capsys, "population", str(tmp_path / "broken"), "--now", NOW, "--out", str(tmp_path / "b"))
    assert summary(tmp_path / "b")["skippedAsMalformed"]["lines"] == broken


def test_patients_are_varied_from_the_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cds(capsys, "synth", str(tmp_path / "export"), "--patients", "600", "--malformed", "0")
    patients = [
        json.loads(line)
        for line in (tmp_path / "export" / "Patient.000.ndjson").read_text().splitlines()
    ]
    assert len({p["birthDate"][:4] for p in patients}) > 40
    conditions = [
        json.loads(line)
        for line in (tmp_path / "export" / "Condition.000.ndjson").read_text().splitlines()
    ]
    text_only = [c for c in conditions if "coding" not in c["code"]]
    assert len(text_only) > 10
    cds(
        capsys, "population", str(tmp_path / "export"), "--now", NOW, "--out", str(tmp_path / "out")
    )
    document = summary(tmp_path / "out")
    assert set(document["cardsPer1000Patients"]["byTopic"]) == {
        "spinal-origin",
        "red-flag",
        "inflammatory-pattern",
    }
    assert len(document["redFlags"]["byFlag"]) >= 6
    assert document["patientsWithCards"] < document["patients"] / 2
