"""In a real headless browser (Debian's chromium driven by Playwright): the card preview, and
the CDS Hooks sandbox's flow from a page on another origin against the demo FHIR server."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cds.demo.fhir_server import day_offset, served_scenarios, shift_dates
from cds.demo.preview import engine_outcome
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS, skip_without_chromium
from tests.support.service import OWN_URL, running_app, running_service

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
SHIFT = day_offset(datetime.now(UTC).date())
"""The service runs on the real clock, as under `make run` (the page dates its feedback now):
the demo server moves every date forward by the days since the fixtures' clock."""

skip_without_chromium()

SANDBOX_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>sandbox-like EHR</title></head>
<body><h1>Patients</h1><ul id="picker"></ul>
<h1>Cards</h1><ul id="cards"></ul><p id="feedback"></p><p id="error"></p>
<script>
const SERVICE = __SERVICE__, FHIR = __FHIR__;
const fhir = {headers: {Accept: "application/fhir+json"}};
async function json(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}
function failed(error) { document.getElementById("error").textContent = String(error); }
// Like the sandbox's patient picker: the first page of a plain search, no `next` followed.
async function pick() {
  const bundle = await json(FHIR + "/Patient", fhir);
  for (const entry of bundle.entry || []) {
    const button = document.createElement("button");
    button.dataset.id = entry.resource.id;
    button.textContent = (entry.resource.name || [{}])[0].family || entry.resource.id;
    button.onclick = () => run(entry.resource.id).catch(failed)
      .finally(() => { document.body.dataset.done = "yes"; });
    const item = document.createElement("li");
    item.append(button);
    document.getElementById("picker").append(item);
  }
}
async function run(patientId) {
  const discovery = await json(SERVICE + "/cds-services");
  const service = discovery.services.find((s) => s.hook === "patient-view");
  const patient = await json(FHIR + "/Patient/" + patientId, fhir);
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
  const accepted = (first.suggestions || []).slice(0, 1).map((s) => ({id: s.uuid}));
  const feedback = await fetch(SERVICE + "/cds-services/" + service.id + "/feedback", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({feedback: [{card: first.uuid, outcome: "accepted",
      acceptedSuggestions: accepted, outcomeTimestamp: new Date().toISOString()}]}),
  });
  document.getElementById("feedback").textContent = String(feedback.status);
}
pick().catch(failed).finally(() => { document.body.dataset.listed = "yes"; });
</script></body></html>
"""


@pytest.fixture(scope="module")
def ehr() -> Iterator[tuple[str, dict[str, str]]]:
    """A page on another origin, as the sandbox's: its origin, and its HTML to set."""
    page = {"html": ""}

    async def ehr(request: Request) -> HTMLResponse:
        return HTMLResponse(page["html"])

    with running_app(Starlette(routes=[Route("/", ehr)])) as origin:
        yield origin, page


@pytest.fixture(scope="module")
def demo_service(
    tmp_path_factory: pytest.TempPathFactory, ehr: tuple[str, dict[str, str]]
) -> Iterator[str]:
    """The service as `make run` serves it: the demo FHIR server allowed, and the EHR's page."""
    tmp = tmp_path_factory.mktemp("browser")
    with running_service(
        demo=True,
        fixtures_dir=ROOT / "fixtures",
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="test-key",
        cors_origins=ehr[0],
        allowed_fhir_servers=OWN_URL,
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
    for scenario in served_scenarios(ROOT / "fixtures").items:
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


def test_preview_shows_an_actioned_red_flag_and_low_start_back_risk(
    demo_service: str, page: Page
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{demo_service}/preview/red-flag-cauda-equina-actioned-mri")
    (card,) = page.locator("#cards > article.card").all()
    assert card.get_attribute("data-indicator") == "info"
    assert card.locator(".summary").inner_text().startswith("Red flag (actioned ")
    assert card.locator(".suggestion").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "preview-actioned-red-flag.png"), full_page=True)

    page.goto(f"{demo_service}/preview/start-back-low-risk")
    cards = page.locator("#cards")
    assert "STarT Back 2/9 (low risk" in cards.inner_text()
    physio = cards.locator(".suggestion", has_text="not the default at low STarT Back risk")
    assert physio.count() == 1
    assert physio.locator(".badge.ok").count() == 0, "offered, not recommended"
    assessment = cards.locator(".suggestion", has_text="spinal musculoskeletal assessment")
    assert assessment.locator(".badge.ok").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "preview-start-back-low-risk.png"), full_page=True)


