"""The clinical core imports no framework, HTTP client or database, and reads no clock."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

CORE = [
    "cds.terminology",
    "cds.facts",
    "cds.engine",
    "cds.cards",
    "cds.evaluation",
    "cds.cli.card_text",
]
FORBIDDEN = ("fastapi", "httpx", "sqlalchemy", "starlette", "uvicorn", "httpcore", "psycopg")
ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_no_framework_http_or_database() -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "roots = {m.split('.')[0] for m in sys.modules}\n"
        + f"print(json.dumps(sorted(roots & set({FORBIDDEN!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_the_purity_check_would_notice_a_forbidden_import() -> None:
    code = "import json, sys, httpx\nprint(json.dumps('httpx' in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) is True


def test_core_reads_no_clock() -> None:
    clock_calls = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}
    offenders = []
    for package in ("terminology", "facts", "engine", "cards"):
        for path in (ROOT / "cds" / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in clock_calls
                ):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
