"""How far ``codemyspec implement`` is from the physical limit, and where its extra time goes.

usage: .venv/bin/python -m bench.orchestration [--sizes 1 4 8 16] [--latency 2.0]
                                               [--pytest-plugins] [--keep DIR]

For each size N, in one run and against one scripted model (the real Claude Code CLI bundled
with claude-agent-sdk, talking to ``codemyspec_testing.ScriptedModel`` on loopback, every
reply ``latency`` seconds late; each conversation is the same two turns: one Write of a
correct module, then a final text answer), it times two arms on the same kind of repository,
a context ``Parts`` of N independent components with one committed unit test each:

- **limit**: N threads started together, each doing what a component physically needs and
  nothing else: ``git worktree add`` of a new branch, one agent run there (the same
  ``ClaudeCodeAgent`` codemyspec uses, so the same CLI and SDK), then one pytest process
  on its own test file. Wall time from the start until the last thread is done.
- **codemyspec**: ``codemyspec implement Parts --no-push`` run as a user runs it, the real
  command in a subprocess, after ``codemyspec sync`` (not timed). Wall time from launching
  the process until it exits; it must exit 0.

The first table prints N, both wall times and their ratio; the test processes each arm
started and their mean duration; codemyspec's interactions (parent and children) and the
mean gap between one step's ``completed_at`` and the next's ``started_at`` in the same
session, over every session (the runner's own time between interactions: engine and
orchestration); and the peak RSS of the codemyspec process itself (``VmHWM`` of
``/proc/PID/status``, read every 50 ms: agents and test processes are other processes and
are excluded). The last line is the engine's cost per interaction in process on SQLite
(``next_command`` + ``handle_result`` of a fresh context session's Initialize, nothing
executed, over 100 sessions).

Where the time goes. Both arms run their tests through one small bash wrapper as
``test_command`` (``python "$@"``, appending start, end and cwd of each run to a log), so
every test process either arm starts is timed; bash adds a few milliseconds per run to both
arms alike. The wrapper sets ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` (a project's own test
environment holds pytest, not this checkout's dev plugins, which cost seconds per pytest
start) unless ``--pytest-plugins`` is given. The codemyspec breakdown follows the *critical
path*: the parent's steps and, during the spawn, the child that finished last. It is read
from the run's SQLite database through codemyspec's own read API (``open_local`` →
``app.sessions.session_tree``: each interaction's ``started_at`` and ``completed_at``) and
that log. The columns partition the wall time exactly, so they add up to it:

- ``start-up``: process launch → the parent's Initialize completed (importing codemyspec,
  the repository checks, pre-flight's collection and test runs, creating the session,
  switching to the session's branch).
- ``worktree``: the critical child's Initialize, less its setup (``git worktree add`` of its
  branch, reading the design doc and coding rules).
- ``setup``: the test processes run in that child's worktree during its Initialize (the
  probe that the package imports from the tree; ``worktree_setup`` too when configured).
- ``agent``: its GenerateImplementation and FixTestFailures interactions (codemyspec starts
  importing claude-agent-sdk in the background once ``implement`` knows its agent, so the
  first run waits only for what is left of that import; the limit's process has imported
  it already in the warm-up).
- ``child tests``: its RunTests interactions (its test file, the red check without the code
  file in a scratch copy, the worktree's changes).
- ``child finalize``: its Finalize (the commit on its branch).
- ``integration``: that child's last interaction completed → the first validation test run
  started (the worktree's removal, waiting for the scheduler, bringing every child's files
  into the checkout).
- ``validation``: the first validation test run started → the last one ended (each test run
  in the checkout during the spawn).
- ``parent finalize``: the parent's Finalize started → the process exited (the commit, then
  worktrees and branches removed and the report printed).
- ``engine``: every gap on the path between one interaction's ``completed_at`` and the next's
  ``started_at`` (``handle_result``, ``next_command``, the runner's reads and its progress
  view), from the spawn's start to the child's first step, and from the last validation run
  to the spawn's ``completed_at`` (storing its result). A step's own span also holds a
  little of this: the runner reads the session and notifies its view after a command is
  recorded, before it executes it.

The limit's row fills the columns it has, for its slowest thread: ``worktree`` (``git
worktree add``), ``agent`` and ``child tests`` (its pytest). Before the sizes asked for, both
arms run once at N=1 untimed, so neither pays for cold caches. Figures vary with the
machine's load; a quiet machine with at least two cores gives comparable ones.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from tests.support.git_repos import GIT_IDENTITY, SAMPLE_PYPROJECT, git

from bench.engine import (
    CONTEXT,
    commit_and_push,
    engine_ms_per_interaction,
    launch_implement,
    parts_doc,
    peak_rss_mb,
    sync,
)
from codemyspec.agents import AgentRequest, ClaudeCodeAgent
from codemyspec.cli.local import open_local
from codemyspec.cli.settings import AgentSettings, ProjectSettings, Settings, render_settings
from codemyspec.component_coding_sessions import ComponentState
from codemyspec.sessions import Interaction, Session, SessionStatus
from codemyspec_testing import Reply, ScriptedModel, by_prompt, write

PYPROJECT = SAMPLE_PYPROJECT
COLUMNS = (
    "start-up",
    "worktree",
    "setup",
    "agent",
    "child tests",
    "child finalize",
    "integration",
    "validation",
    "parent finalize",
    "engine",
)
STEP_COLUMNS = {
    "Initialize": "worktree",
    "GenerateImplementation": "agent",
    "FixTestFailures": "agent",
    "RunTests": "child tests",
    "Finalize": "child finalize",
}
RSS_POLL_SECONDS = 0.05


def code_path(k: int) -> str:
    return f"src/shop/parts/part{k}.py"


def test_path(k: int) -> str:
    return f"tests/parts/test_part{k}.py"


def prompt_key(k: int) -> str:
    """What both arms' prompts hold, so the scripted model knows which module to write."""
    return f"write the implementation in: {code_path(k)}"