def _red_flag() -> Any:
    """A patient-view scenario whose cards include a red flag."""
    for scenario in served_scenarios(ROOT / "fixtures").items:
        topics = {card["source"]["topic"]["code"] for card in engine_outcome(scenario).cards}
        if scenario.hook == "patient-view" and "red-flag" in topics:
            return scenario
    raise AssertionError("no patient-view fixture with a red-flag card")


def test_sandbox_flow_picks_a_red_flag_patient_from_another_origin(
    demo_service: str, ehr: tuple[str, dict[str, str]], page: Page
) -> None:
    scenario = _red_flag()
    request = shift_dates(scenario.request, SHIFT)
    direct = httpx.post(
        f"{demo_service}/cds-services/spinal-origin-patient-view",
        json={k: v for k, v in request.items() if k != "fhirServer"},
        timeout=30,
    )
    expected = [card["summary"] for card in direct.json()["cards"]]
    assert expected

    ehr_origin, ehr_page = ehr
    ehr_page["html"] = SANDBOX_PAGE.replace("__SERVICE__", json.dumps(demo_service)).replace(
        "__FHIR__", json.dumps(demo_service + "/demo/fhir")
    )
    patients = {s.patient_id for s in served_scenarios(ROOT / "fixtures").items}
    assert ehr_origin != demo_service
    page.goto(ehr_origin + "/")
    page.wait_for_selector("body[data-listed=yes]")
    listed = page.locator("#picker button")
    assert {listed.nth(i).get_attribute("data-id") for i in range(listed.count())} == patients
    page.locator(f'#picker button[data-id="{scenario.patient_id}"]').click()
    page.wait_for_selector("body[data-done=yes]")
    assert page.locator("#error").inner_text() == ""
    assert page.locator("#cards li").all_inner_texts() == expected
    assert page.locator("#feedback").inner_text() == "200"


PAMA_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>sandbox-like PAMA imaging screen</title></head>
<body><h1>PAMA Imaging</h1>
<h2>order-select</h2><ul id="order-select"></ul><p id="feedback"></p>
<button id="sign" disabled>Sign order</button>
<h2>order-sign</h2><ul id="order-sign"></ul><p id="error"></p>
<script>
const SERVICE = __SERVICE__, FHIR = __FHIR__, PATIENT = __PATIENT__, STUDY = __STUDY__,
  REASON = __REASON__;
async function json(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}
// What the sandbox's PAMA screen sends: one draft ServiceRequest coded only by its CPT code,
// intent plan, a SNOMED CT reason, in a Bundle without type.
function context(hook, patientId) {
  const order = {resourceType: "ServiceRequest", id: "example-request-id", status: "draft",
    intent: "plan", code: {coding: [{system: "http://www.ama-assn.org/go/cpt", code: STUDY}]},
    subject: {reference: "Patient/" + patientId},
    reasonCode: [{coding: [{system: "http://snomed.info/sct", code: REASON}]}]};
  const value = {userId: "Practitioner/sandbox", patientId,
                 draftOrders: {resourceType: "Bundle", entry: [{resource: order}]}};
  if (hook === "order-select") value.selections = ["ServiceRequest/example-request-id"];
  return value;
}
async function call(discovery, hook, patient) {
  const service = discovery.services.find((s) => s.hook === hook);
  const fhir = {headers: {Accept: "application/fhir+json"}};
  const prefetch = {};
  for (const [key, template] of Object.entries(service.prefetch)) {
    const query = template.replaceAll("{{context.patientId}}", patient.id);
    prefetch[key] = await json(FHIR + "/" + query, fhir);
  }
  const answer = await json(SERVICE + "/cds-services/" + service.id, {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({hook, hookInstance: crypto.randomUUID(), fhirServer: FHIR,
                          context: context(hook, patient.id), prefetch}),
  });
  for (const card of answer.cards) {
    const item = document.createElement("li");
    item.className = "card " + card.indicator;
    const summary = document.createElement("span");
    summary.className = "summary";
    summary.textContent = card.summary;
    item.append(summary);
    for (const suggestion of card.suggestions || []) {
      const button = document.createElement("button");
      button.className = "suggestion";
      button.textContent = suggestion.label;
      button.dataset.actions = suggestion.actions
        .map((a) => a.type + " " + (a.resourceId || a.resource.resourceType)).join("; ");
      button.onclick = async () => {
        const feedback = await fetch(SERVICE + "/cds-services/" + service.id + "/feedback", {
          method: "POST", headers: {"Content-Type": "application/json"},
          body: JSON.stringify({feedback: [{card: card.uuid, outcome: "accepted",
            acceptedSuggestions: [{id: suggestion.uuid}],
            outcomeTimestamp: new Date().toISOString()}]}),
        });
        document.getElementById("feedback").textContent = String(feedback.status);
        document.getElementById("sign").disabled = false;
      };
      item.append(button);
    }
    document.getElementById(hook).append(item);
  }
}
async function run() {
  const discovery = await json(SERVICE + "/cds-services");
  const fhir = {headers: {Accept: "application/fhir+json"}};
  const patient = await json(FHIR + "/Patient/" + PATIENT, fhir);
  await call(discovery, "order-select", patient);
  document.getElementById("sign").onclick = () =>
    call(discovery, "order-sign", patient)
      .catch((error) => { document.getElementById("error").textContent = String(error); })
      .finally(() => { document.body.dataset.signed = "yes"; });
}
run().catch((error) => { document.getElementById("error").textContent = String(error); })
  .finally(() => { document.body.dataset.done = "yes"; });
