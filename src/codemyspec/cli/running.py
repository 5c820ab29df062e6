"""Run, resume and retry context sessions from the command line, with a live view.

``implement`` checks everything a run needs (context, components, git, remote, agent)
before it creates anything, so bad input changes nothing.
"""

from __future__ import annotations

import shutil
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from rich.console import Console
from rich.live import Live

from codemyspec.agents import Agent, ClaudeCodeAgent, CommandAgent
from codemyspec.cli.branch_checks import check_branch_keeps_commits, check_not_implemented_yet
from codemyspec.cli.detaching import check_head_on_origin
from codemyspec.cli.git import Git
from codemyspec.cli.local import Local
from codemyspec.cli.notifying import finish_notifying, start_notifying
from codemyspec.cli.partial_runs import check_dependencies, run_subset
from codemyspec.cli.progress import LogLines, ProgressBoard, ServerWaits, session_label
from codemyspec.cli.remote import Remote
from codemyspec.cli.reports import print_joined, print_outcome, print_server_gone, session_ref
from codemyspec.cli.settings import Settings
from codemyspec.components import Component, component_files
from codemyspec.context_coding_sessions import ContextState, RunLimits, ValidationPlan, uses_base
from codemyspec.environments import agent_test_commands
from codemyspec.errors import ConfigurationError, ServerUnavailableError, ValidationError
from codemyspec.projects import Project
from codemyspec.runner import Runner, RunnerConfig, preflight, stop_on_signals, validation_tests
from codemyspec.scope import Scope
from codemyspec.service_layer import ContextStart, SessionsApi, is_context_root, unfinished_error
from codemyspec.sessions import Session, SessionStatus

CLAUDE_CODE = "claude_code"


class Drive(StrEnum):
    """How to drive a session: from where it is, after an interruption, or retrying failures."""

    RUN = "run"
    RESUME = "resume"
    RETRY = "retry"
    JOIN = "join"


#: The run stopped because the server was away too long: try again later (sysexits' TEMPFAIL).
SERVER_GONE_EXIT = 75


@dataclass(frozen=True)
class Driven:
    """The session after a drive (as last read, when the server went away), and whether the
    user interrupted it or the server's absence stopped it."""

    session: Session
    interrupted: bool
    server_gone: bool = False

    @property
    def exit_code(self) -> int:
        if self.server_gone:
            return SERVER_GONE_EXIT
        if self.interrupted:
            return 130
        return 0 if self.session.status is SessionStatus.COMPLETE else 1


def configured_agents(settings: Settings) -> dict[str, Agent]:
    """Claude Code (its Bash limited to the project's test commands) plus every
    ``[agent.commands]`` entry, by name."""
    tests = agent_test_commands(settings.project.language, settings.project.test_command)
    agents: dict[str, Agent] = {CLAUDE_CODE: ClaudeCodeAgent(bash_allowed=tests)}
    for name, argv in settings.agent.commands.items():
        agents[name] = CommandAgent(name, argv)
    return agents


def runner_config(settings: Settings, concurrency: int | None = None) -> RunnerConfig:
    """``[runner]`` as the runner's config; a command-line ``concurrency`` wins, 0 means all."""
    limit = settings.runner.concurrency if concurrency is None else concurrency
    return RunnerConfig(
        concurrency=limit or None,
        worktree_setup=settings.runner.worktree_setup or None,
        agent_timeout=settings.runner.agent_timeout,
        stall_timeout=settings.runner.stall_timeout,
        max_turns=settings.runner.max_turns,
        default_agent=settings.agent.default,
        lease_seconds=settings.runner.lease_seconds,
        poll_seconds=settings.runner.poll_seconds,
        rate_limit_retries=settings.runner.rate_limit_retries,
    )


