"""A real run (git, worktrees, pytest, a command-line agent) as the session page shows it:
the children in their dependency waves, each child's timeline, the validation report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from codemyspec.agents import CommandAgent
from codemyspec.bootstrap import App
from codemyspec.runner import RunnerConfig
from codemyspec.sessions import Session, SessionAttrs
from tests.support.html_pages import by_id, elements
from tests.support.sample_project import BILLING, Sample, make_sample, scripted_agent_argv


def member_token(app: App, sample: Sample) -> str:
    """An API token of the sample account's user, as `admin create-token` makes it."""
    assert sample.scope.user_id is not None
    with app.unit_of_work() as uow:
        uow.accounts.add_member(sample.scope.account_id, sample.scope.user_id)
        made = uow.accounts.create_token(sample.scope.account_id, sample.scope.user_id, "web")
    assert made.token is not None
    return made.token


def run(sample: Sample, max_fix_rounds: int) -> Session:
    session = sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions",
            component_id=sample.context.id,
            agent="scripted",
            state={"max_fix_rounds": max_fix_rounds},
        ),
    )
    agent = CommandAgent("scripted", scripted_agent_argv())
    runner = sample.app.runner(sample.project, RunnerConfig(), agents={"scripted": agent})
    return runner.run(sample.scope, session.id)


@pytest.fixture
def failed_run(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Session, str]:
    """Money, Ledger (which uses Money) and Tax, whose agent never gets Tax right: Tax fails
    after its one fix round, so the context's validation fails and waits for the user."""
    sample = make_sample(app, tmp_path / "sample", ["Money", "Ledger", "Tax"])
    monkeypatch.setenv("SCRIPTED_AGENT_SCRIPT", str(sample.script_path))
    sample.set_script("Tax", {"write": BILLING["Tax"][0].replace("// 5", "// 4")})
    return run(sample, max_fix_rounds=1), member_token(app, sample)


def test_a_failed_run_shows_its_waves_timelines_and_validation_report(
    client: TestClient, failed_run: tuple[Session, str]
) -> None:
    session, token = failed_run
    client.post("/sign-in", data={"token": token})

    page = client.get(f"/sessions/{session.id}").text

    found = elements(page)
    assert found["session-status"].text == "active"
    progress = "2 of 3 components complete · 1 failed · 1 fix round · $0.00"
    assert found["session-progress"].text == progress
    assert "SpawnComponentCodingSessions failed; waiting for you" in found["session-outcome"].text
    money, ledger, tax = (found[f"child-Billing-{n}"] for n in ("Money", "Ledger", "Tax"))
    assert (money.attrs["data-step"], money.attrs["data-status"]) == ("Finalize", "complete")
    assert (ledger.attrs["data-step"], ledger.attrs["data-status"]) == ("Finalize", "complete")
    assert (tax.attrs["data-step"], tax.attrs["data-status"]) == ("RunTests", "failed")
    second_wave = page.index('id="wave-2"')
    assert page.index('id="child-Billing-Money"') < second_wave
    assert page.index('id="child-Billing-Tax"') < second_wave
    assert page.index('id="child-Billing-Ledger"') > second_wave, "Ledger waits for Money"
    assert "wave-3" not in found
    assert money.text.startswith("Billing.Money Finalize 0 1 passed, 0 failed")
    assert "src/shop/billing/money.py" in money.text
    assert "$0.00 · 0 tokens · 1 turn" in money.text
    assert tax.text.startswith("Billing.Tax RunTests 1 0 passed, 1 failed")
    assert "$0.00 · 0 tokens · 2 turns" in tax.text

    timeline = found["timeline-child-Billing-Tax"].text
    steps = ["Initialize", "GenerateImplementation", "RunTests", "FixTestFailures", "RunTests"]
    assert [s for s in timeline.split() if s in steps] == steps
    assert "tests tests/billing/test_tax.py" in timeline
    assert "test_tax" in timeline and "25 == 20" in timeline, "the failing test's message"

    report = found["validation-report"].text
    assert "Tax failed" in report and "tests still failing after 1 fix round" in report
    assert f"codemyspec sessions retry {session.id} --server http://testserver" in report
    assert "retry" not in found, "a run driven where the code is: the command, not a button"
    assert f"codemyspec sessions retry {session.id}" in found["retry-command"].text

    live = elements(client.get(f"/sessions/{session.id}/live").text)
    assert live["child-Billing-Tax"].attrs["data-status"] == "failed"
    assert "Tax failed" in live["validation-report"].text


def test_a_component_session_has_its_own_page_under_its_context(
    client: TestClient, failed_run: tuple[Session, str]
) -> None:
    session, token = failed_run
    tax = next(c for c in session.child_sessions if c.component and c.component.name == "Tax")
    client.post("/sign-in", data={"token": token})

    page = client.get(f"/sessions/{tax.id}").text

    assert by_id(page, "session-status").text == "failed"
    assert f"A component of session {session.id}" in by_id(page, "main").text
    assert "FixTestFailures" in by_id(page, "timeline-session").text
    assert not {"retry", "resume", "cancel", "retry-command"} & set(elements(page))
