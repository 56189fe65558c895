"""Pass 2 of the local engine (see `buckets`): one bucket's patients grouped and evaluated."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from cds.population.buckets import bucket_dir
from cds.population.patient import evaluate_patient
from cds.population.tally import Tally


def evaluate_bucket(work: Path, bucket: int, part: Path, now: datetime) -> Tally:
    """Pass 2 on one bucket: its patients grouped, evaluated, written to `part` in id order."""
    grouped: defaultdict[bytes, list[tuple[str, bytes]]] = defaultdict(list)
    kinds: dict[bytes, str] = {}
    folder = bucket_dir(work, bucket)
    pieces = sorted(folder.iterdir()) if folder.exists() else []
    for piece in pieces:
        with piece.open("rb") as stream:
            for line in stream:
                kind, patient, raw = line.split(b"\t", 2)
                resources = grouped[patient]
                if raw != b"\n":  # else only a mark that the patient is there
                    name = kinds.get(kind) or kinds.setdefault(kind, kind.decode())
                    resources.append((name, raw[:-1]))
    tally = Tally()
    with part.open("wb") as out:
        for patient in sorted(grouped):  # ids are ASCII: bytes sort as their text would
            result = evaluate_patient(patient.decode(), grouped.pop(patient), now)
            out.write(result.to_json() + b"\n")
            tally.add(result)
    for piece in pieces:
        piece.unlink()
    return tally
