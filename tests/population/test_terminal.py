"""`cds population` as a process: a progress bar on a terminal only, and a low open-file limit
that bounds the buckets instead of failing."""

from __future__ import annotations

import os
import pty
import resource
import subprocess
import sys
from pathlib import Path

from tests.population.exports import NOW, write_scenarios

ROOT = Path(__file__).parents[2]


def _population(export: Path, out: Path, *options: str, **kwargs: object) -> None:
    command = [
        sys.executable,
        "-m",
        "cds.cli.main",
        "population",
        str(export),
        "--now",
        NOW,
        "--out",
        str(out),
        *options,
    ]
    subprocess.run(command, cwd=ROOT, check=True, timeout=300, **kwargs)  # type: ignore[call-overload]


def test_a_progress_bar_on_a_terminal_and_none_in_a_file(tmp_path: Path) -> None:
    write_scenarios(tmp_path / "export")
    with (tmp_path / "err").open("w") as err:
        _population(tmp_path / "export", tmp_path / "a", stderr=err)
    assert (tmp_path / "err").read_text() == ""

    leader, follower = pty.openpty()
    try:
        _population(tmp_path / "export", tmp_path / "b", stderr=follower)
        shown = os.read(leader, 65536).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert "evaluating [" in shown
    assert "100%" in shown


def test_buckets_stay_below_the_open_file_limit(tmp_path: Path) -> None:
    synth = [sys.executable, "-m", "cds.cli.main", "synth", str(tmp_path / "export")]
    subprocess.run([*synth, "--patients", "1000"], cwd=ROOT, check=True, capture_output=True)

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    _population(tmp_path / "export", tmp_path / "wide", "--buckets", "90")
    _population(tmp_path / "export", tmp_path / "low", "--buckets", "500", preexec_fn=low_limit)
    wide = sorted((tmp_path / "wide" / "patients.ndjson").read_text().splitlines())
    assert sorted((tmp_path / "low" / "patients.ndjson").read_text().splitlines()) == wide