def check_repository(git: Git, *, push: bool) -> None:
    """A git work tree with a commit, an author for the commits, no uncommitted changes to
    tracked files, and a remote."""
    root = git.root
    if git.output("rev-parse", "--is-inside-work-tree") != "true":
        raise ConfigurationError(f"{root} is not a git repository (run `git init` there)")
    if not git("rev-parse", "--verify", "--quiet", "HEAD").ok:
        raise ConfigurationError(
            f"{root} has no commit yet: commit your design docs and tests first"
        )
    for who in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        if not (ident := git("var", who)).ok:  # before any agent runs, not at the commit
            why = (ident.stderr.strip().splitlines() or [ident.failure_reason()])[-1]
            raise ConfigurationError(
                f"git cannot name who commits in {root} ({why}): `git config --global "
                'user.name "Your Name"` and `git config --global user.email you@example.com` '
                "give the session's commits their author"
            )
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if dirty:
        files = ", ".join(line[3:] for line in dirty[:10])
        raise ConfigurationError(
            f"uncommitted changes in {root}: {files}; commit or stash them first, "
            "so the session's commit holds only the agents' work"
        )
    if push and not git("remote", "get-url", "origin").ok:
        raise ConfigurationError(
            "no remote named origin to push to: `git remote add origin URL`, or run with --no-push"
        )


def check_no_untracked_targets(git: Git, project: Project, components: list[Component]) -> None:
    """No file the agents will write exists uncommitted: integration would overwrite it."""
    targets = [str(p) for c in components for p in _targets(c, project)]
    found = git("ls-files", "-z", "--others", "--", *targets).stdout
    untracked = sorted(filter(None, found.split("\0")))
    if untracked:
        raise ConfigurationError(
            f"{', '.join(untracked)} {'is' if len(untracked) == 1 else 'are'} in your working "
            "tree but not committed, where a component's agent writes: it would be "
            "overwritten. Commit it (codemyspec then treats it as existing code to change) "
            "or move it away"
        )


def _targets(component: Component, project: Project) -> tuple[PurePosixPath, PurePosixPath]:
    paths = component_files(component, project)
    return paths.code, paths.test


def check_agent(name: str, agents: dict[str, Agent]) -> None:
    """The agent is configured, and a command agent's program exists."""
    agent = agents.get(name)
    if agent is None:
        known = ", ".join(sorted(agents))
        raise ConfigurationError(
            f"unknown agent {name!r} (configured: {known}; add others under [agent.commands])"
        )
    if isinstance(agent, CommandAgent) and shutil.which(agent.argv[0]) is None:
        raise ConfigurationError(f"agent {name!r}: program {agent.argv[0]!r} was not found")


def start_loading(agent: Agent) -> None:
    """Claude Code's SDK takes a second or more to import: it starts loading in the
    background now, while pre-flight and the first worktrees keep this thread waiting."""
    if isinstance(agent, ClaudeCodeAgent):
        agent.warm_up()


def implement(
    local: Local,
    context: str,
    *,
    agent: str | None = None,
    concurrency: int | None = None,
    max_fix_rounds: int | None = None,
    push: bool = True,
    agents: dict[str, Agent] | None = None,
    console: Console | None = None,
    remote: Remote | None = None,
    fresh: bool = False,
    limits: RunLimits | None = None,
    only: list[str] | None = None,
) -> Driven:
    """Check, create and run a context coding session; print how it ended.

    With ``remote`` the design docs are uploaded and the session lives on that server;
    ``fresh`` starts a new session on a new branch after a complete one; ``only`` names
    the components to implement (``implement --only``).
    """
    if concurrency is not None and concurrency < 0:
        raise ValidationError(f"--concurrency must be 0 (all) or more, not {concurrency}")
    agents = agents if agents is not None else configured_agents(local.settings)
    session = start(
        local,
        context,
        agent=agent,
        max_fix_rounds=max_fix_rounds,
        push=push,
        agents=agents,
        remote=remote,
        fresh=fresh,
        limits=limits,
        only=only,
    )
    return drive(
        local,
        session.id,
        Drive.RUN,
        agents=agents,
        concurrency=concurrency,
        console=console,
        remote=remote,
    )


@dataclass(frozen=True)
class Detach:
    """A detached start: the queue the workers take it from (None: the project's language)."""

    queue: str | None = None


def implement_detached(
    local: Local,
    context: str,
    remote: Remote,
    *,
    queue: str | None = None,
    agent: str | None = None,
    max_fix_rounds: int | None = None,
    fresh: bool = False,
    limits: RunLimits | None = None,
    only: list[str] | None = None,
) -> Session:
    """Check and create a context session the server's workers run from HEAD (on origin);
    returns at once."""
    return start(
        local,
        context,
        agent=agent,
        max_fix_rounds=max_fix_rounds,
        push=True,
        remote=remote,
        fresh=fresh,
        detach=Detach(queue=queue),
        limits=limits,
        only=only,
    )


