"""The mutation score per area from `mutmut results --all true` (run by `make mutation`).

Exits 1 when an area measured falls below its target (issue 12: 90 % engine, 85 % readers).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

AREAS = {"cds/engine": ("cds.engine.", 90.0), "cds/facts readers": ("cds.facts.", 85.0)}
KILLED = frozenset({"killed", "caught by type check"})
"""A timeout is not counted: no code mutated here loops, so a timeout means a busy machine."""
UNRUN = "not checked"


def statuses(results: str) -> dict[str, Counter[str]]:
    """Status counts per area from lines like `    cds.engine.x_find__mutmut_3: killed`."""
    counts: dict[str, Counter[str]] = {area: Counter() for area in AREAS}
    for line in results.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep:
            continue
        for area, (prefix, _) in AREAS.items():
            if name.startswith(prefix):
                counts[area][status] += 1
    return counts


def main() -> int:
    mutmut = [sys.executable, "-m", "mutmut", "results", "--all", "true"]
    results = subprocess.run(mutmut, check=True, capture_output=True, text=True).stdout
    ok = True
    for area, counts in statuses(results).items():
        total = sum(counts.values()) - counts[UNRUN]
        if not total:
            print(f"{area}: not run")
            continue
        killed = sum(n for status, n in counts.items() if status in KILLED)
        score = 100 * killed / total
        target = AREAS[area][1]
        ok = ok and score >= target
        rest = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items()) if s not in KILLED and s != UNRUN
        )
        print(
            f"{area}: {score:.1f} % killed ({killed} of {total}; {rest or 'none left'})"
            f" — target {target:g} %"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
