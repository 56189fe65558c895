"""/about, the page for clinicians and governance, and every card's `source.url` pointing at it."""

import html as markup
from importlib.metadata import version
from pathlib import Path

import httpx

from cds.cards.text import card_text
from cds.data.scenarios import FIXTURES_NOW as NOW
from cds.demo.fhir_server import served_scenarios
from cds.demo.preview import engine_outcome
from cds.terminology import default_terminology
from tests.support.service import running_service

FIXTURES = Path(__file__).parents[2] / "fixtures"


def _red_flag_request() -> dict[str, object]:
    for scenario in served_scenarios(FIXTURES).items:
        topics = {c["source"]["topic"]["code"] for c in engine_outcome(scenario).cards}
        if scenario.hook == "patient-view" and "red-flag" in topics:
            return scenario.request
    raise AssertionError("no patient-view fixture with a red-flag card")


def test_the_page_shows_topics_guidelines_rules_and_versions(service: str) -> None:
    page = httpx.get(service + "/about")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    text = card_text()
    for code, title in text.section("topics").items():
        assert f'id="{code}"' in html and markup.escape(title) in html
        for key in text.section("guidelines")[code]:
            assert text.section("links")[key]["url"] in html
    rules = default_terminology().rules
    for rule in rules.indicators:
        assert markup.escape(rule.label) in html
    assert f"<td>{rules.chronic_days}</td>" in html
    assert f"<td>{rules.fever_celsius}</td>" in html
    assert version("spinal-origin-cds") in html
    assert 'id="terminology-version"' in html


def test_every_card_links_only_guidelines_the_page_lists_for_its_topic() -> None:
    listed = card_text().section("guidelines")
    links = card_text().section("links")
    for scenario in served_scenarios(FIXTURES).items:
        for card in engine_outcome(scenario).cards:
            topic = card["source"]["topic"]["code"]
            urls = {links[key]["url"] for key in listed[topic]}
            cited = {link["url"] for link in card.get("links", [])}
            assert cited <= urls, (scenario.slug, topic, cited - urls)


def test_cards_point_at_their_topic_on_the_page(service: str) -> None:
    answer = httpx.post(
        service + "/cds-services/spinal-origin-patient-view", json=_red_flag_request(), timeout=30
    )
    cards = answer.json()["cards"]
    assert cards
    for card in cards:
        assert card["source"]["url"] == f"{service}/about#{card['source']['topic']['code']}"


def test_source_url_is_under_the_public_base_url(tmp_path: Path) -> None:
    settings = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "now": NOW}
    public = "https://cds.example.org/spinal"
    with running_service(public_base_url=public, **settings) as base:
        answer = httpx.post(
            base + "/cds-services/spinal-origin-patient-view", json=_red_flag_request(), timeout=30
        )
    urls = {card["source"]["url"] for card in answer.json()["cards"]}
    assert urls and all(url.startswith(public + "/about#") for url in urls)
