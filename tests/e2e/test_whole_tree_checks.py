"""Checks of the integrated tree beyond each child's own tests, with the real Claude Code CLI
against the scripted model: a flaky test is named and holds the context, and a child's
change that did not make it into the commit is named and nothing is committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.bootstrap import App
from codemyspec.commands import Result
from codemyspec.context_coding_sessions import (
    Finalize,
    SpawnChecked,
    SpawnComponentCodingSessions,
    ValidationPlan,
)
from codemyspec.runner import Observer, Runner, RunnerConfig, baseline_runs, validation_tests
from codemyspec.sessions import Interaction, Session, SessionAttrs, SessionStatus
from codemyspec_testing import ScriptedModel, by_prompt, write
from tests.support.flaky_tests import FLAKY_ID, make_tax_test_flaky
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, Sample, code_path, make_sample

pytestmark = pytest.mark.slow

BRANCH = "code-context-coding-session-for-billing"


def scripts(names: list[str]) -> dict[str, list[object]]:
    """Each component's model writes its code, then says it is done."""
    return {
        f"write the implementation in: {code_path(n)}": [
            write(code_path(n), BILLING[n][0]),
            f"Implemented {n}.",
        ]
        for n in names
    }


def start(sample: Sample) -> Session:
    return sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions", component_id=sample.context.id, agent="claude_code"
        ),
    )


def runner_for(
    sample: Sample, model: ScriptedModel, home: Path, observer: Observer | None = None
) -> Runner:
    return sample.app.runner(
        sample.project,
        RunnerConfig.model_validate({"agent_timeout": 120}),
        agents={"claude_code": ClaudeCodeAgent(env=model.env(home))},
        observer=observer,
    )


def newest(session: Session, step: str) -> Interaction:
    return next(i for i in session.interactions if i.step == step and i.result is not None)


def test_a_test_failing_every_second_run_is_named_flaky_and_holds_the_context(
    app: App, tmp_path: Path
) -> None:
    sample = make_sample(app, tmp_path / "sample", ["Tax"])
    counter = tmp_path / "tax-runs.txt"
    make_tax_test_flaky(sample.git.root, counter)

    with ScriptedModel(by_prompt(scripts(["Tax"]))) as model:
        session = start(sample)
        done = runner_for(sample, model, tmp_path / "home").run(sample.scope, session.id)

    assert done.status is SessionStatus.ACTIVE, "it waits for a person"
    assert counter.read_text() == "3", "the child's run, validation's, and the re-run"
    spawn = newest(done, SpawnComponentCodingSessions.name)
    assert spawn.result is not None
    assert spawn.result.error_message == (
        'Flaky tests for Tax count as failures ([validation] flaky_tests = "fail"): 1 passed'
        f" · flaky: {FLAKY_ID} (failed, then passed on a re-run)"
    )
    report = SpawnChecked.of(spawn.result).validation
    assert report is not None
    assert [(v.test_id, v.component, v.verdict.value) for v in report.verdicts] == [
        (FLAKY_ID, "Tax", "flaky")
    ]
    assert BRANCH not in sample.git.remote_branches(), "nothing was pushed"


def test_a_change_lost_after_integration_is_named_and_nothing_is_committed(
    app: App, tmp_path: Path
) -> None:
    """The user's editor saves an old buffer of tax.py into the checkout while the run is
    validating: Finalize names Tax's lost change and commits nothing; once the file is
    back, ``resume`` commits it."""
    sample = make_sample(app, tmp_path / "sample", ["Money", "Tax"])
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()
    tax = sample.git.root / code_path("Tax")
    old_buffer = "def tax(amount: int) -> int:\n    return 0\n"
    saved: list[str] = []

    def editor(session: Session, interaction: Interaction, result: Result | None) -> None:
        if interaction.step == Finalize.name and result is None and not saved:
            saved.append(tax.read_text())
            tax.write_text(old_buffer)

    with ScriptedModel(by_prompt(scripts(["Money", "Tax"]))) as model:
        runner = runner_for(sample, model, tmp_path / "home", editor)
        failed = runner.run(sample.scope, start(sample).id)

        assert failed.status is SessionStatus.FAILED
        finalize = newest(failed, Finalize.name)
        assert finalize.result is not None and finalize.result.error_message is not None
        blob = git("rev-parse", f"{BRANCH}--tax:{code_path('Tax')}", cwd=sample.git.root)
        held = git("hash-object", str(tax), cwd=sample.git.root)
        assert finalize.result.error_message == (
            f"Billing.Tax's change to {code_path('Tax')} did not make it into the commit "
            f"(the tree holds another version, {held.strip()[:10]}, not {blob.strip()[:10]}: "
            "was it changed in the checkout after integration?): nothing was committed"
        )
        assert git("rev-parse", "HEAD", cwd=sample.git.root).strip() == main_head
        assert BRANCH not in sample.git.remote_branches()

        assert saved == [BILLING["Tax"][0]], "validation saw Tax's own version"
        tax.write_text(BILLING["Tax"][0])
        done = runner.resume(sample.scope, failed.id)

    assert done.status is SessionStatus.COMPLETE
    assert git("show", f"{BRANCH}:{code_path('Tax')}", cwd=sample.git.remote) == BILLING["Tax"][0]


KNOWN_BUG = "tests/billing/test_known_bug.py"


def test_a_test_failing_before_the_run_is_shown_as_pre_existing_and_blames_no_component(
    app: App, tmp_path: Path
) -> None:
    """The context's own test file holds a test that fails on the base branch already: the
    run completes, its report shows it as failing before this run, and no component is
    named for it (no culprit, no repair)."""
    sample = make_sample(app, tmp_path / "sample", ["Tax"])
    sample.git.write(KNOWN_BUG, "def test_known_bug():\n    assert 1 + 1 == 3\n")
    git("add", "-A", cwd=sample.git.root)
    git("commit", "-q", "-m", "A known bug", cwd=sample.git.root)
    components = list(sample.components.values())
    own = validation_tests(sample.project, sample.git.root, sample.context, components, [])
    assert own == [KNOWN_BUG], "the context's own tests: the file beside its components'"
    plan = ValidationPlan(
        tests=own,
        baseline=baseline_runs(sample.project, sample.git.root, app.shell, own, timeout=60),
    )

    with ScriptedModel(by_prompt(scripts(["Tax"]))) as model:
        session = sample.app.sessions.create_session(
            sample.scope,
            SessionAttrs(
                type="ContextCodingSessions",
                component_id=sample.context.id,
                agent="claude_code",
                state={"validation_plan": plan.model_dump(mode="json")},
            ),
        )
        done = runner_for(sample, model, tmp_path / "home").run(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE, "a pre-existing failure does not block"
    report = SpawnChecked.of(newest(done, SpawnComponentCodingSessions.name).result).validation
    assert report is not None
    assert [f.test_file for f in report.preexisting_failures] == [KNOWN_BUG]
    assert report.preexisting_failures[0].failed_cases[0].test_id.endswith("test_known_bug")
    assert report.broken_tests == [] and report.culprits == [] and report.repairing == []
    assert [c.status for c in done.child_sessions] == [SessionStatus.COMPLETE]
    assert len(model.conversation_requests) == 2, (
        "Tax's agent ran once: nobody was sent to repair it"
    )
    assert "shop/billing/tax.py" in git("show", "--stat", BRANCH, cwd=sample.git.root)
