"""A context implemented end to end by the real Claude Code CLI against the scripted model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.bootstrap import App
from codemyspec.runner import RunnerConfig
from codemyspec.sessions import Session, SessionAttrs, SessionStatus
from codemyspec_testing import Reply, ScriptedModel, by_prompt, edit, read, write
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, Sample, code_path, make_sample

pytestmark = pytest.mark.slow

BRANCH = "code-context-coding-session-for-billing"
LATENCY = 5.0


def implement(name: str, *, delay: float = 0.0) -> list[object]:
    """The model writes the component, then says it is done."""
    return [write(code_path(name), BILLING[name][0]), f"Implemented {name}."]


def prompt_key(name: str) -> str:
    return f"write the implementation in: {code_path(name)}"


def run(sample: Sample, model: ScriptedModel, home: Path, **config: object) -> Session:
    agent = ClaudeCodeAgent(env=model.env(home))
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
    return runner.run(sample.scope, session.id)


def test_claude_code_implements_a_context_with_one_fix_round(app: App, tmp_path: Path) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money", "Ledger", "Tax"])
    wrong_tax = BILLING["Tax"][0].replace("// 5", "// 4")
    scripts = {
        prompt_key("Money"): implement("Money"),
        prompt_key("Ledger"): implement("Ledger"),
        prompt_key("Tax"): [
            write(code_path("Tax"), wrong_tax),
            "Implemented Tax.",
            # The fix round continues the same conversation.
            read(code_path("Tax")),
            edit(code_path("Tax"), "// 4", "// 5"),
            "Fixed the rate.",
        ],
    }
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()
    with ScriptedModel(by_prompt(scripts)) as model:
        done = run(sample, model, tmp_path / "home")

    assert done.status is SessionStatus.COMPLETE, done.interactions[0].result
    assert all(c.status is SessionStatus.COMPLETE for c in done.child_sessions)
    tax = next(c for c in done.child_sessions if c.component and c.component.name == "Tax")
    tax_steps = [
        (i.step.rsplit(".", 1)[-1], i.result.status.value if i.result else None)
        for i in reversed(app.sessions.get_session(sample.scope, tax.id).interactions)
    ]
    assert tax_steps == [
        ("Initialize", "ok"),
        ("GenerateImplementation", "ok"),
        ("RunTests", "error"),
        ("FixTestFailures", "ok"),
        ("RunTests", "ok"),
        ("Finalize", "ok"),
    ]
    assert tax.external_conversation_id
    fix_requests = [
        r for r in model.conversation_requests if r.session_id == tax.external_conversation_id
    ]
    assert len(fix_requests) >= 5, "the fix round resumed the generating conversation"
    assert tax.state["agent_usage"]["turns"] >= 2

    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=sample.git.remote).split()
    assert parents[1:] == [main_head], "exactly one new commit"
    message = sample.git.remote_log(BRANCH)[0]
    assert message == (
        "Implement Billing context\n\n- Money\n- Ledger\n- Tax\n\n"
        "Co-Authored-By: Claude Code <noreply@anthropic.com>"
    )
    clone = tmp_path / "clone"
    git("clone", "-q", "-b", BRANCH, str(sample.git.remote), str(clone), cwd=tmp_path)
    for name in ("Money", "Ledger", "Tax"):
        assert (clone / code_path(name)).read_text() == BILLING[name][0]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout


def agent_run(model: ScriptedModel, child: Session) -> tuple[float, float]:
    """When the child's agent first asked the model, and when its last answer was sent."""
    assert child.external_conversation_id
    requests = model.conversation(child.external_conversation_id)
    assert len(requests) == 2, [r.summary() for r in requests]
    return requests[0].received_at, requests[-1].received_at + LATENCY


def test_claude_code_children_run_in_parallel(app: App, tmp_path: Path) -> None:
    """Each agent asks the model before any agent gets its last answer: all four ran at once."""
    names = ["Money", "Tax", "Fee", "Discount"]
    # Every reply of the model takes LATENCY seconds, as a real model's would.
    delayed = {
        prompt_key(n): [
            Reply(tool_calls=(write(code_path(n), BILLING[n][0]),), delay=LATENCY),
            Reply(text=f"Done {n}.", delay=LATENCY),
        ]
        for n in names
    }
    sample = make_sample(app, tmp_path / "sample", names)
    with ScriptedModel(by_prompt(delayed)) as model:
        done = run(sample, model, tmp_path / "home")

    assert done.status is SessionStatus.COMPLETE
    runs = {
        c.component.name if c.component else "?": agent_run(model, c) for c in done.child_sessions
    }
    last_start = max(start for start, _ in runs.values())
    first_end = min(end for _, end in runs.values())
    assert last_start < first_end, f"some agent ended before another began (start, end): {runs}"
