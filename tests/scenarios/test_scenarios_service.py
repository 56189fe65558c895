"""Every scenario of fixtures/ through the running HTTP service and through `cds evaluate`."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds.cli.main import main
from cds.data.scenarios import FIXTURES_NOW, Scenario, load_scenarios
from tests.support.scenarios import assert_outcome

SCENARIOS = load_scenarios()
SERVICE_BY_HOOK = {
    "patient-view": "spinal-origin-patient-view",
    "order-select": "spinal-origin-order-select",
    "order-sign": "spinal-origin-order-sign",
}


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 40


@pytest.fixture(scope="module")
def client(service: str) -> Any:
    with httpx.Client(base_url=service, timeout=10) as client:
        yield client


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.slug)
def test_scenario_through_http(client: httpx.Client, scenario: Scenario) -> None:
    response = client.post(f"/cds-services/{SERVICE_BY_HOOK[scenario.hook]}", json=scenario.request)
    assert response.status_code == 200, response.text
    assert_outcome(response.json()["cards"], scenario.expect)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.slug)
def test_scenario_through_cds_evaluate(
    scenario: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["evaluate", str(scenario.path), "--format", "json", "--now", FIXTURES_NOW.isoformat()]
        )
        == 0
    )
    assert_outcome(orjson.loads(capsys.readouterr().out)["cards"], scenario.expect)


def _cds(*args: str) -> subprocess.CompletedProcess[str]:
    cds = Path(sys.executable).with_name("cds")
    return subprocess.run(
        [str(cds), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_console_script_prints_a_radicular_warning_card_with_physiotherapy() -> None:
    result = _cds(
        "evaluate", "fixtures/radicular-right-knee.json", "--now", FIXTURES_NOW.isoformat()
    )
    assert result.returncode == 0, result.stderr
    assert "[WARNING] Right knee pain may be referred from the lumbar spine" in result.stdout
    assert "Refer to physiotherapy" in result.stdout


def test_console_script_reads_a_bare_request_and_a_bundle(tmp_path: Path) -> None:
    scenario = next(s for s in SCENARIOS if s.slug == "radicular-right-knee")
    request = tmp_path / "request.json"
    request.write_bytes(orjson.dumps(scenario.request))
    entries = [
        entry
        for key in ("patient", "conditions", "observations", "serviceRequests")
        for entry in (
            [{"resource": scenario.request["prefetch"][key]}]
            if key == "patient"
            else scenario.request["prefetch"][key].get("entry", [])
        )
    ]
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(
        orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    )
    outputs = []
    for path in (request, bundle):
        result = _cds("evaluate", str(path), "--format", "json", "--now", FIXTURES_NOW.isoformat())
        assert result.returncode == 0, result.stderr
        outputs.append([c["summary"] for c in orjson.loads(result.stdout)["cards"]])
    assert outputs[0] == outputs[1] != []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read"),
        (b"{not json", "not valid JSON"),
        (b"[]", "no JSON object"),
        (b"{}", "expected"),
    ],
)
def test_bad_files_get_one_line_and_exit_2(
    tmp_path: Path, content: bytes | None, says: str
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    result = _cds("evaluate", str(path))
    assert result.returncode == 2
    assert says in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""