def start(
    local: Local,
    context: str,
    *,
    agent: str | None = None,
    max_fix_rounds: int | None = None,
    push: bool = True,
    agents: dict[str, Agent] | None = None,
    remote: Remote | None = None,
    fresh: bool = False,
    detach: Detach | None = None,
    limits: RunLimits | None = None,
    only: list[str] | None = None,
) -> Session:
    """Every check a run needs (context, components, git, remote, agent, pre-flight), then
    the session, created; a detached one also needs HEAD on origin."""
    if max_fix_rounds is not None and max_fix_rounds < 0:
        raise ValidationError(f"--max-fix-rounds must be 0 or more, not {max_fix_rounds}")
    if remote is not None and not push:
        raise ValidationError(
            "--no-push cannot be used with --server: runners share their branches through origin"
        )
    agents = agents if agents is not None else configured_agents(local.settings)
    agent_name = agent or local.settings.agent.default
    check_agent(agent_name, agents)
    if detach is None:  # a detached run's agents run on the workers
        start_loading(agents[agent_name])
    engine, scope = target(local, remote)
    server = remote.sessions.client.url if remote else None
    origin = None
    if remote is not None:  # before the docs go to the server
        from codemyspec.design_docs import design_doc_files  # its parser: only to upload

        check_repository(local.git, push=push)
        if detach is not None:
            origin = check_head_on_origin(local.git)
        remote.catalog.sync(remote.project.id, design_doc_files(remote.project, local.root))
    plan = engine.plan_context_session(scope, context)
    found, children = plan.context, plan.components
    if (unfinished := plan.unfinished) is not None:
        raise unfinished_error(unfinished, found, session_ref(unfinished.id, server))
    check_not_implemented_yet(local.git, plan.sessions, found, server, fresh=fresh)
    subset = run_subset(plan, only, fresh=fresh)  # implement --only, or what --only left
    if remote is None:  # an unfinished session explains a dirty tree: named first
        check_repository(local.git, push=push)
    check_branch_keeps_commits(local.git, found, fresh=fresh)
    rest_done = check_dependencies(local.git, local.project, plan, subset)
    children = subset.components
    missing = not (local.root / component_files(found, local.project).code).is_file()
    write_context = missing and rest_done  # the context's module: once no component is left
    writers = [*children, found] if write_context else children
    check_no_untracked_targets(local.git, local.project, writers)
    validating = local.settings.validation
    # Every component's test file is its own (a component left out by --only included).
    components = [*plan.components, *writers]
    own_tests = validation_tests(local.project, local.root, found, components, validating.tests)
    checked = preflight(
        local.project,
        local.root,
        local.app.shell,
        writers,
        timeout=runner_config(local.settings).test_timeout,
        validation_tests=own_tests,
    )
    checked.raise_for_problems(found.module_name)
    rounds = local.settings.runner.max_fix_rounds if max_fix_rounds is None else max_fix_rounds
    pull_request = local.settings.forge.pull_request if push else None  # [forge]: after a push
    return engine.start_context_session(
        scope,
        ContextStart(
            context=found.module_name,
            agent=agent_name,
            max_fix_rounds=rounds,
            push=push,
            fresh=fresh,
            write_context_module=write_context,
            baseline=checked.baseline,
            red_proven=checked.red_proven,
            validation_plan=ValidationPlan(
                tests=own_tests,
                baseline=checked.validation_baseline,
                preexisting_failures=validating.preexisting_failures,
            ),
            flaky_tests=validating.flaky_tests,
            detach=detach is not None,
            queue=detach.queue if detach else None,
            base_commit=origin.base_commit if origin else None,
            code_repo=origin.url if origin else None,
            pull_request=pull_request,
            pull_request_base=pull_request_base(local.git, pull_request, plan.sessions),
            limits=limits or RunLimits(),
            only=subset.only,
        ),
    )