</script></body></html>
"""


def test_pama_imaging_screen_shows_the_lumbar_imaging_card(
    demo_service: str, ehr: tuple[str, dict[str, str]], page: Page
) -> None:
    """The sandbox's PAMA screen flow: order-select for its default study (CT lumbar spine,
    reason low back pain), the clinician takes the suggestion to replace it with physiotherapy,
    then signs: the order-sign card no longer offers physiotherapy (the feedback was used)."""
    scenario = next(
        s
        for s in served_scenarios(ROOT / "fixtures").items
        if s.slug == "imaging-pama-sandbox-lumbar-ct"
    )
    [expected] = engine_outcome(scenario).cards
    ehr_origin, ehr_page = ehr
    ehr_page["html"] = (
        PAMA_PAGE.replace("__SERVICE__", json.dumps(demo_service))
        .replace("__FHIR__", json.dumps(demo_service + "/demo/fhir"))
        .replace("__PATIENT__", json.dumps(scenario.patient_id))
        .replace("__STUDY__", json.dumps("72133"))
        .replace("__REASON__", json.dumps("279039007"))
    )
    page.goto(ehr_origin + "/")
    page.wait_for_selector("body[data-done=yes]")
    assert page.locator("#error").inner_text() == ""
    selected = page.locator("#order-select li.card.warning")
    assert selected.locator(".summary").all_inner_texts() == [expected["summary"]]
    buttons = selected.locator("button.suggestion")
    assert buttons.all_inner_texts() == [s["label"] for s in expected["suggestions"]]
    replace = buttons.filter(has_text="physiotherapy")
    assert replace.get_attribute("data-actions") == (
        "create ServiceRequest; delete ServiceRequest/example-request-id"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pama-order-select.png"), full_page=True)
    replace.click()
    page.wait_for_function("document.getElementById('feedback').textContent !== ''")
    assert page.locator("#feedback").inner_text() == "200"
    page.locator("#sign").click()
    page.wait_for_selector("body[data-signed=yes]")
    assert page.locator("#error").inner_text() == ""
    signed = page.locator("#order-sign li.card.warning")
    assert signed.locator(".summary").all_inner_texts() == [expected["summary"]]
    labels = signed.locator("button.suggestion").all_inner_texts()
    assert labels and not any("physiotherapy" in label for label in labels)


def test_a_cards_source_link_opens_its_topic_on_the_about_page(
    demo_service: str, page: Page
) -> None:
    request = shift_dates(_red_flag().request, SHIFT)
    cards = httpx.post(
        f"{demo_service}/cds-services/spinal-origin-patient-view",
        json={k: v for k, v in request.items() if k != "fhirServer"},
        timeout=30,
    ).json()["cards"]
    card = next(c for c in cards if c["source"]["topic"]["code"] == "red-flag")

    page.goto(card["source"]["url"])
    assert page.locator("h1").inner_text().startswith("Spinal-origin CDS")
    assert (
        page.locator("section.topic:target h3")
        .inner_text()
        .startswith(card["source"]["topic"]["display"])
    )
    guidelines = page.locator("section.topic:target a")
    listed = {guidelines.nth(i).get_attribute("href") for i in range(guidelines.count())}
    assert {link["url"] for link in card["links"]} <= listed
    assert page.get_by_role("heading", name="Rules and thresholds").is_visible()
    assert page.get_by_role("cell", name="Radiating pain along a nerve pathway").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "about.png"), full_page=False)
