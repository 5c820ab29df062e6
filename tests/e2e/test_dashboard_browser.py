"""The dashboard in a real browser (Playwright driving Debian's Chromium) against real servers.

``codemyspec dashboard`` serves a test repository while ``codemyspec implement`` runs in its
own process with the scripted command-line agent; ``codemyspec serve`` serves two accounts.
What is checked is what a person sees: the page changing in place as the run goes on, a
failed run's report and a retry from its button, another account's session as a 404 page.
Screenshots of each go to the test's folder (and to ``$CODEMYSPEC_SCREENSHOTS`` if set).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from codemyspec.bootstrap import bootstrap
from tests.support.browser import browser, page
from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import WRONG_TAX, Implementing, invoke
from tests.support.dashboards import dashboard
from tests.support.factories import make_context, make_context_session, make_project
from tests.support.sample_project import BILLING
from tests.support.served import make_token, served

pytestmark = pytest.mark.slow

__all__ = ["browser", "page"]  # the fixtures, used by name

#: Long enough for a run's steps on a loaded 2-core machine; the pages change much sooner.
RUN_MS = 120_000


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """The whole page as a PNG in ``folder``, copied to ``$CODEMYSPEC_SCREENSHOTS`` too."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if shots := os.environ.get("CODEMYSPEC_SCREENSHOTS"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(shots) / path.name)
    return path


def test_a_run_in_progress_updates_the_session_page_in_place(
    project: CliProject, implementing: list[Implementing], page: Page, tmp_path: Path
) -> None:
    project.set_script("Tax", {"write": BILLING["Tax"][0], "delay": 12})
    with dashboard(project) as shown:
        run = Implementing(project, "Billing")
        implementing.append(run)
        run.wait_for("Billing.Tax: GenerateImplementation started")

        page.goto(shown.link)
        expect(page).to_have_url(f"{shown.url}/sessions")
        page.locator("#session-1 a").click()
        expect(page).to_have_url(f"{shown.url}/sessions/1")
        page.evaluate("window.loadedOnce = 'the page this test opened'")
        tax = page.locator("#child-Billing-Tax")
        expect(tax).to_have_attribute("data-step", "GenerateImplementation")
        expect(page.locator("#session-status")).to_have_text("active")
        screenshot(page, tmp_path, "dashboard-running")

        expect(tax).to_have_attribute("data-status", "complete", timeout=RUN_MS)
        expect(page.locator("#session-status")).to_have_text("complete", timeout=RUN_MS)
        screenshot(page, tmp_path, "dashboard-complete")
        assert run.finish() == 0, run.output

        assert page.evaluate("window.loadedOnce") == "the page this test opened", "reloaded"
        assert page.url == f"{shown.url}/sessions/1"


def test_a_failed_run_shows_its_report_and_a_retry_from_the_page_completes_it(
    project: CliProject, page: Page, tmp_path: Path
) -> None:
    project.set_script("Tax", {"write": WRONG_TAX})
    failed = invoke("implement", "Billing", "--max-fix-rounds", "0")
    assert failed.exit_code == 1, failed.output
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    with dashboard(project) as shown:
        page.goto(shown.link)
        page.goto(f"{shown.url}/sessions/1")
        expect(page.locator("#child-Billing-Tax")).to_have_attribute("data-status", "failed")
        expect(page.locator("#child-Billing-Money")).to_have_attribute("data-status", "complete")
        report = page.locator("#validation-report")
        expect(report).to_contain_text("Billing.Tax")
        expect(report).to_contain_text("assert 25 == 20")
        screenshot(page, tmp_path, "dashboard-failed")
        page.set_viewport_size({"width": 400, "height": 800})
        screenshot(page, tmp_path, "dashboard-failed-narrow")
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, "no sideways page"
        page.set_viewport_size({"width": 1000, "height": 800})

        page.locator("#retry").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Retry session 1 (Billing)?")
        screenshot(page, tmp_path, "dashboard-confirm-retry")
        page.locator("#confirm").click()

        expect(page).to_have_url(f"{shown.url}/sessions/1")
        expect(page.locator("#session-status")).to_have_text("complete", timeout=RUN_MS)
        expect(page.locator("#child-Billing-Tax")).to_have_attribute("data-status", "complete")
        screenshot(page, tmp_path, "dashboard-retried")
        assert "retry Billing · session 1" in shown.output

    assert BRANCH in project.git.remote_branches()


def test_under_serve_another_accounts_session_is_a_404_page(page: Page, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'server.db'}"
    alice = make_token(database_url, "acme", "alice@acme.test")
    mallory = make_token(database_url, "evil", "mallory@evil.test")
    app = bootstrap(database_url)
    try:
        with app.unit_of_work() as uow:
            scope = uow.accounts.authenticate(alice)
        in_project, _ = make_project(app, scope)
        session = make_context_session(app, in_project, make_context(app, in_project))
    finally:
        app.close()

    with served(database_url, tmp_path / "serve.log") as url:
        for token, status in ((alice, 200), (mallory, 404)):
            page.context.clear_cookies()
            page.goto(f"{url}/sign-in")
            page.get_by_label("API token").fill(token)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{url}/sessions")

            shown = page.goto(f"{url}/sessions/{session.id}")

            assert shown is not None
            assert shown.status == status
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_role("alert")).to_contain_text(f"Session {session.id} not found")
        expect(page.locator("#session-status")).to_have_count(0)
        screenshot(page, tmp_path, "dashboard-404")
