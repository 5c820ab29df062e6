"""A real browser for the dashboard's tests: Playwright driving Debian's Chromium.

Playwright's own browser download does not work everywhere; Debian's ``chromium`` does, and
CI installs it. Without it the browser tests are skipped, unless
``CODEMYSPEC_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes its absence a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The dashboard's printed sign-in link.
SIGN_IN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/\?token=\S+")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, headless, for the module's tests (each opens its own context)."""
    if not CHROMIUM.exists():
        if os.environ.get("CODEMYSPEC_REQUIRE_BROWSER"):
            pytest.fail(f"a browser is required here but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (no cookies), 1000 x 800."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in_link(output: str) -> str:
    """The one-time link ``codemyspec dashboard`` printed."""
    found = SIGN_IN_LINK.search(output)
    assert found is not None, f"no sign-in link in:\n{output}"
    return found.group(0)
