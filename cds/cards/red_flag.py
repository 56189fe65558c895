"""Red-flag card wording: each flag's label (suspected when only uncertain text raises it),
its own links, and the one line for afterwards."""

from __future__ import annotations

from cds.cards.describe import sites_phrase
from cds.cards.text import CardText
from cds.engine import Finding, RedFlag


def flag_label(text: CardText, flag: RedFlag) -> str:
    label = text.word("flags", flag.flag)
    return text.summary_of_words("suspected", label=label) if flag.suspected else label


def flag_links(text: CardText, flags: tuple[RedFlag, ...]) -> list[str]:
    links = text.section("flagLinks")
    return [key for r in flags for key in links.get(r.flag, ())]


def headline(text: CardText, finding: Finding) -> str:
    """ "Once serious pathology is excluded, the right knee pain may be referred from …"."""
    sites = sites_phrase(text, finding.sites, capital=False)
    region = text.word("regions", finding.region)
    key = "inflammatory" if finding.pattern == "inflammatory" else finding.pattern
    what = text.summary_of_words(key, sites=sites, region=region)
    return text.summary_of_words("afterwards", what=what[:1].lower() + what[1:])