def pull_request_base(
    git: Git, pull_request: list[str] | None, earlier: list[Session]
) -> str | None:
    """The branch the session starts from: its pull request's ``{base}``. On the branch of
    an earlier session of the context (what an ``--only`` run left, implemented on top of
    it), that session's base: a pull request never goes from a branch into itself."""
    if not pull_request:
        return None
    branch = git.output("rev-parse", "--abbrev-ref", "HEAD")
    for session in sorted(earlier, key=lambda s: s.id, reverse=True):
        state = ContextState.of(session)
        if branch and state.branch_name == branch and state.pull_request_base:
            return state.pull_request_base
    if branch in (None, "HEAD") and uses_base(pull_request):
        raise ConfigurationError(
            "[forge] pull_request uses {base}, but HEAD is not on a branch: check out the "
            "branch the pull request should go into"
        )
    return branch if branch != "HEAD" else None


def target(local: Local, remote: Remote | None) -> tuple[SessionsApi, Scope]:
    """Where the sessions live: this repository's database, or the server's."""
    if remote is None:
        return local.app.sessions, local.scope
    return remote.sessions, remote.scope


def drive(
    local: Local,
    session_id: int,
    how: Drive,
    *,
    agents: dict[str, Agent] | None = None,
    concurrency: int | None = None,
    console: Console | None = None,
    remote: Remote | None = None,
    cancel: threading.Event | None = None,
) -> Driven:
    """Run, resume, retry or join the session with a live view; Ctrl-C stops it cleanly, as
    does setting ``cancel`` (the dashboard's runs, in threads no signal reaches)."""
    console = console or Console()
    engine, scope = target(local, remote)
    session = engine.get_session(scope, session_id)
    if not is_context_root(session):
        raise ValidationError(
            f"session {session_id} is a {session.type} session; "
            "run, resume and retry work on context sessions"
        )
    agents = agents if agents is not None else configured_agents(local.settings)
    agent_name = session.agent or local.settings.agent.default
    check_agent(agent_name, agents)
    start_loading(agents[agent_name])
    cancel = cancel if cancel is not None else threading.Event()
    title = f"{session_label(session)} · session {session.id}"
    board = ProgressBoard(title)
    live = console.is_terminal
    lines = LogLines(console)
    config = runner_config(local.settings, concurrency).model_copy(
        update={"share_branches": remote is not None}
    )
    runner: Runner = local.app.runner(
        local.project,
        config,
        agents=agents,
        cancel=cancel,
        observer=board.observe if live else lines.observe,
        engine=engine,
    )
    runner.executor.notice = board.notice if live else lines.notice
    console.print(f"[bold]{how.value}[/] {title}", highlight=False)
    if remote is not None:
        remote.sessions.client.watch(ServerWaits(console, board if live else None))
    view = Live(board, console=console, refresh_per_second=4) if live else nullcontext()
    try:
        with stop_on_signals(cancel), view:
            final = _drive(runner, how, scope, session_id)
    except ServerUnavailableError as gone:
        if remote is None:
            raise
        final, runner.halted = session, runner.halted or gone
    if runner.halted is not None and remote is not None:
        print_server_gone(session_id, how, runner.halted, console, remote.sessions.client.url)
        return Driven(final, interrupted=False, server_gone=True)
    driven = Driven(final, cancel.is_set())
    notifying = None  # [notify]: where a drive ends; `join` leaves it to the driving runner
    if how is not Drive.JOIN and not driven.interrupted:
        server = remote.sessions.client.url if remote else None
        notifying = start_notifying(local.settings.notify, local.git, final, server, console)
    if how is Drive.JOIN:
        print_joined(driven.session, console, interrupted=driven.interrupted)
    else:
        print_outcome(
            local.git,
            driven.session,
            console,
            interrupted=driven.interrupted,
            server=remote.sessions.client.url if remote else None,
        )
    if notifying is not None:
        grace = local.settings.notify.grace_seconds
        finish_notifying(notifying, grace, engine, scope, session_id, console)
    return driven


def _drive(runner: Runner, how: Drive, scope: Scope, session_id: int) -> Session:
    match how:
        case Drive.RUN:
            return runner.run(scope, session_id)
        case Drive.RESUME:
            return runner.resume(scope, session_id)
        case Drive.RETRY:
            return runner.retry(scope, session_id)
        case Drive.JOIN:
            return runner.join(scope, session_id)