def _code(k: int) -> str:
    return f"def value() -> int:\n    return {k}\n"


def _test(k: int) -> str:
    return (
        f"from shop.parts.part{k} import value\n\n\ndef test_value():\n    assert value() == {k}\n"
    )


# ---------------------------------------------------------------------------------------
# The setting both arms share: the model, the repository, the timed test command


def _script(size: int, latency: float) -> dict[str, list[object]]:
    return {
        prompt_key(k): [
            Reply(tool_calls=(write(code_path(k), _code(k)),), delay=latency),
            Reply(text=f"Part{k} is written.", delay=latency),
        ]
        for k in range(1, size + 1)
    }


@dataclass(frozen=True)
class TestRun:
    """One test process, as the wrapper logged it (epoch seconds)."""

    start: float
    end: float
    cwd: Path


@dataclass(frozen=True)
class TimedTests:
    """A ``python`` that logs each run it makes; what codemyspec.toml names as test_command."""

    wrapper: Path
    log: Path

    @classmethod
    def make(cls, base: Path, *, plugins: bool = False) -> TimedTests:
        wrapper, log = base / "timed-python", base / "test-runs.log"
        wrapper.write_text(
            "#!/bin/bash\n"
            + ("" if plugins else "export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1\n")
            + "start=$EPOCHREALTIME\n"
            + f'"{sys.executable}" "$@"\n'
            + "status=$?\n"
            + f'printf \'%s %s %s\\n\' "$start" "$EPOCHREALTIME" "$PWD" >> \'{log}\'\n'
            + "exit $status\n",
            encoding="utf-8",
        )
        wrapper.chmod(0o755)
        return cls(wrapper, log)

    @property
    def test_command(self) -> list[str]:
        return [str(self.wrapper), "-m", "pytest"]

    def between(self, start: float, end: float) -> list[TestRun]:
        """The runs that started in this window (epoch seconds)."""
        return [r for r in self.runs() if start <= r.start <= end]

    def runs(self) -> list[TestRun]:
        if not self.log.is_file():
            return []
        runs = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            start, end, cwd = line.split(" ", 2)
            runs.append(TestRun(float(start), float(end), Path(cwd).resolve()))
        return runs


