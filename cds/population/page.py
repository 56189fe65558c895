"""summary.html: the summary as one self-contained page (inline CSS and SVG, no script, no
network), to open from a file."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from cds.population.charts import summary_charts
from cds.types import JSON


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cds.population", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def summary_page(summary: JSON) -> str:
    template = _environment().get_template("summary.html.j2")
    return template.render(summary=summary, charts=summary_charts(summary))
