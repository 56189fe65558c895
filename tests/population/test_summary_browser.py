"""summary.html opened from a file in a real headless browser, with the network cut off: the
figures and the three charts are there, drawn from summary.json, and nothing is fetched."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS, skip_without_chromium

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
skip_without_chromium()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_the_summary_page_shows_the_figures_offline(tmp_path: Path, page: Page) -> None:
    cds = [sys.executable, "-m", "cds.cli.main"]
    subprocess.run(
        [*cds, "synth", str(tmp_path / "export"), "--patients", "1500"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *cds,
            "population",
            str(tmp_path / "export"),
            "--out",
            str(tmp_path / "out"),
            "--now",
            "2026-06-01T09:00:00Z",
            "--visits-per-day",
            "2000",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    fetched: list[str] = []

    def offline(route: Route) -> None:
        if not route.request.url.startswith("file://"):
            fetched.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", offline)
    page.goto((tmp_path / "out" / "summary.html").as_uri())

    assert page.locator("h1").inner_text() == "Population run"
    assert page.locator("#patients .value").inner_text() == "1,500"
    assert page.locator("#cards-per-day .value").inner_text() == str(summary["perDay"]["cards"])
    topics = summary["cardsPer1000Patients"]["byTopic"]
    assert page.locator("#cards-by-topic svg rect.bar").count() == len(topics) == 3
    flags = summary["redFlags"]["byFlag"]
    assert page.locator("#red-flags-by-kind svg rect.bar").count() == len(flags) > 3
    assert page.locator("#indicator-counts svg rect.bar").count() == 6
    bars = page.locator("#cards-by-topic svg text.value").all_text_contents()
    assert [float(text.replace(",", "")) for text in bars] == list(topics.values())
    widths = [
        float(w)
        for w in page.locator("#cards-by-topic rect.bar").evaluate_all(
            "bars => bars.map(b => b.getBoundingClientRect().width)"
        )
    ]
    assert max(widths) > 300
    assert all(w > 0 for w in widths)
    assert fetched == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "population-summary.png"), full_page=True)
