"""`cds population` on exports a user could hand it: the scenarios, broken lines, gzip, several
files per type, files of other types, and whatever the number of buckets."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.population.exports import NOW, cds, results, summary, write_scenarios


def test_each_scenario_patient_gets_its_expected_cards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = write_scenarios(tmp_path / "export")
    code, out, _ = cds(
        capsys, "population", str(tmp_path / "export"), "--now", NOW, "--out", str(tmp_path / "out")
    )
    assert code == 0
    found = results(tmp_path / "out")
    assert set(found) == set(expected)
    for patient, cards in expected.items():
        row = found[patient]
        assert sorted(zip(row["topics"], row["indicators"], strict=True)) == cards, patient
    document = summary(tmp_path / "out")
    assert document["patients"] == len(expected)
    assert document["cards"] == sum(len(cards) for cards in expected.values())
    assert f"{len(expected)} patients" in out


def test_red_flags_and_suggestions_are_counted_per_1000_patients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = write_scenarios(tmp_path / "export")
    cds(
        capsys,
        "population",
        str(tmp_path / "export"),
        "--now",
        NOW,
        "--out",
        str(tmp_path / "out"),
        "--visits-per-day",
        "1000",
    )
    rows = results(tmp_path / "out").values()
    document = summary(tmp_path / "out")
    patients = len(expected)
    cauda_equina = sum("cauda-equina" in row["redFlags"] for row in rows)
    assert cauda_equina >= 2
    assert document["redFlags"]["byFlag"]["cauda-equina"] == {
        "patients": cauda_equina,
        "per1000": round(1000 * cauda_equina / patients, 2),
    }
    rheumatology = sum("rheumatology" in row["suggestions"] for row in rows)
    assert rheumatology >= 1
    assert document["suggestions"]["rheumatology"]["patients"] == rheumatology
    red_cards = sum(row["topics"].count("red-flag") for row in rows)
    assert document["cardsPer1000Patients"]["byTopic"]["red-flag"] == round(
        1000 * red_cards / patients, 2
    )
    cards = sum(len(row["topics"]) for row in rows)
    assert document["perDay"]["cards"] == round(1000 * cards / patients, 1)


def test_malformed_lines_are_named_counted_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    expected = write_scenarios(export)
    conditions = (export / "Condition.ndjson").read_text().splitlines()
    conditions[2] = conditions[2][:40]
    conditions.insert(5, '{"resourceType": "Condition", "code": {"text": "no subject"}}')
    conditions.insert(9, "")
    (export / "Condition.ndjson").write_text("\n".join(conditions) + "\n")
    with (export / "Patient.ndjson").open("a") as patients:
        patients.write("[1, 2]\n")
    unreadable = json.loads(conditions[0]) | {"id": "bad-date", "onsetDateTime": "yesterday"}
    with (export / "Condition.ndjson").open("a") as more:
        more.write(json.dumps(unreadable) + "\n")

    code, _, err = cds(
        capsys, "population", str(export), "--now", NOW, "--out", str(tmp_path / "out")
    )

    assert code == 0
    assert "Condition.ndjson line 3: not valid JSON" in err
    assert "Condition.ndjson line 6: Condition without a subject reference Patient/<id>" in err
    assert f"Patient.ndjson line {len(expected) + 1}: not a JSON object" in err
    assert "line 10" not in err
    skipped = summary(tmp_path / "out")["skippedAsMalformed"]
    assert skipped["lines"] == 3
    assert skipped["linesByType"] == {"Condition": 2, "Patient": 1}
    assert skipped["resources"] == 1
    rows = results(tmp_path / "out")
    assert len(rows) == len(expected)
    assert rows[unreadable["subject"]["reference"].removeprefix("Patient/")]["skipped"] == 1


def test_files_are_picked_by_exact_type_gzip_and_several_per_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, mixed = tmp_path / "plain", tmp_path / "mixed"
    write_scenarios(plain)
    mixed.mkdir()
    for path in plain.iterdir():
        lines = path.read_bytes().splitlines(keepends=True)
        half = len(lines) // 2
        (mixed / f"{path.stem}.1.ndjson").write_bytes(b"".join(lines[:half]))
        with gzip.open(mixed / f"{path.stem}.2.ndjson.gz", "wb") as second:
            second.write(b"".join(lines[half:]))
    decoy = json.dumps({"resourceType": "ObservationDefinition", "id": "x"})
    (mixed / "ObservationDefinition.ndjson").write_text(decoy + "\n")
    (mixed / "Encounter.ndjson").write_text(decoy + "\n")

    for export in (plain, mixed):
        code, _, err = cds(
            capsys,
            "population",
            str(export),
            "--now",
            NOW,
            "--out",
            str(tmp_path / f"out-{export.name}"),
        )
        assert code == 0, err
        assert err == ""
    assert results(tmp_path / "out-mixed") == results(tmp_path / "out-plain")


def test_results_do_not_depend_on_the_number_of_buckets_or_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    cds(capsys, "synth", str(export), "--patients", "300", "--seed", "4")
    runs = {"one": ["--buckets", "1", "--workers", "1"], "many": ["--buckets", "37"]}
    for name, options in runs.items():
        cds(
            capsys, "population", str(export), "--now", NOW, "--out", str(tmp_path / name), *options
        )
    assert results(tmp_path / "one") == results(tmp_path / "many")
    assert summary(tmp_path / "one") == summary(tmp_path / "many")
    assert not any(path.name.startswith(".buckets") for path in (tmp_path / "many").iterdir())


def test_parquet_holds_the_same_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    write_scenarios(tmp_path / "export")
    cds(
        capsys,
        "population",
        str(tmp_path / "export"),
        "--now",
        NOW,
        "--out",
        str(tmp_path / "out"),
        "--parquet",
    )
    rows = pq.read_table(tmp_path / "out" / "patients.parquet").to_pylist()
    assert {row["patient"]: row for row in rows} == results(tmp_path / "out")


def test_an_export_that_is_not_there_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cds(capsys, "population", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert code == 2
    assert "is not a folder" in err
    (tmp_path / "empty").mkdir()
    shutil.copy(__file__, tmp_path / "empty" / "notes.ndjson")
    code, _, err = cds(capsys, "population", str(tmp_path / "empty"), "--out", str(tmp_path))
    assert code == 2
    assert "holds no NDJSON file of Patient, Condition, Observation" in err


def test_a_patient_whose_resources_the_engine_never_reads_is_still_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    expected = write_scenarios(export)
    unread: list[dict[str, Any]] = [
        {"resourceType": "MedicationStatement", "id": "ms-1", "status": "active"},
        {
            "resourceType": "Observation",
            "id": "obs-1",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
        },
    ]
    for resource in unread:
        resource["subject"] = {"reference": "Patient/only-unread"}
        with (export / f"{resource['resourceType']}.ndjson").open("a") as out:
            out.write(json.dumps(resource) + "\n")

    cds(capsys, "population", str(export), "--now", NOW, "--out", str(tmp_path / "out"))

    rows = results(tmp_path / "out")
    assert len(rows) == len(expected) + 1
    assert rows["only-unread"]["topics"] == []
    assert summary(tmp_path / "out")["patients"] == len(expected) + 1
