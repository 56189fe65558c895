"""The Spark engine (`--engine spark`, the `spark` extra): the same evaluation on a cluster.

Files are read as text; Spark's JSON functions key each line by patient; the few lines they
cannot key go through `lines.read_line` (which decides, as it does for the local engine);
lines are grouped by patient and each patient is evaluated by `patient.evaluate_patient` in a
Python UDF. The driver streams the results into patients.ndjson and the tally, and finds the
line numbers of the malformed lines it names by reading the files that hold them (Spark reads
lines without numbers).
On a cluster, the export must be readable by every executor at the same path, and this package
installed in the executors' Python (see the README).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cds.population.errors import PopulationError
from cds.population.export import ExportFile
from cds.population.line_numbers import line_numbers
from cds.population.lines import PATIENT_ID, PATIENT_REFERENCE, MalformedLine, read_line
from cds.population.malformed import MalformedLines, Skip
from cds.population.patient import evaluate_patient
from cds.population.result import PatientResult
from cds.population.tally import Tally

_SKIP = "array<struct<type:string,file:string,reason:string,value:string>>"
_OUTCOME = f"struct<result:string,malformed:{_SKIP}>"


def _key(resource_type: str, value: str) -> tuple[str | None, str | None]:
    """(patient, None) or (None, why the line is malformed)."""
    try:
        patient_id, _ = read_line(resource_type, value.encode())
    except MalformedLine as exc:
        return None, str(exc)
    return patient_id, None


def _evaluate(patient_id: str, lines: Iterable[Any], now: datetime) -> tuple[Any, ...]:
    """One patient's outcome: its result line, and the lines found malformed on a closer look
    (Spark's JSON functions read some broken lines that `read_line` refuses)."""
    good: list[tuple[str, bytes]] = []
    bad = []
    for resource_type, value, file in lines:
        found, reason = _key(resource_type, value)
        if found == patient_id:
            good.append((resource_type, value.encode()))
        else:
            why = reason or "the patient reference reads differently"
            bad.append((resource_type, file, why, value))
    result = evaluate_patient(patient_id, good, now).to_json().decode() if good else None
    return result, bad


def _session(master: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise PopulationError(
            "--engine spark needs PySpark: pip install 'spinal-origin-cds[spark]'"
        ) from None
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName("cds population")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", str(sys.stderr.isatty()).lower())
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _outcomes(session: Any, files: list[ExportFile], now: datetime) -> Any:
    from pyspark.sql import functions as F

    by_type: dict[str, list[str]] = {}
    for file in files:
        by_type.setdefault(file.resource_type, []).append(str(file.path))
    lines = None
    for resource_type, paths in by_type.items():
        frame = session.read.option("lineSep", "\n").text(paths)
        frame = frame.select(
            F.lit(resource_type).alias("type"),
            F.regexp_replace("value", "\r$", "").alias("value"),
            F.regexp_extract(F.input_file_name(), r"([^/]*)$", 1).alias("file"),
        )
        lines = frame if lines is None else lines.unionByName(frame)
    assert lines is not None
    lines = lines.where(F.col("value").rlike(r"\S"))

    claimed = F.get_json_object("value", "$.resourceType")
    reference = F.get_json_object("value", "$.subject.reference")
    candidate = F.when(F.col("type") == "Patient", F.get_json_object("value", "$.id")).otherwise(
        F.regexp_extract(reference, f"^{PATIENT_REFERENCE.pattern}$", 1)
    )
    keyed = lines.withColumn(
        "patient",
        F.when((claimed == F.col("type")) & candidate.rlike(f"^{PATIENT_ID.pattern}$"), candidate),
    )
    key = F.udf(_key, "struct<patient:string,reason:string>")
    unkeyed = (  # few lines, read twice below: kept rather than computed again from the files
        keyed.where(F.col("patient").isNull())
        .withColumn("checked", key("type", "value"))
        .select("type", "value", "file", "checked.patient", "checked.reason")
        .persist()
    )
    recovered = unkeyed.where(F.col("patient").isNotNull()).select(
        "type", "value", "file", "patient"
    )
    malformed = unkeyed.where(F.col("patient").isNull()).select(
        F.lit(None).cast("string").alias("result"),
        F.array(F.struct("type", "file", "reason", "value")).alias("malformed"),
    )
    evaluate = F.udf(lambda p, group: _evaluate(p, group, now), _OUTCOME)
    evaluated = (
        keyed.where(F.col("patient").isNotNull())
        .unionByName(recovered)
        .groupBy("patient")
        .agg(F.collect_list(F.struct("type", "value", "file")).alias("lines"))
        .select(evaluate("patient", "lines").alias("outcome"))
        .select("outcome.result", "outcome.malformed")
    )
    return evaluated.unionByName(malformed)


def run_spark(
    files: list[ExportFile], now: datetime, patients_out: Path, *, master: str
) -> tuple[Tally, MalformedLines]:
    session = _session(master)
    tally, malformed, values = Tally(), MalformedLines(), list[str]()
    try:
        # Evaluated by all executors at once and kept there; then streamed to the driver one
        # partition at a time (toLocalIterator alone would evaluate one partition at a time).
        outcomes = _outcomes(session, files, now).persist()
        outcomes.count()
        with patients_out.open("w", encoding="utf-8") as out:
            for row in outcomes.toLocalIterator():
                if row.result is not None:
                    out.write(row.result + "\n")
                    tally.add(PatientResult.from_json(row.result.encode()))
                for skip in row.malformed:
                    malformed.add(skip.type, Skip(skip.file, None, skip.reason))
                    if len(values) < len(malformed.kept):
                        values.append(skip.value)
    finally:
        session.stop()
    wanted = [(skip.file, value) for skip, value in zip(malformed.kept, values, strict=True)]
    numbers = line_numbers(files, wanted)
    malformed.kept = [replace(s, line=n) for s, n in zip(malformed.kept, numbers, strict=True)]
    return tally, malformed
