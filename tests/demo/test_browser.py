"""In a real headless browser (Debian's chromium driven by Playwright): the card preview, and
the CDS Hooks sandbox's flow from a page on another origin against the demo FHIR server."""

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cds.demo.fhir_server import load_scenarios, shift_dates
from cds.demo.preview import engine_outcome
from tests.conftest import NOW
from tests.support.service import running_app, running_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
SHIFT = 10
"""The service runs 10 days after the fixtures' clock: the demo server shifts every date."""

if not CHROMIUM.exists():
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{CHROMIUM} is missing under CI: `make test` installs it", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it as root)",
        allow_module_level=True,
    )

SANDBOX_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>sandbox-like EHR</title></head>
<body><h1>Cards</h1><ul id="cards"></ul><p id="feedback"></p><p id="error"></p>
<script>
const SERVICE = __SERVICE__, FHIR = __FHIR__, PATIENT = __PATIENT__;
async function json(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}
async function run() {
  const discovery = await json(SERVICE + "/cds-services");
  const service = discovery.services.find((s) => s.hook === "patient-view");
  const fhir = {headers: {Accept: "application/fhir+json"}};
  const patient = await json(FHIR + "/Patient/" + PATIENT, fhir);
  const context = {userId: "Practitioner/sandbox", patientId: patient.id};
  const prefetch = {};
  for (const [key, template] of Object.entries(service.prefetch)) {
    const query = template.replaceAll("{{context.patientId}}", patient.id);
    prefetch[key] = await json(FHIR + "/" + query, fhir);
  }
  const answer = await json(SERVICE + "/cds-services/" + service.id, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({hook: "patient-view", hookInstance: crypto.randomUUID(),
                          fhirServer: FHIR, context, prefetch}),
  });
  for (const card of answer.cards) {
    const item = document.createElement("li");
    item.className = "card " + card.indicator;
    item.textContent = card.summary;
    document.getElementById("cards").append(item);
  }
  const first = answer.cards[0];
  const feedback = await fetch(SERVICE + "/cds-services/" + service.id + "/feedback", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({feedback: [{card: first.uuid, outcome: "accepted",
      acceptedSuggestions: [{id: first.suggestions[0].uuid}],
      outcomeTimestamp: new Date().toISOString()}]}),
  });
  document.getElementById("feedback").textContent = String(feedback.status);
}
run().catch((error) => { document.getElementById("error").textContent = String(error); })
  .finally(() => { document.body.dataset.done = "yes"; });
</script></body></html>
"""


@pytest.fixture(scope="module")
def demo_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    with running_service(
        demo=True,
        fixtures_dir=ROOT / "fixtures",
        now=NOW + timedelta(days=SHIFT),
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="test-key",
    ) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    yield page
    page.close()


def _with_suggestion() -> tuple[Any, list[dict[str, Any]]]:
    """A patient-view scenario whose first card offers a suggestion."""
    for scenario in load_scenarios(ROOT / "fixtures").items:
        cards = engine_outcome(scenario).cards
        if scenario.hook == "patient-view" and cards and cards[0].get("suggestions"):
            return scenario, cards
    raise AssertionError("no patient-view fixture whose first card has a suggestion")


def test_preview_renders_cards_as_an_ehr_would(demo_service: str, page: Page) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(demo_service + "/preview")
    assert page.locator("h1").inner_text().startswith("Scenarios")
    page.screenshot(path=str(SCREENSHOTS / "preview-index.png"), full_page=True)

    scenario, cards = _with_suggestion()
    page.goto(f"{demo_service}/preview/{scenario.slug}")
    rendered = page.locator("#cards > article.card")
    assert rendered.count() == len(cards)
    assert [s.strip() for s in page.locator("#cards .summary").all_inner_texts()] == [
        c["summary"] for c in cards
    ]
    colours = {"info": "rgb(21, 101, 192)", "warning": "rgb(178, 106, 0)"}
    colours["critical"] = "rgb(198, 40, 40)"
    for index, card in enumerate(cards):
        colour = rendered.nth(index).evaluate("e => getComputedStyle(e).borderLeftColor")
        assert colour == colours[card["indicator"]]
    page.screenshot(path=str(SCREENSHOTS / f"preview-{scenario.slug}.png"), full_page=True)

    page.get_by_role("button", name="Run against the running service").click()
    page.wait_for_url(f"**/preview/{scenario.slug}/run#live")
    assert page.locator("#live article.card").count() == len(cards)
    page.screenshot(path=str(SCREENSHOTS / f"preview-{scenario.slug}-live.png"), full_page=True)


def test_sandbox_flow_from_another_origin(demo_service: str, page: Page) -> None:
    scenario, _ = _with_suggestion()
    request = shift_dates(scenario.request, SHIFT)
    direct = httpx.post(
        f"{demo_service}/cds-services/spinal-origin-patient-view",
        json={k: v for k, v in request.items() if k != "fhirServer"},
        timeout=30,
    )
    expected = [card["summary"] for card in direct.json()["cards"]]
    assert expected

    sandbox_page = (
        SANDBOX_PAGE.replace("__SERVICE__", json.dumps(demo_service))
        .replace("__FHIR__", json.dumps(demo_service + "/demo/fhir"))
        .replace("__PATIENT__", json.dumps(scenario.patient_id))
    )

    async def ehr(request: Request) -> HTMLResponse:
        return HTMLResponse(sandbox_page)

    with running_app(Starlette(routes=[Route("/", ehr)])) as ehr_origin:
        assert ehr_origin != demo_service
        page.goto(ehr_origin + "/")
        page.wait_for_selector("body[data-done=yes]")
    assert page.locator("#error").inner_text() == ""
    assert page.locator("#cards li").all_inner_texts() == expected
    assert page.locator("#feedback").inner_text() == "200"
