"""Debian's chromium for the browser tests, driven by Playwright (no browser download)."""

import os
from pathlib import Path

import pytest

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


def skip_without_chromium() -> None:
    """Called at a test module's top: skips it without chromium, fails under CI."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{CHROMIUM} is missing under CI: `make test` installs it", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it as root)",
        allow_module_level=True,
    )
