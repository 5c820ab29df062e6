"""Every component passes alone, the whole fails: the culprit is named and only it repaired.

Tax's agent adds a test fixture for the whole ``tests/billing`` folder that zeroes fees,
harmless to its own tests; Fee reads its rate from the environment. Each passes in its own
worktree; in the integrated tree Fee's test fails. The real Claude Code CLI against the
scripted model, real git and pytest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.context_coding_sessions import SpawnChecked
from codemyspec.sessions import ResultStatus, SessionStatus
from codemyspec_testing import ScriptedModel, by_prompt, edit, read, write
from tests.e2e.test_claude_code_context import BRANCH, implement, prompt_key, run
from tests.support.git_repos import git
from tests.support.sample_project import Sample, code_path, make_sample

pytestmark = pytest.mark.slow

FEE = (
    "import os\n\n\ndef fee(amount: int) -> int:\n"
    '    return int(os.environ.get("BILLING_FEE", "2")) if amount else 0\n'
)
FIXTURES = "tests/billing/conftest.py"
ZERO_FEES = (
    "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef no_fees(monkeypatch):\n"
    '    monkeypatch.setenv("BILLING_FEE", "0")\n'
)
BROKEN = "tests/billing/test_fee.py::test_fee"


def steps(app: App, sample: Sample, session_id: int) -> list[tuple[str, str | None]]:
    session = app.sessions.get_session(sample.scope, session_id)
    return [
        (i.step.rsplit(".", 1)[-1], i.result.status.value if i.result else None)
        for i in reversed(session.interactions)
    ]


def test_the_component_that_breaks_anothers_tests_is_named_and_only_it_repaired(
    app: App, tmp_path: Path
) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Money", "Fee", "Tax"])
    scripts = {
        prompt_key("Money"): implement("Money"),
        prompt_key("Fee"): [write(code_path("Fee"), FEE), "Implemented Fee."],
        prompt_key("Tax"): [
            *implement("Tax")[:1],
            write(FIXTURES, ZERO_FEES),
            "Implemented Tax.",
            # The repair round continues the same conversation.
            read(FIXTURES),
            edit(FIXTURES, "@pytest.fixture(autouse=True)", "@pytest.fixture"),
            "The fixture is used only where it is asked for now.",
        ],
    }
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()
    with ScriptedModel(by_prompt(scripts)) as model:
        done = run(sample, model, tmp_path / "home")

    assert done.status is SessionStatus.COMPLETE, done.interactions[0].result
    spawns = [
        i.result
        for i in reversed(done.interactions)
        if i.step.endswith("SpawnComponentCodingSessions") and i.result
    ]
    assert [r.status for r in spawns] == [ResultStatus.WARNING, ResultStatus.OK]
    found = SpawnChecked.of(spawns[0]).validation
    assert found is not None
    assert [c.message() for c in found.culprits] == [f"Billing.Tax breaks {BROKEN}"]
    assert found.repairing == ["Tax"]
    assert f"Billing.Tax breaks {BROKEN}" in str(spawns[0].error_message)

    children = {c.component.name: c for c in done.child_sessions if c.component}
    assert steps(app, sample, children["Tax"].id) == [
        ("Initialize", "ok"),
        ("GenerateImplementation", "ok"),
        ("RunTests", "ok"),
        ("Finalize", "ok"),
        ("PrepareRepair", "ok"),
        ("FixTestFailures", "ok"),
        ("RunTests", "ok"),
        ("Finalize", "ok"),
    ]
    for other in ("Money", "Fee"):  # not run again
        assert [s for s, _ in steps(app, sample, children[other].id)] == [
            "Initialize",
            "GenerateImplementation",
            "RunTests",
            "Finalize",
        ]
    tax = children["Tax"]
    repair_asks = [
        r
        for r in model.conversation_requests
        if r.session_id == tax.external_conversation_id and any(BROKEN in t for t in r.user_texts)
    ]
    assert repair_asks, "the repair prompt names the broken test"
    assert "Billing.Tax breaks" in repair_asks[0].user_texts[-1]
    assert tax.state["repair"] is None and len(tax.state["repaired"]) == 1

    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=sample.git.remote).split()
    assert parents[1:] == [main_head], "exactly one new commit"
    fixtures = git("show", f"{BRANCH}:{FIXTURES}", cwd=sample.git.remote)
    assert "autouse" not in fixtures, "the repaired fixture is the one committed"