def make_repository(base: Path, size: int, tests: TimedTests) -> Path:
    """A repository with its bare origin: design docs, N unit tests, codemyspec.toml."""
    root, remote = base / "repo", base / "remote.git"
    root.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=base)
    git("init", "-q", "-b", "main", cwd=root)
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", remote=str(remote), test_command=tests.test_command
        ),
        agent=AgentSettings(default="claude_code"),
    )
    files = {
        ".gitignore": ".codemyspec/\n__pycache__/\n",
        "pyproject.toml": PYPROJECT,
        "codemyspec.toml": render_settings(settings),
        "src/shop/__init__.py": "",
        "src/shop/parts/__init__.py": '"""Parts."""\n',  # the context's own module exists
        f"docs/design/shop/{CONTEXT.lower()}.md": parts_doc(size),
        **{test_path(k): _test(k) for k in range(1, size + 1)},
    }
    commit_and_push(root, remote, files)
    return root


# ---------------------------------------------------------------------------------------
# The limit: the same work, all at once, no orchestration


@dataclass
class LimitRun:
    wall: float
    slowest: dict[str, float]
    test_runs: list[TestRun]


_WORKTREE_ADD = threading.Lock()


def _one_limit(
    root: Path,
    k: int,
    agent: ClaudeCodeAgent,
    tests: TimedTests,
    spans: dict[int, dict[str, float]],
    failures: dict[int, str],
) -> None:
    began = time.monotonic()
    tree = root.parent / "trees" / f"part{k}"
    try:
        with _WORKTREE_ADD:  # git's own locks refuse concurrent `worktree add`s in one repo
            git("worktree", "add", "-q", "-b", f"limit-part{k}", str(tree), cwd=root)
    except Exception as exc:
        failures[k] = f"git worktree add: {exc}"
        return
    made = time.monotonic()
    prompt = f"Implement Part{k} of the shop package.\n- {prompt_key(k)}\n"
    run = agent.run(AgentRequest(prompt=prompt, cwd=tree), threading.Event())
    answered = time.monotonic()
    done = subprocess.run(
        [*tests.test_command, test_path(k), "-q", "-p", "no:cacheprovider"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    ended = time.monotonic()
    if not run.ok or done.returncode != 0:
        failures[k] = f"agent: {run.error or 'ok'}; pytest: {done.stdout[-2000:]}"
        return
    spans[k] = {
        "worktree": made - began,
        "agent": answered - made,
        "child tests": ended - answered,
        "total": ended - began,
    }


def limit_arm(base: Path, size: int, agent: ClaudeCodeAgent, tests: TimedTests) -> LimitRun:
    root = make_repository(base, size, tests)
    spans: dict[int, dict[str, float]] = {}
    failures: dict[int, str] = {}
    threads = [
        threading.Thread(target=_one_limit, args=(root, k, agent, tests, spans, failures))
        for k in range(1, size + 1)
    ]
    began, started = time.time(), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if failures or len(spans) != size:
        raise SystemExit(f"limit, N={size}: runs failed: {failures or 'see above'}")
    slowest = max(spans.values(), key=lambda s: s["total"])
    slowest_columns = {c: slowest[c] for c in ("worktree", "agent", "child tests")}
    return LimitRun(wall, slowest_columns, tests.between(began, began + wall))


# ---------------------------------------------------------------------------------------
# codemyspec: the command a user runs, then its record


@dataclass
class CodemyspecRun:
    wall: float
    rss_mb: float | None
    breakdown: dict[str, float]
    interactions: int
    test_runs: list[TestRun]
    gaps: list[float]


def codemyspec_arm(base: Path, size: int, env: dict[str, str], tests: TimedTests) -> CodemyspecRun:
    root = make_repository(base, size, tests)
    sync(root, env)
    output = base / "implement.log"
    with output.open("w", encoding="utf-8") as out:
        launched, started = time.time(), time.monotonic()
        process = launch_implement(root, env, out)
        rss = None
        while process.poll() is None:
            rss = peak_rss_mb(process.pid) or rss
            time.sleep(RSS_POLL_SECONDS)
        wall = time.monotonic() - started
        exited = launched + wall
    if process.returncode != 0:
        raise SystemExit(
            f"codemyspec implement, N={size}, exited {process.returncode}:\n"
            + output.read_text(encoding="utf-8")[-4000:]
        )
    record = _record(root)
    runs = tests.between(launched, exited)
    breakdown = critical_path(record, root, runs, launched, exited)
    count = len(record.interactions) + sum(len(c.interactions) for c in record.child_sessions)
    return CodemyspecRun(wall, rss, breakdown, count, runs, step_gaps(record))


def _record(root: Path) -> Session:
    """The run's session tree, through codemyspec's own read API."""
    local = open_local(root)
    try:
        newest = local.app.sessions.session_trees(local.scope)[0]
        tree = local.app.sessions.session_tree(local.scope, newest.id)
    finally:
        local.app.close()
    if tree.status is not SessionStatus.COMPLETE:
        raise SystemExit(f"session {tree.id} is {tree.status.value}, not complete")
    return tree


def _epoch(moment: datetime | None) -> float:
    if moment is None:
        raise SystemExit("an interaction of a complete session has no completed_at")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _short(interaction: Interaction) -> str:
    return interaction.step.rsplit(".", 1)[-1]


def _steps(session: Session) -> list[Interaction]:
    return sorted(session.interactions, key=lambda i: _epoch(i.started_at))


def step_gaps(record: Session) -> list[float]:
    """Every gap, in every session of the tree, between a step's end and the next's start."""
    gaps = []
    for session in [record, *record.child_sessions]:
        steps = _steps(session)
        gaps += [
            _epoch(later.started_at) - _epoch(earlier.completed_at)
            for earlier, later in pairwise(steps)
        ]
    return gaps


def critical_path(
    record: Session, root: Path, runs: Sequence[TestRun], launched: float, exited: float
) -> dict[str, float]:
    """The wall time of one run, partitioned into the columns the module docstring defines."""
    parent = {_short(i): i for i in _steps(record)}
    init, spawn, finalize = (
        parent[name] for name in ("Initialize", "SpawnComponentCodingSessions", "Finalize")
    )
    child = max(record.child_sessions, key=lambda c: _epoch(_steps(c)[-1].completed_at))
    spans = {column: 0.0 for column in COLUMNS}
    spans["start-up"] = _epoch(init.completed_at) - launched
    spans["engine"] = _epoch(spawn.started_at) - _epoch(init.completed_at)
    cursor = _epoch(spawn.started_at)
    tree = root / str(ComponentState.of(child).worktree)
    for step in _steps(child):
        began, ended = _epoch(step.started_at), _epoch(step.completed_at)
        spans["engine"] += began - cursor
        column = STEP_COLUMNS[_short(step)]
        if column == "worktree":
            setup = sum(
                r.end - r.start
                for r in runs
                if r.cwd == tree.resolve() and began <= r.start <= ended
            )
            spans["setup"] += setup
            spans[column] += ended - began - setup
        else:
            spans[column] += ended - began
        cursor = ended
    checks = [
        r
        for r in runs
        if r.cwd == root.resolve() and cursor <= r.start <= _epoch(spawn.completed_at)
    ]
    if not checks:
        raise SystemExit("no validation test run was logged during the spawn")
    spans["integration"] = min(r.start for r in checks) - cursor
    spans["validation"] = max(r.end for r in checks) - min(r.start for r in checks)
    spans["engine"] += _epoch(spawn.completed_at) - max(r.end for r in checks)
    spans["engine"] += _epoch(finalize.started_at) - _epoch(spawn.completed_at)
    spans["parent finalize"] = exited - _epoch(finalize.started_at)
    return spans


# ---------------------------------------------------------------------------------------
# One run, both arms, one report


@contextlib.contextmanager
def scripted_model(sizes: Sequence[int], latency: float) -> Iterator[ScriptedModel]:
    with ScriptedModel(by_prompt(_script(max(sizes), latency))) as model:
        yield model


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _mean_run(runs: Sequence[TestRun]) -> float:
    return sum(r.end - r.start for r in runs) / len(runs) if runs else 0.0


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def report(
    latency: float, results: list[tuple[int, LimitRun, CodemyspecRun]], engine: float
) -> str:
    summary = _markdown(
        [
            "N",
            "limit (s)",
            "codemyspec (s)",
            "ratio",
            "test processes (limit / codemyspec)",
            "mean test process (s)",
            "interactions",
            "mean gap between steps (ms)",
            "runner peak RSS (MB)",
        ],
        [
            [
                str(n),
                f"{limit.wall:.1f}",
                f"{ours.wall:.1f}",
                f"{ours.wall / limit.wall:.2f}",
                f"{len(limit.test_runs)} / {len(ours.test_runs)}",
                f"{_mean_run(limit.test_runs):.2f} / {_mean_run(ours.test_runs):.2f}",
                str(ours.interactions),
                f"{sum(ours.gaps) / len(ours.gaps) * 1000:.0f}" if ours.gaps else "",
                "" if ours.rss_mb is None else f"{ours.rss_mb:.0f}",
            ]
            for n, limit, ours in results
        ],
    )
    rows = []
    for n, limit, ours in results:
        rows.append([str(n), "limit", *(_seconds(limit.slowest.get(c)) for c in COLUMNS)])
        rows.append([str(n), "codemyspec", *(_seconds(ours.breakdown[c]) for c in COLUMNS)])
    breakdown = _markdown(["N", "arm", *(f"{c} (s)" for c in COLUMNS)], rows)
    lines = [
        f"Orchestration against the limit, Claude Code with the scripted model, "
        f"{latency:g} s per reply, {os.cpu_count()} CPUs",
        "",
        summary,
        "",
        "Where the time goes: the critical path (codemyspec: parent steps and the child that "
        "finished last; limit: its slowest run); codemyspec's columns add up to its wall time",
        "",
        breakdown,
    ]
    lines += ["", f"engine per interaction in process (SQLite): {engine:.2f} ms"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument(
        "--pytest-plugins",
        action="store_true",
        help="let pytest load every plugin installed beside it (default: none, as in a "
        "project's own test environment)",
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this new folder and keep it (repositories, logs)"
    )
    args = parser.parse_args()
    os.environ.update(GIT_IDENTITY)
    with contextlib.ExitStack() as stack:
        if args.keep is None:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cms-bench-")))
        else:
            base = args.keep.resolve()
            base.mkdir(parents=True)
        model = stack.enter_context(scripted_model(args.sizes, args.latency))
        tests = TimedTests.make(base, plugins=args.pytest_plugins)
        results = both_arms(base, model, args.sizes, tests)
        print(report(args.latency, results, engine_ms(base)))


def both_arms(
    base: Path, model: ScriptedModel, sizes: Sequence[int], tests: TimedTests
) -> list[tuple[int, LimitRun, CodemyspecRun]]:
    """Each size's two arms, one after the other, after one untimed run of each at N=1."""
    results = []
    for label, size in [("warm-up", 1), *((str(n), n) for n in sizes)]:
        folder = base / f"n{label}"
        agent = ClaudeCodeAgent(env=model.env(folder / "home-limit"))
        limit = limit_arm(folder / "limit", size, agent, tests)
        env = {**os.environ, **model.env(folder / "home-codemyspec")}
        ours = codemyspec_arm(folder / "codemyspec", size, env, tests)
        print(f"N={label}: limit {limit.wall:.1f}s, codemyspec {ours.wall:.1f}s", flush=True)
        if label != "warm-up":
            results.append((size, limit, ours))
    return results


def engine_ms(base: Path) -> float:
    return engine_ms_per_interaction(base / "engine")


if __name__ == "__main__":
    main()
