"""The one table the benchmark prints, as Markdown (it goes into RESULTS.md as it is)."""

from dataclasses import dataclass

COLUMNS = (
    "case",
    "what",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "CPU ms/req",
    "baseline req/s",
    "baseline p50 ms",
    "baseline p99 ms",
    "baseline CPU ms/req",
    "vs baseline",
    "target",
    "result",
)
RIGHT_ALIGNED = {2, 3, 4, 5, 6, 7, 8, 9, 10}


@dataclass(frozen=True, slots=True)
class Row:
    case: str
    what: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    cpu_ms: float | None = None
    """The server's CPU time per answered request."""
    base_rps: float | None = None
    base_p50_ms: float | None = None
    base_p99_ms: float | None = None
    base_cpu_ms: float | None = None
    versus: str = ""
    target: str = ""
    result: str = ""


def rps(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def verdict(failures: list[str]) -> str:
    return "PASS" if not failures else "FAIL: " + "; ".join(failures)


def _cells(row: Row) -> list[str]:
    return [
        row.case,
        row.what,
        rps(row.rps),
        ms(row.p50_ms),
        ms(row.p99_ms),
        "-" if row.errors is None else str(row.errors),
        ms(row.cpu_ms),
        rps(row.base_rps),
        ms(row.base_p50_ms),
        ms(row.base_p99_ms),
        ms(row.base_cpu_ms),
        row.versus or "-",
        row.target or "-",
        row.result or "-",
    ]


def render(rows: list[Row], header: list[str]) -> str:
    """`header` lines (setup: load generator, pinning, durations), then the table."""
    body = [_cells(row) for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in body)) for i, c in enumerate(COLUMNS)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        padded = [
            c.rjust(widths[i]) if i in RIGHT_ALIGNED else c.ljust(widths[i])
            for i, c in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in RIGHT_ALIGNED else "-" * (w + 2)
            for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([*header, "", line(COLUMNS), rule, *(line(r) for r in body)])
