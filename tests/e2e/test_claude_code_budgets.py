"""A context run's budget and deadline stop its agents: the real Claude Code CLI against the
scripted model, whose replies report the tokens the test chooses."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.bootstrap import App
from codemyspec.cli.git import Git
from codemyspec.cli.reports import print_outcome
from codemyspec.errors import ValidationError
from codemyspec.runner import Runner, RunnerConfig
from codemyspec.sessions import Session, SessionAttrs, SessionStatus, SessionUpdate
from codemyspec_testing import ModelRequest, Reply, ScriptedModel, write
from tests.support.cli_runs import flat
from tests.support.clocks import FakeClock
from tests.support.sample_project import BILLING, Sample, code_path, make_sample

pytestmark = pytest.mark.slow

BRANCH = "code-context-coding-session-for-billing"


def runner_for(sample: Sample, model: ScriptedModel, home: Path, **kwargs: Any) -> Runner:
    agent = ClaudeCodeAgent(env=model.env(home))
    return sample.app.runner(
        sample.project,
        RunnerConfig(agent_timeout=120),
        agents={"claude_code": agent},
        **kwargs,
    )


def start(sample: Sample, limits: dict[str, object]) -> Session:
    return sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions",
            component_id=sample.context.id,
            agent="claude_code",
            state={"limits": limits},
        ),
    )


def component(request: ModelRequest) -> str:
    return next(
        n for n in BILLING if f"write the implementation in: {code_path(n)}" in request.prompt
    )


def reported(sample: Sample, session: Session) -> str:
    """What the command line prints at the end of the run."""
    out = StringIO()
    git = Git(sample.app.shell, sample.git.root)
    print_outcome(git, session, Console(file=out, width=200))
    return out.getvalue()


def children(done: Session) -> dict[str, Session]:
    return {c.component.name if c.component else "?": c for c in done.child_sessions}


def test_a_token_budget_stops_both_running_agents_and_a_raised_one_continues(
    app: App, tmp_path: Path
) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money", "Fee"])
    raised = {"done": False}

    def respond(request: ModelRequest) -> Reply:
        name = component(request)
        if not raised["done"]:  # each agent's answer opens with 30,001 tokens, then hangs
            return Reply(text="thinking", usage=(30_000, 10)).stalled()
        if request.turn == 0:
            return Reply(tool_calls=(write(code_path(name), BILLING[name][0]),))
        return Reply(text=f"Implemented {name}.")

    session = start(sample, {"budget_tokens": 50_000})
    with ScriptedModel(respond) as model:
        runner = runner_for(sample, model, tmp_path / "home")
        stopped = runner.run(sample.scope, session.id)

        both = children(stopped)
        assert {n: (c.status, c.state["error"]) for n, c in both.items()} == {
            n: (SessionStatus.CANCELLED, "budget: 60,002 tokens of 50,000") for n in both
        }
        assert stopped.state["spent"] == {"cost_usd": 0.0, "tokens": 60_002}
        assert stopped.status is not SessionStatus.COMPLETE
        assert BRANCH not in sample.git.remote_branches(), "nothing committed nor pushed"
        report = flat(reported(sample, stopped))
        assert "Billing was not implemented" in report
        for name in ("Fee", "Money"):
            spent = both[name]
            assert f"{name} cancelled (session {spent.id}): budget: 60,002" in report
        assert (
            "spent $0.00 · 60,002 tokens of 50,000 Fee: $0.00, 30,001 tokens "
            "Money: $0.00, 30,001 tokens stopped by the run's budget: 60,002 tokens of 50,000: "
            f"`codemyspec sessions retry {session.id} --budget MORE` continues"
        ) in report

        with pytest.raises(ValidationError) as refused:
            runner.retry(sample.scope, session.id)
        assert str(refused.value) == (
            f"session {session.id} has spent its budget (60,002 tokens of 50,000); pass "
            f"--budget with more to continue (e.g. `codemyspec sessions retry {session.id} "
            "--budget 161ktokens`)"
        )

        raised["done"] = True
        limits = {"limits": {"budget_tokens": 10_000_000}}
        app.sessions.update_session(sample.scope, session.id, SessionUpdate(state=limits))
        done = runner.retry(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE, done.state
    assert all(c.status is SessionStatus.COMPLETE for c in done.child_sessions)
    assert done.state["spent"]["tokens"] > 60_002, "the earlier attempts still count"


def test_a_dollar_budget_reaches_claude_code_and_its_stop_is_reported(
    app: App, tmp_path: Path
) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money"])
    big = Reply(tool_calls=(write(code_path("Money"), BILLING["Money"][0]),), usage=(30_000, 10))
    session = start(sample, {"budget_usd": 0.01})
    with ScriptedModel([big, "Implemented Money."], strict=False) as model:
        done = runner_for(sample, model, tmp_path / "home").run(sample.scope, session.id)

    money = children(done)["Money"]
    assert money.status is SessionStatus.CANCELLED
    assert money.state["error"].startswith("budget: $"), money.state
    assert money.state["error"].endswith(" spent of $0.01")
    assert done.state["spent"]["cost_usd"] > 0


def test_a_deadline_passed_stops_the_running_agent(app: App, tmp_path: Path) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money"])
    clock = FakeClock()
    deadline = clock.now.replace(microsecond=0) + timedelta(hours=2)

    def respond(request: ModelRequest) -> Reply:
        clock.advance(3 * 3600)  # the model takes three hours to answer
        return Reply(text="thinking").stalled()

    session = start(sample, {"deadline": deadline.isoformat(), "deadline_given": "2h"})
    with ScriptedModel(respond, strict=False) as model:
        runner = runner_for(sample, model, tmp_path / "home", clock=clock)
        done = runner.run(sample.scope, session.id)

    money = children(done)["Money"]
    assert money.status is SessionStatus.CANCELLED
    assert money.state["error"] == f"deadline: 2h passed at {deadline:%H:%M} UTC"
