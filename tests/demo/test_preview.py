"""The card preview at /preview: every scenario of fixtures/ renders with its cards."""

import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from cds.demo.fhir_server import served_scenarios
from cds.demo.preview import TEMPLATES, engine_outcome
from tests.support.service import running_service

FIXTURES = Path(__file__).parents[2] / "fixtures"
SCENARIOS = served_scenarios(FIXTURES).items


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The service as `make run` serves it: demo on, the real clock."""
    tmp = tmp_path_factory.mktemp("preview")
    with (
        running_service(
            demo=True,
            fixtures_dir=FIXTURES,
            database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
            patient_hash_key="test-key",
        ) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        yield client


def test_index_lists_every_scenario(preview: httpx.Client) -> None:
    response = preview.get("/preview")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Fixture problems" not in response.text
    for scenario in SCENARIOS:
        assert f'href="/preview/{scenario.slug}"' in response.text
        assert html.escape(scenario.title) in response.text


def test_every_scenario_shows_its_record_and_cards(preview: httpx.Client) -> None:
    assert len(SCENARIOS) >= 2
    for scenario in SCENARIOS:
        response = preview.get(f"/preview/{scenario.slug}")
        assert response.status_code == 200, scenario.slug
        page = response.text
        outcome = engine_outcome(scenario)
        assert outcome.error is None, (scenario.slug, outcome.error)
        assert "Error from" not in page, scenario.slug
        assert page.count('<article class="card') == len(outcome.cards), scenario.slug
        for card in outcome.cards:
            assert html.escape(card["summary"]) in page, (scenario.slug, card["summary"])
        for condition in scenario.resources("conditions"):
            assert f"Condition/{condition.get('id')}" in page, scenario.slug


def test_run_live_answers_like_the_engine(preview: httpx.Client) -> None:
    scenario = next(s for s in SCENARIOS if engine_outcome(s).cards)
    response = preview.post(f"/preview/{scenario.slug}/run")
    assert response.status_code == 200
    live = response.text.split('id="live"', 1)[1]
    assert "Error from" not in live
    assert live.count('<article class="card') == len(engine_outcome(scenario).cards)


def test_the_lumbar_imaging_card_shows_what_replacing_the_order_would_do(
    preview: httpx.Client,
) -> None:
    page = preview.get("/preview/imaging-order-select-lumbar-mri-new-low-back-pain").text
    assert "as expected" in page and "MISMATCH" not in page
    assert "topic imaging-appropriateness" in page
    assert "Suggestions (select at-most-one)" in page
    assert "delete: Cancel the draft order: MRI lumbar spine without contrast" in page
    assert "<code>ServiceRequest/sr-pt-img-mri-new-draft-1</code>" in page
    assert "CMS166: Use of Imaging Studies for Low Back Pain" in page


def test_a_mismatch_is_flagged(tmp_path: Path) -> None:
    scenario = SCENARIOS[0]
    fixture = orjson.loads((FIXTURES / f"{scenario.slug}.json").read_bytes())
    fixture["expect"] = {"cards": [{"topic": "red-flag", "indicator": "info"}] * 3}
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "wrong.json").write_bytes(orjson.dumps(fixture))
    settings = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "fixtures_dir": fixtures}
    with running_service(demo=True, **settings) as base_url:
        assert "MISMATCH" in httpx.get(base_url + "/preview").text
        assert "MISMATCH" in httpx.get(base_url + "/preview/wrong").text
        assert httpx.get(base_url + "/preview/nothing-here").status_code == 404


def test_card_markdown_and_links_are_escaped() -> None:
    card = {
        "summary": "<b>bold</b> summary",
        "indicator": "critical",
        "detail": "**Evidence** <script>alert(1)</script> [x](javascript:alert(1))",
        "source": {"label": "Spinal origin", "url": "javascript:alert(2)"},
        "links": [{"label": "bad", "url": "javascript:alert(3)", "type": "absolute"}],
        "overrideReasons": [{"code": "already-assessed", "display": "Already <assessed>"}],
    }
    macros = TEMPLATES.get_template("preview_macros.html").module
    rendered = str(macros.card_view(card))  # type: ignore[attr-defined]
    assert "<strong>Evidence</strong>" in rendered
    assert "<script>" not in rendered
    assert "<b>" not in rendered
    assert "javascript:" not in rendered.replace("[x](javascript:alert(1))", "")
    assert "Already &lt;assessed&gt;" in rendered
    assert 'class="card critical"' in rendered
