"""Executes every command kind but ``spawn_sessions``: shell, commit, workspace, agent, tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from codemyspec.agents import Agent, AgentRequest
from codemyspec.commands import (
    AgentCommand,
    Command,
    CommitCommand,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    RunTestsCommand,
    ShellCommand,
)
from codemyspec.component_coding_sessions import ModelWaits
from codemyspec.components import CHANGES_KEY, resolve_inside
from codemyspec.environments import LocalWorkspace, WorkspaceFacts, mix_env, run_each, run_tests
from codemyspec.projects import Language, Project, source_root
from codemyspec.runner.budget import Budget
from codemyspec.runner.config import RunnerConfig
from codemyspec.runner.lost_work import lost_work
from codemyspec.runner.mix_deps import link_dependencies
from codemyspec.runner.model_retries import ModelRetries
from codemyspec.runner.project_files import file_digest, read_project_files
from codemyspec.runner.red_check import proven_red, unproven_reason, without_code
from codemyspec.runner.shell_commands import execute_shell_command, run_programs
from codemyspec.runner.throttle import Throttle
from codemyspec.runner.worktree_changes import worktree_changes
from codemyspec.runner.worktrees import GitWorktrees
from codemyspec.shell import Completed, Shell
from codemyspec.test_reports import relative_to

#: What git says when origin has no branch of that name (yet).
MISSING_REMOTE_REF = "couldn't find remote ref"

Notice = Callable[[str | None, str], None]
"""What the user should see while a run goes on: (whose, what) — ``("Ledger", "waiting:
model overloaded (529), retry 2/6 in 8 s")``, or (None, ...) for the whole run."""


class CommandExecutor:
    """Runs one command where the code lives and turns what happened into a ``Result``."""

    def __init__(
        self,
        project: Project,
        root: Path,
        shell: Shell,
        agents: dict[str, Agent],
        config: RunnerConfig,
        git: GitWorktrees,
    ) -> None:
        self.project = project
        self.root = root
        self.shell = shell
        self.agents = agents
        self.config = config
        self.git = git
        #: The import probe's verdict per base branch, with the worktree it was made in.
        self._probed: dict[str, tuple[Path, str | None]] = {}
        self._probe_lock = threading.Lock()
        #: Set by whoever shows the run (the progress board, log lines).
        self.notice: Notice | None = None
        self._acting = threading.local()
        #: Agent runs of every child pass this one gate, and retry a busy model through it.
        self.retries = ModelRetries(
            Throttle(config.concurrency, said=lambda text: self._notice(None, text)),
            config.rate_limit_retries,
        )

    def _notice(self, who: str | None, text: str) -> None:
        if self.notice is not None:
            self.notice(who, text)

    @contextmanager
    def acting_for(self, who: str | None) -> Iterator[None]:
        """Names the session this thread's commands run for, in what the user is told
        meanwhile (children run in threads of their own)."""
        self._acting.who = who
        try:
            yield
        finally:
            self._acting.who = None

    def execute(
        self,
        command: Command,
        cancel: threading.Event,
        budget: Budget | None = None,
        spender: str = "",
    ) -> Result:
        """``budget``: the context run's, which an agent run spends for ``spender``."""
        match command:
            case ShellCommand():
                return execute_shell_command(
                    command, self.root, self.shell, timeout=self.config.program_timeout
                )
            case CommitCommand():
                return self._commit(command)
            case PrepareWorkspaceCommand():
                return self._prepare(command)
            case AgentCommand():
                who = getattr(self._acting, "who", None)
                return self._agent(command, cancel, budget, spender, who)
            case RunTestsCommand():
                return self._tests(command)
        return Result.error(f"the runner cannot execute {command.command.value} here")

    def _commit(self, command: CommitCommand) -> Result:
        """The command's programs; a commit made already (re-executed after a crash) is left
        out when the command says it may be. With ``integrated``, nothing is committed when,
        once staged, a child's change is not what the commit would hold (``lost_work``)."""
        changed = not command.only_if_changed or self.git.has_changes(command.files)
        stage, *rest = command.programs_to_run(changed)
        timeout = self.config.program_timeout
        if not command.integrated:
            return run_programs([stage, *rest], self.root, self.shell, timeout=timeout)
        staged = run_programs([stage], self.root, self.shell, timeout=timeout)
        if staged.status is not ResultStatus.OK:
            return staged
        if (lost := lost_work(command, self.git.committed_blob)) is not None:
            return Result.error(lost, stdout=staged.stdout, stderr=staged.stderr)
        done = run_programs(rest, self.root, self.shell, timeout=timeout)
        return done.model_copy(
            update={"stdout": staged.stdout + done.stdout, "stderr": staged.stderr + done.stderr}
        )

    def _prepare(self, command: PrepareWorkspaceCommand) -> Result:
        worktree = command.worktree
        if self.config.share_branches:
            fetched = self._fetch_shared(command.base_branch, command.merge_branches)
            if fetched is not None:
                return fetched
        failed = self.git.prepare(
            worktree, command.branch_name, command.base_branch, command.merge_branches
        )
        if failed is not None:
            return Result.error(
                f"could not prepare the worktree: {failed.failure_reason()}",
                stderr=failed.stderr,
                code=failed.returncode,
            )
        path = resolve_inside(self.root, worktree)
        if self.project.language is Language.ELIXIR:
            link_dependencies(self.root, path)
        if self.config.worktree_setup:
            setup = self.shell.run(
                self.config.worktree_setup, path, timeout=self.config.program_timeout
            )
            if not setup.ok:
                return Result.error(
                    f"worktree setup failed: {setup.failure_reason()}",
                    stdout=setup.stdout,
                    stderr=setup.stderr,
                    code=setup.returncode,
                )
        if (unusable := self._probed_once(path, command.base_branch)) is not None:
            return Result.error(unusable)
        digest = file_digest(resolve_inside(path, command.test_file))
        return Result.ok(
            data={
                "worktree": worktree,
                "test_file_existed": digest is not None,
                "test_file_sha256": digest,
                "code_file_existed": resolve_inside(path, command.code_file).is_file(),
                "files": read_project_files(self.root, command.read_files),
            }
        )

    def _probed_once(self, tree: Path, base_branch: str) -> str | None:
        """``_unusable_tree``, probed in the first worktree made from ``base_branch`` only:
        the others are made from the same checkout (a file git ignores is missing from each,
        an installed copy shadows each alike). A ``worktree_setup`` may make each differ:
        then each is probed."""
        if self.config.worktree_setup:
            return self._unusable_tree(tree)
        with self._probe_lock:  # children prepare concurrently: one probe, the others wait
            if base_branch not in self._probed:
                self._probed[base_branch] = (tree, self._unusable_tree(tree))
            probed, verdict = self._probed[base_branch]
        return verdict.replace(str(probed), str(tree)) if verdict is not None else None

    def _unusable_tree(self, tree: Path) -> str | None:
        """Why tests in ``tree`` could not test its own code, before any agent is paid: the
        package imports from elsewhere, or a file git ignores (generated in your checkout)
        is missing here."""
        if self.project.language is not Language.PYTHON:
            return None
        probe = run_tests(self.project, tree, self.shell, [], timeout=self.config.test_timeout)
        if probe.probe is None:
            return None  # a test command that does not start is reported by its test run
        if probe.report.error is not None:
            return probe.report.error
        for failure in probe.probe.import_errors.values():
            if failure.module and (ignored := self._ignored_source(failure.module)):
                where = relative_to(tree, failure.raised_in or "?")
                return (
                    f"{ignored} is in your checkout but git ignores it, so this worktree lacks "
                    f"it and {self.project.package} cannot be imported here ({failure.kind}: "
                    f"{failure.message}, raised in {where}:{failure.line}): make it in each "
                    "worktree with [runner] worktree_setup"
                )
        return None

    def _ignored_source(self, module: str) -> str | None:
        """The file of ``module`` under the source root, when it is here and git ignores it."""
        base = source_root(self.project).joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            ignored = self.shell.run(
                ["git", "check-ignore", "-q", str(candidate)], self.root, timeout=30
            )
            if (self.root / candidate).is_file() and ignored.ok:
                return str(candidate)
        return None

    def _fetch_shared(self, base: str, merges: list[str]) -> Result | None:
        """Another runner may have made these: the base if it is missing, merges always."""
        for branch, only_if_missing in [(base, True), *((m, False) for m in merges)]:
            fetched = self._fetch_when_pushed(branch, only_if_missing)
            if fetched is not None and not fetched.ok:
                return Result.error(
                    f"could not fetch {branch} from origin: {fetched.failure_reason()}",
                    stderr=fetched.stderr,
                )
        return None

    def _fetch_when_pushed(self, branch: str, only_if_missing: bool) -> Completed | None:
        """Fetch ``branch``, waiting up to a lease while origin does not have it yet: the
        runner that finished a dependency pushes its branch a moment after recording it
        complete (and one that died before pushing has lost its lease by then)."""
        deadline = time.monotonic() + self.config.lease_seconds
        while True:
            fetched = self.git.fetch(branch, only_if_missing=only_if_missing)
            missing = fetched is not None and MISSING_REMOTE_REF in fetched.stderr
            if not missing or time.monotonic() >= deadline:
                return fetched
            time.sleep(self.config.poll_seconds)

    def workspace_facts(
        self, components: list[tuple[str, str]], own_tests: Sequence[str] = ()
    ) -> WorkspaceFacts:
        """For each (code, test) pair: do both exist in the main tree, and how do the tests run
        (every pair's test file in one test process, see ``run_each``); likewise for
        ``own_tests``, the context's own and configured tests."""
        workspace = LocalWorkspace(
            self.project, self.root, self.shell, timeout=self.config.test_timeout
        )
        facts = WorkspaceFacts()
        for code, test in components:
            facts.files |= {code: workspace.exists(code), test: workspace.exists(test)}
        runnable = [test for code, test in components if facts.files[code] and facts.files[test]]
        facts.files |= {test: workspace.exists(test) for test in own_tests}
        runnable += [test for test in own_tests if facts.files[test]]
        timeout = self.config.test_timeout
        facts.tests = run_each(self.project, self.root, self.shell, runnable, timeout=timeout)
        return facts

    def _agent_env(self) -> dict[str, str]:
        """What the agent's own test runs need beyond its inherited environment."""
        if self.project.language is not Language.ELIXIR:
            return {}
        deps = mix_env(self.project).get("MIX_DEPS_PATH")
        return {"MIX_DEPS_PATH": deps} if deps else {}

    def _agent(
        self,
        command: AgentCommand,
        cancel: threading.Event,
        budget: Budget | None,
        spender: str,
        who: str | None,
    ) -> Result:
        name = command.agent or self.config.default_agent
        agent = self.agents.get(name)
        if agent is None:
            known = ", ".join(sorted(self.agents)) or "none"
            return Result.error(f"agent {name!r} is not configured (configured: {known})")
        if budget is not None and (spent := budget.reason()) is not None:
            return Result.error(spent)
        cwd = resolve_inside(self.root, command.cwd)
        timeout = self.config.agent_timeout
        if budget is not None and (left := budget.seconds_left()) is not None:
            timeout = max(min(timeout, left), 0.1)  # the deadline bounds the run too
        meter = budget.meter(spender) if budget is not None else None
        run = self.retries.run(
            agent,
            AgentRequest(
                prompt=command.prompt,
                cwd=cwd,
                resume_conversation_id=command.resume_conversation_id,
                timeout=timeout,
                stall_timeout=self.config.stall_timeout,
                max_turns=self.config.max_turns,
                env=self._agent_env(),
                max_budget_usd=budget.remaining_usd() if budget is not None else None,
                meter=meter,
            ),
            cancel,
            lambda text: self._notice(who, text),
        )
        if budget is not None and meter is not None:
            budget.ended(meter, run.usage, usd_spent=run.limited)
        limit = budget.reason() if budget is not None and not run.ok else None
        watched = {f: file_digest(resolve_inside(cwd, f)) for f in command.watch_files}
        data = {
            "conversation_id": run.conversation_id,
            "usage": run.usage,
            "watched_files": watched,
            "agent": name,
        }
        if run.waits:
            waits = ModelWaits.of([(w.status, w.seconds) for w in run.waits])
            data["model_waits"] = waits.model_dump(mode="json")
        if not run.ok:
            return Result.error(
                limit or run.error or "agent failed",
                data=data,
                stdout=run.output,
                stderr=run.stderr,
            )
        return Result.ok(
            data=data,
            stdout=run.output,
            stderr=run.stderr,
            duration_ms=int(run.usage.get("duration_ms", 0)),
        )

    def _tests(self, command: RunTestsCommand) -> Result:
        cwd = resolve_inside(self.root, command.cwd)
        test_file = command.test_file
        workspace = LocalWorkspace(self.project, cwd, self.shell, timeout=self.config.test_timeout)
        report = (
            run_tests(
                self.project,
                cwd,
                self.shell,
                [test_file, *command.also_test_files],
                timeout=self.config.test_timeout,
            ).report
            if command.also_test_files
            else workspace.run_tests(test_file)
        )
        changes = worktree_changes(cwd, self.shell, self.config.program_timeout)
        if report.passed and command.require_red and command.code_file:
            code_file = command.code_file
            report.red = proven_red(cwd, command, changes)
            if report.red is None:
                timeout = self.config.test_timeout
                red = without_code(self.project, cwd, self.shell, test_file, code_file, timeout)
                report.unproven = unproven_reason(red, test_file, code_file)
                report.red = (
                    None if report.unproven else f"red without {code_file}: {red.summary()}"
                )
        data: dict[str, object] = {
            "test_run": {**report.model_dump(mode="json"), "summary": report.summary()}
        }
        if changes is not None:
            data[CHANGES_KEY] = [change.model_dump(mode="json") for change in changes]
        if report.passed:
            return Result.ok(data=data)
        return Result.error(f"unit tests failed: {report.summary()}", data=data)
