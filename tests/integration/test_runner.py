"""The runner end to end with a real command-line agent (no model): git, worktrees, tests."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from codemyspec.agents import CommandAgent
from codemyspec.bootstrap import App
from codemyspec.component_coding_sessions import FixTestFailures
from codemyspec.components import ComponentAttrs
from codemyspec.runner import CommandExecutor, Runner, RunnerConfig, preflight
from codemyspec.sessions import (
    Command,
    CommandKind,
    Result,
    ResultStatus,
    Session,
    SessionAttrs,
    SessionStatus,
)
from tests.support.counting_shell import CountingShell
from tests.support.git_repos import git
from tests.support.sample_project import (
    BILLING,
    Sample,
    code_path,
    make_sample,
    scripted_agent_argv,
    unit_test_path,
)

BRANCH = "code-context-coding-session-for-billing"


@pytest.fixture
def sample_factory(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def make(names: list[str], **kwargs: bool) -> Sample:
        sample = make_sample(app, tmp_path / "sample", names, **kwargs)
        monkeypatch.setenv("SCRIPTED_AGENT_SCRIPT", str(sample.script_path))
        return sample

    return make


def start(sample: Sample, *, max_fix_rounds: int | None = None) -> Session:
    state = {"max_fix_rounds": max_fix_rounds} if max_fix_rounds is not None else {}
    return sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions",
            component_id=sample.context.id,
            agent="scripted",
            state=state,
        ),
    )


def runner(sample: Sample, argv: list[str] | None = None, **config: object) -> Runner:
    agent = CommandAgent("scripted", argv or scripted_agent_argv())
    return sample.app.runner(
        sample.project, RunnerConfig.model_validate(config), agents={"scripted": agent}
    )


def child(session: Session, name: str) -> Session:
    return next(c for c in session.child_sessions if c.component and c.component.name == name)


def steps_of(sample: Sample, session: Session) -> list[tuple[str, str]]:
    full = sample.app.sessions.get_session(sample.scope, session.id)
    return [
        (i.step.rsplit(".", 1)[-1], i.result.status.value if i.result else "pending")
        for i in reversed(full.interactions)
    ]


def test_a_context_is_implemented_with_one_fix_round_and_one_pushed_commit(
    sample_factory, tmp_path: Path
) -> None:
    sample = sample_factory(["Money", "Ledger", "Tax"])
    wrong = BILLING["Tax"][0].replace("// 5", "// 4")
    sample.set_script("Tax", {"write": wrong}, {"write": BILLING["Tax"][0]})
    main_head = git("rev-parse", "HEAD", cwd=sample.git.root).strip()

    done = runner(sample).run(sample.scope, start(sample).id)

    assert done.status is SessionStatus.COMPLETE
    assert all(c.status is SessionStatus.COMPLETE for c in done.child_sessions)
    tax = child(done, "Tax")
    assert steps_of(sample, tax) == [
        ("Initialize", "ok"),
        ("GenerateImplementation", "ok"),
        ("RunTests", "error"),
        ("FixTestFailures", "ok"),
        ("RunTests", "ok"),
        ("Finalize", "ok"),
    ]
    tip = tax.state["branch_tip"]  # the commit Finalize made, by whom: what may be published
    assert len(tip["sha"]) == 40 and tip["holder"] and tip["attempt"] == 1, tip
    parents = git("rev-list", "--parents", "-n", "1", BRANCH, cwd=sample.git.remote).split()
    assert parents[1:] == [main_head]
    assert sample.git.remote_log(BRANCH)[0].startswith(
        "Implement Billing context\n\n- Money\n- Ledger\n- Tax"
    )
    clone = tmp_path / "clone"
    git("clone", "-q", "-b", BRANCH, str(sample.git.remote), str(clone), cwd=tmp_path)
    for name in ("Money", "Ledger", "Tax"):
        assert (clone / code_path(name)).read_text() == BILLING[name][0]
    tests = git("ls-files", "tests", cwd=clone).split()
    assert sorted(tests) == sorted(unit_test_path(n) for n in ("Money", "Ledger", "Tax"))
    import subprocess

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout
    worktrees = git("worktree", "list", cwd=sample.git.root).splitlines()
    assert len(worktrees) == 1, "child worktrees are removed after success"
    branches = git("branch", "--format=%(refname:short)", cwd=sample.git.root).split()
    assert sorted(branches) == sorted(["main", BRANCH]), "and so are their branches"


def test_a_component_that_never_passes_fails_after_its_fix_rounds_and_retry_reruns_only_it(
    sample_factory,
) -> None:
    sample = sample_factory(["Money", "Tax"])
    wrong = BILLING["Tax"][0].replace("// 5", "// 4")
    sample.set_script("Tax", {"write": wrong})
    session = start(sample, max_fix_rounds=2)

    first = runner(sample).run(sample.scope, session.id)

    tax = child(first, "Tax")
    assert tax.status is SessionStatus.FAILED
    assert "tests still failing after 2 fix rounds" in tax.state["error"]
    assert "test_tax" in tax.state["error"]
    assert [s for s, _ in steps_of(sample, tax)].count(FixTestFailures.name.rsplit(".")[-1]) == 2
    spawn = first.interactions[0]
    assert spawn.result is not None and spawn.result.status is ResultStatus.ERROR
    assert "Child sessions failed: Tax (tests still failing" in (spawn.result.error_message or "")
    assert BRANCH not in sample.git.remote_branches()
    assert first.status is SessionStatus.ACTIVE

    sample.set_script("Tax", {"write": BILLING["Tax"][0]})
    money_calls = len(sample.calls_for("Money"))
    done = runner(sample).retry(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE
    assert len(sample.calls_for("Money")) == money_calls, "Money is not run again"
    assert BRANCH in sample.git.remote_branches()
    assert code_path("Tax") in sample.git.remote_files(BRANCH)


@pytest.mark.parametrize(
    ("argv", "step", "timeout", "reason"),
    [
        (["/nonexistent/agent-cli"], None, 60, "is not installed"),
        (None, {"crash": "out of tokens"}, 60, "exited with 3: out of tokens"),
        (None, {"hang": 120}, 3, "timed out after 3s"),
    ],
    ids=["missing", "crashing", "hanging"],
)
def test_an_agent_that_is_missing_crashes_or_hangs_fails_its_child_with_a_clear_reason(
    sample_factory,
    argv: list[str] | None,
    step: dict[str, object] | None,
    timeout: float,
    reason: str,
) -> None:
    sample = sample_factory(["Money", "Tax"])
    if step is not None:
        sample.set_script("Tax", step)
    started = time.monotonic()

    done = runner(sample, argv, agent_timeout=timeout).run(sample.scope, start(sample).id)

    assert time.monotonic() - started < 60
    tax = child(done, "Tax")
    assert tax.status is SessionStatus.FAILED
    assert reason in tax.state["error"]
    spawn = done.interactions[0]
    assert spawn.result is not None and spawn.result.status is ResultStatus.ERROR
    assert "Tax (agent failed while generating the implementation" in (
        spawn.result.error_message or ""
    )
    assert BRANCH not in sample.git.remote_branches()


def test_an_agent_that_changes_an_existing_test_file_fails_its_child(sample_factory) -> None:
    sample = sample_factory(["Money"])
    sample.set_script(
        "Money",
        {
            "write": BILLING["Money"][0],
            "also_write": {unit_test_path("Money"): "def test_nothing():\n    pass\n"},
        },
    )

    done = runner(sample).run(sample.scope, start(sample).id)

    money = child(done, "Money")
    assert money.status is SessionStatus.FAILED
    assert money.state["error"] == (
        f"the agent changed the test file {unit_test_path('Money')}, "
        "which existed before the session"
    )


def test_dependent_components_run_in_waves_and_a_failed_dependency_cancels_its_dependents(
    sample_factory,
) -> None:
    sample = sample_factory(["Money", "Ledger", "Statement", "Tax"])
    sample.set_script("Tax", {"delay": 3, "write": BILLING["Tax"][0]})
    sample.set_script("Money", {"delay": 3, "crash": "broken"})
    session = start(sample, max_fix_rounds=1)

    first = runner(sample).run(sample.scope, session.id)

    assert child(first, "Money").status is SessionStatus.FAILED
    for name in ("Ledger", "Statement"):
        assert child(first, name).status is SessionStatus.CANCELLED
    assert child(first, "Ledger").state["error"] == "dependency Money failed"
    assert child(first, "Statement").state["error"] == "dependency Ledger cancelled"
    assert child(first, "Tax").status is SessionStatus.COMPLETE
    assert sample.calls_for("Ledger") == []

    sample.set_script("Money", {"delay": 1, "write": BILLING["Money"][0]})
    done = runner(sample).retry(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE
    started = {name: sample.calls_for(name)[-1]["at"] for name in ("Money", "Ledger", "Statement")}
    assert started["Money"] < started["Ledger"] < started["Statement"]
    tax_started = sample.calls_for("Tax")[0]["at"]
    money_first = sample.calls_for("Money")[0]["at"]
    # Each of these two agent runs takes 3 s: each started while the other was running.
    assert abs(tax_started - money_first) < 3, "independent components run at once"


def test_a_child_whose_runner_broke_is_cancelled_with_the_error_and_resume_finishes_it(
    sample_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = sample_factory(["Money", "Ledger", "Tax"])
    session = start(sample)
    real = CommandExecutor.execute
    broke: list[str] = []

    def breaking(
        self: CommandExecutor, command: Command, cancel: threading.Event, *budget: Any
    ) -> Result:
        if (
            command.command is CommandKind.RUN_TESTS
            and "money" in str(command.model_dump())
            and not broke
        ):
            broke.append("once")
            raise RuntimeError("disk full")
        return real(self, command, cancel, *budget)

    monkeypatch.setattr(CommandExecutor, "execute", breaking)

    first = runner(sample).run(sample.scope, session.id)

    money = child(first, "Money")
    assert money.status is SessionStatus.CANCELLED, "broken machinery is not failed work"
    assert money.state["error"] == "the runner broke: RuntimeError: disk full"
    assert child(first, "Ledger").state["error"] == "dependency Money cancelled"
    assert child(first, "Tax").status is SessionStatus.COMPLETE

    done = runner(sample).resume(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE
    assert steps_of(sample, child(done, "Money"))[-3:] == [
        ("GenerateImplementation", "ok"),
        ("RunTests", "ok"),
        ("Finalize", "ok"),
    ]
    assert [len(sample.calls_for(n)) for n in ("Money", "Ledger", "Tax")] == [1, 1, 1]


def test_children_run_in_parallel(sample_factory) -> None:
    """Every agent starts before the first one ends (wall times: bench.runner_parallelism)."""
    names = ["Money", "Tax", "Fee", "Discount"]
    sample = sample_factory(names)
    for name in names:
        sample.set_script(name, {"delay": 5, "write": BILLING[name][0]})

    done = runner(sample).run(sample.scope, start(sample).id)

    assert done.status is SessionStatus.COMPLETE
    started = [sample.calls_for(name)[0]["at"] for name in names]
    assert max(started) - min(started) < 5, "each agent runs 5 s: all four ran at once"


def probes(shell: CountingShell) -> list[Path]:
    """The worktrees the import probe ran in (a pytest run that collects nothing)."""
    return [cwd for argv, cwd in shell.test_runs() if "--ignore-glob=*" in argv]


def test_one_import_probe_serves_every_worktree_and_validation_is_one_test_process(
    sample_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Money", "Tax", "Fee"]
    sample = sample_factory(names)
    shell = CountingShell()
    monkeypatch.setattr(sample.app, "shell", shell)

    done = runner(sample).run(sample.scope, start(sample).id)

    assert done.status is SessionStatus.COMPLETE
    assert len(probes(shell)) == 1
    validation = [argv for argv, cwd in shell.test_runs() if cwd == sample.git.root]
    assert len(validation) == 1
    assert {unit_test_path(n) for n in names} <= set(validation[0])


def test_with_pre_flight_s_proofs_each_component_costs_one_test_process_and_the_run_three(
    sample_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Money", "Tax", "Fee"]
    sample = sample_factory(names)
    sample.git.write("src/shop/billing/__init__.py", "")  # tests fail on their own module
    git("add", "-A", cwd=sample.git.root)
    git("commit", "-q", "-m", "The billing package", cwd=sample.git.root)
    shell = CountingShell()
    monkeypatch.setattr(sample.app, "shell", shell)
    components = list(sample.components.values())
    checked = preflight(sample.project, sample.git.root, shell, components, timeout=60)
    assert sorted(checked.red_proven) == sorted(unit_test_path(n) for n in names)
    session = sample.app.sessions.create_session(
        sample.scope,
        SessionAttrs(
            type="ContextCodingSessions",
            component_id=sample.context.id,
            agent="scripted",
            state={"red_proven": checked.red_proven},
        ),
    )

    done = runner(sample).run(sample.scope, session.id)

    assert done.status is SessionStatus.COMPLETE
    runs = shell.test_runs()
    assert not [cwd for _, cwd in runs if ".red-" in cwd.name], "no run without the code"
    # pre-flight, the import probe, each component's tests, validation
    assert len(runs) == len(names) + 3
    for name in names:
        full = sample.app.sessions.get_session(sample.scope, child(done, name).id)
        [ran] = [
            i.result.data["test_run"]
            for i in full.interactions
            if i.step.endswith("RunTests") and i.result is not None
        ]
        assert str(ran["red"]).startswith("red: proven by pre-flight")


def test_a_dependency_cycle_stops_the_run_with_the_cycle_named(sample_factory) -> None:
    sample = sample_factory(["Money", "Tax"])
    with sample.app.unit_of_work() as uow:
        for name, uses in (("Money", "Tax"), ("Tax", "Money")):
            component = sample.components[name]
            uow.components.update(
                sample.scope,
                component.id,
                ComponentAttrs(
                    module_name=component.module_name,
                    parent_component_id=component.parent_component_id,
                    dependencies=[f"Billing.{uses}"],
                ),
            )

    done = runner(sample).run(sample.scope, start(sample).id)

    spawn = done.interactions[0]
    assert spawn.result is not None and spawn.result.status is ResultStatus.ERROR
    assert "dependency cycle: Money → Tax → Money" in (spawn.result.error_message or "")
    assert sample.calls() == []


def test_worktree_setup_runs_in_each_fresh_worktree_before_its_agent(
    sample_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = sample_factory(["Money", "Tax"])
    shell = CountingShell()
    monkeypatch.setattr(sample.app, "shell", shell)
    marks = tmp_path / "marks"
    marks.mkdir()
    setup = [
        sys.executable,
        "-c",
        "import pathlib, sys; pathlib.Path(sys.argv[1], pathlib.Path.cwd().name).touch()",
        str(marks),
    ]

    done = runner(sample, worktree_setup=setup).run(sample.scope, start(sample).id)

    assert done.status is SessionStatus.COMPLETE
    assert sorted(p.name for p in marks.iterdir()) == sorted(
        f"{BRANCH}--money" if n == "Money" else f"{BRANCH}--tax" for n in ("Money", "Tax")
    )
    for call in sample.calls():
        assert Path(str(call["cwd"])).name in {p.name for p in marks.iterdir()}
    # What the setup made may differ from one worktree to the next: each is probed.
    assert sorted(p.name for p in probes(shell)) == sorted(p.name for p in marks.iterdir())


def test_a_failing_worktree_setup_fails_the_child_before_any_agent_runs(sample_factory) -> None:
    sample = sample_factory(["Money"])
    setup = [sys.executable, "-c", "import sys; sys.exit('pip install failed')"]

    done = runner(sample, worktree_setup=setup).run(sample.scope, start(sample).id)

    money = child(done, "Money")
    assert money.status is SessionStatus.FAILED
    assert "worktree setup failed" in money.state["error"]
    assert "pip install failed" in money.state["error"]
    assert steps_of(sample, money) == [("Initialize", "error")]
    assert sample.calls() == []


def test_each_child_records_its_agent_usage_and_the_parent_shows_the_sum(sample_factory) -> None:
    sample = sample_factory(["Money", "Tax"])

    done = runner(sample).run(sample.scope, start(sample).id)

    turns = [child(done, n).state["agent_usage"]["turns"] for n in ("Money", "Tax")]
    assert turns == [1.0, 1.0]
    spawn = next(i for i in done.interactions if i.step.endswith("SpawnComponentCodingSessions"))
    assert spawn.result is not None
    assert spawn.result.data["agent_usage"]["turns"] == 2.0
    assert spawn.result.data["agent_usage"]["duration_ms"] > 0


def test_a_step_that_fails_twice_in_a_row_stops_the_run_instead_of_looping(
    sample_factory,
) -> None:
    sample = sample_factory(["Money"])
    git_dir = sample.git.root / ".git"
    git_dir.rename(sample.git.root / "not-git")

    done = runner(sample).run(sample.scope, start(sample).id)

    assert done.status is SessionStatus.ACTIVE
    assert steps_of(sample, done) == [("Initialize", "error"), ("Initialize", "error")]
    last = done.interactions[0].result
    assert last is not None and "not a git repository" in (last.error_message or "")
