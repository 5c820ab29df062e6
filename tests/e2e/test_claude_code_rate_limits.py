"""A busy model (429, 529) makes the runner wait and ask again, not fail the children.

The real Claude Code CLI against the scripted model; the runner's own waits are skipped
(``SkippedTime``), only Claude Code's one retry of its own really waits.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from rich.console import Console

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.bootstrap import App
from codemyspec.cli.git import Git
from codemyspec.cli.reports import print_outcome, wait_lines
from codemyspec.component_coding_sessions import ComponentState
from codemyspec.runner import RunnerConfig
from codemyspec.runner.model_retries import Backoff
from codemyspec.sessions import Session, SessionAttrs, SessionStatus
from codemyspec_testing import (
    ModelRequest,
    Reply,
    Responder,
    ScriptedModel,
    by_prompt,
    write,
)
from codemyspec_testing.scripted_model import ReplyLike
from tests.support.clocks import SkippedTime
from tests.support.sample_project import BILLING, Sample, code_path, make_sample

TIMES = "\N{MULTIPLICATION SIGN}"

pytestmark = pytest.mark.slow


def prompt_key(name: str) -> str:
    return f"write the implementation in: {code_path(name)}"


def implement(name: str) -> list[object]:
    return [write(code_path(name), BILLING[name][0]), f"Implemented {name}."]


def run(
    sample: Sample,
    model: ScriptedModel,
    home: Path,
    time: SkippedTime,
    notices: list[str],
    *,
    cli_retries: int,
    **config: object,
) -> Session:
    agent = ClaudeCodeAgent(env=model.env(home, max_retries=cli_retries))
    session = sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions", component_id=sample.context.id, agent="claude_code"
        ),
    )
    runner = sample.app.runner(
        sample.project,
        RunnerConfig.model_validate({"agent_timeout": 120, **config}),
        agents={"claude_code": agent},
    )
    retries = runner.executor.retries
    retries.sleep, retries.clock = time.sleep, time.clock
    retries.backoff = Backoff(first=1.0, jitter=0.0)
    lock = threading.Lock()

    def notice(who: str | None, text: str) -> None:
        with lock:
            notices.append(f"{who}: {text}" if who else text)

    runner.executor.notice = notice
    return runner.run(sample.scope, session.id)


def refusing(refusals: dict[str, list[Reply]], scripts: dict[str, list[object]]) -> Responder:
    """Each conversation's first requests get its refusals, then its script answers."""
    answer = by_prompt(scripts)

    def respond(request: ModelRequest) -> ReplyLike:
        for key, queue in refusals.items():
            if key in request.prompt and queue:
                return queue.pop(0)
        return answer(request)

    return respond


def test_children_wait_out_a_busy_model_and_the_throttle_goes_down_and_back_up(
    app: App, tmp_path: Path
) -> None:
    """Money: 529 twice (Claude Code retries once itself, then the runner); Fee: 429 with
    retry-after 3 s twice. Both complete, and the waits are reported."""
    sample = make_sample(app, tmp_path / "sample", ["Money", "Fee"], dependencies=False)
    scripts = {prompt_key(n): implement(n) for n in ("Money", "Fee")}
    refusals = {
        prompt_key("Money"): [Reply.error(529, "Overloaded")] * 2,
        prompt_key("Fee"): [Reply.error(429, "Rate limited", retry_after=3)] * 2,
    }
    time, notices = SkippedTime(), list[str]()
    with ScriptedModel(refusing(refusals, scripts)) as model:
        done = run(sample, model, tmp_path / "home", time, notices, cli_retries=1)

    assert done.status is SessionStatus.COMPLETE, done.interactions[0].result
    assert all(c.status is SessionStatus.COMPLETE for c in done.child_sessions)
    by_name = {c.component.module_name: c for c in done.child_sessions if c.component}
    money = ComponentState.of(by_name["Billing.Money"]).model_waits
    fee = ComponentState.of(by_name["Billing.Fee"]).model_waits
    assert money is not None and money.answers == {"529": 2}  # Claude Code's wait and ours
    assert fee is not None and fee.answers == {"429": 2}
    # The runner's wait for Fee honoured the retry-after (its backoff alone says 1 s).
    assert len(time.slept) == 2
    assert min(time.slept) == 1.0
    assert max(time.slept) >= 3
    assert "Billing.Money: waiting: model overloaded (529), retry 1/6 in 1 s" in notices
    assert any(
        re.fullmatch(r"Billing.Fee: waiting: model rate limited \(429\), retry 1/6 in \d s", n)
        for n in notices
    ), notices
    throttle = [n for n in notices if n.startswith("concurrency")]
    assert throttle[:2] == ["concurrency lowered to 1 (rate limited)", "concurrency raised to 2"]

    # The resumed conversation kept the work: one conversation per child, not two.
    money_conversations = {
        r.session_id for r in model.conversation_requests if prompt_key("Money") in r.prompt
    }
    assert money_conversations == {by_name["Billing.Money"].external_conversation_id}

    lines = wait_lines(done)
    assert any(
        re.fullmatch(rf"Billing.Money waited \d s for the model \(529 {TIMES}2\)", x) for x in lines
    )
    assert any(
        re.fullmatch(rf"Billing.Fee waited \d s for the model \(429 {TIMES}2\)", x) for x in lines
    )
    console = Console(record=True, width=200)
    print_outcome(Git(app.shell, sample.git.root), done, console)
    shown = console.export_text()
    assert "Billing implemented" in shown
    assert "Billing.Fee waited" in shown


def test_a_model_busy_past_every_retry_fails_the_child_saying_so(app: App, tmp_path: Path) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money"])
    time, notices = SkippedTime(), list[str]()
    with ScriptedModel(lambda _: Reply.error(529, "Overloaded"), strict=False) as model:
        done = run(
            sample, model, tmp_path / "home", time, notices, cli_retries=0, rate_limit_retries=2
        )

    assert done.status is not SessionStatus.COMPLETE
    money = done.child_sessions[0]
    assert money.status is SessionStatus.FAILED
    error = ComponentState.of(money).error or ""
    assert re.fullmatch(
        r"agent failed while \w[\w ]*: model overloaded \(529\) after 3 tries over \d+ s", error
    ), error
    assert len(model.conversation_requests) == 3
    assert time.slept == [1.0, 2.0]
    assert notices[-1] == "Billing.Money: waiting: model overloaded (529), retry 2/2 in 2 s"
    console = Console(record=True, width=300)
    print_outcome(Git(app.shell, sample.git.root), done, console)
    shown = " ".join(console.export_text().split())
    assert "model overloaded (529) after 3 tries" in shown
    assert re.search(rf"Billing.Money waited 3 s for the model \(529 {TIMES}2\)", shown), shown
