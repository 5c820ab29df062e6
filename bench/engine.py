"""What the sessions engine itself costs: per interaction, per spawn, per cancel, in memory.

usage: .venv/bin/python -m bench.engine [--rounds 100] [--spawn 100] [--children 64]
                                        [--skip-rss]

Everything runs in process on a SQLite file, nothing executed (results are answered ``ok``
at once), except the memory row. It prints one Markdown table:

- **engine ms per interaction**: ``next_command`` + ``handle_result`` of the Initialize of a
  fresh context's first session, over ``--rounds`` sessions (each round a realistic first
  interaction, not one buried under hundreds of earlier ones); wall time, and the CPU time
  of this process (on a busy machine other processes inflate the wall figure).
- **spawn of N children (s)**: from the parent's ``next_command`` that creates its N
  children (the context's SpawnComponentCodingSessions) until each child has its first
  command too (its own ``next_command``: Initialize's worktree).
- **runner peak RSS with N children (MB)**: ``codemyspec implement Parts --no-push`` run as
  a user runs it, in a subprocess, on a repository of N independent components, every
  child's agent a command-line agent that waits (``tests/support/scripted_cli_agent.py``);
  ``[runner] concurrency = 0`` lets all N run at once. When all N agents are running, the
  command's own peak resident set (``VmHWM`` of ``/proc/PID/status``: agents and test
  processes are other processes and are excluded) is read, then the run is interrupted.
- **SQL statements**: what one ``handle_result`` of a pure step (a context's Initialize),
  the spawn of 10 children (the parent's ``next_command``) and the cancel of a parent with
  10 active children send to the database (``tests/support/queries.py``).

Figures vary with the machine's load; the statement counts do not.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.support.git_repos import GIT_IDENTITY, SAMPLE_PYPROJECT, git
from tests.support.queries import counting_queries
from tests.support.sample_project import SCRIPTED_AGENT

from codemyspec.bootstrap import App, bootstrap
from codemyspec.cli.settings import (
    AgentSettings,
    ProjectSettings,
    RunnerSettings,
    Settings,
    render_settings,
)
from codemyspec.commands import Result
from codemyspec.components import ComponentAttrs, ComponentType
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.projects import ProjectAttrs
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionAttrs

CONTEXT = "Parts"


@dataclass(frozen=True)
class Contexts:
    """A project of ``count`` contexts, each with ``parts`` components, and a session each."""

    app: App
    scope: Scope
    sessions: list[Session]


@contextlib.contextmanager
def contexts(base: Path, count: int, parts: int = 1) -> Iterator[Contexts]:
    base.mkdir(parents=True)
    app = bootstrap(f"sqlite:///{base / 'engine.db'}")
    try:
        with app.unit_of_work() as uow:
            account = uow.accounts.get_or_create_account("bench")
            scope = Scope(account_id=account.id)
            project = uow.projects.create(
                scope, ProjectAttrs(name="shop", root=str(base), package="shop")
            )
            scope = scope.for_project(project.id)
            ids = []
            for i in range(count):
                context = uow.components.create(
                    scope, ComponentAttrs(module_name=f"Probe{i}", type=ComponentType.CONTEXT)
                )
                for k in range(parts):
                    uow.components.create(
                        scope,
                        ComponentAttrs(
                            module_name=f"Probe{i}.Part{k}", parent_component_id=context.id
                        ),
                    )
                ids.append(context.id)
        sessions = [
            app.sessions.create_session(
                scope, SessionAttrs(type=CONTEXT_SESSION_TYPE, component_id=c, agent="bench")
            )
            for c in ids
        ]
        yield Contexts(app, scope, sessions)
    finally:
        app.close()


def engine_ms_per_interaction(base: Path, rounds: int = 100) -> float:
    """Milliseconds of ``next_command`` + ``handle_result`` in process on SQLite, nothing
    executed: each round is the Initialize of a fresh context's first session, so the
    figure is one realistic interaction's, not one buried under hundreds of earlier ones."""
    return engine_costs(base, rounds)[0]


def engine_costs(base: Path, rounds: int = 100) -> tuple[float, float]:
    """``engine_ms_per_interaction``'s wall milliseconds, and the CPU milliseconds this
    process spent (what other processes on a busy machine inflate the wall figure past)."""
    with contexts(base, rounds) as made:
        app, scope = made.app, made.scope
        started, cpu = time.perf_counter(), time.process_time()
        for session in made.sessions:
            interaction = app.sessions.next_command(scope, session.id)
            app.sessions.handle_result(scope, session.id, interaction.id, Result.ok())
        wall_ms = (time.perf_counter() - started) / rounds * 1000
        return wall_ms, (time.process_time() - cpu) / rounds * 1000


def _initialized(made: Contexts, session: Session) -> None:
    """The context's Initialize answered ok: its next command is the spawn."""
    interaction = made.app.sessions.next_command(made.scope, session.id)
    made.app.sessions.handle_result(made.scope, session.id, interaction.id, Result.ok())


def spawn_seconds(base: Path, children: int) -> float:
    """Seconds from the parent's spawning ``next_command`` until every child has its first."""
    with contexts(base, 1, children) as made:
        app, scope, parent = made.app, made.scope, made.sessions[0]
        _initialized(made, parent)
        started = time.perf_counter()
        spawn = app.sessions.next_command(scope, parent.id)
        child_ids = spawn.command.child_session_ids  # type: ignore[union-attr]
        for child_id in child_ids:
            app.sessions.next_command(scope, child_id)
        elapsed = time.perf_counter() - started
        if len(child_ids) != children:
            raise SystemExit(f"spawned {len(child_ids)} children, not {children}")
        return elapsed


@dataclass(frozen=True)
class Statements:
    pure_step: int
    spawn: int
    cancel: int


def statement_counts(base: Path, children: int = 10) -> Statements:
    """Statements of a pure step's ``handle_result``, a spawn and a cancel of ``children``."""
    with contexts(base, 1, children) as made:
        app, scope, parent = made.app, made.scope, made.sessions[0]
        interaction = app.sessions.next_command(scope, parent.id)
        with counting_queries(app) as pure:
            app.sessions.handle_result(scope, parent.id, interaction.id, Result.ok())
        with counting_queries(app) as spawn:
            app.sessions.next_command(scope, parent.id)
        with counting_queries(app) as cancel:
            app.sessions.cancel_session(scope, parent.id)
        return Statements(len(pure), len(spawn), len(cancel))


# ---------------------------------------------------------------------------------------
# The runner's memory with every child in its agent step


def parts_doc(size: int) -> str:
    """The design doc of a context of ``size`` independent parts."""
    sections = [
        f"### {CONTEXT}.Part{k}\n\n| field | value |\n| --- | --- |\n| type | other |\n\n"
        f"Part {k}: `value()` is {k}.\n"
        for k in range(1, size + 1)
    ]
    return (
        f"# {CONTEXT}\n\n## Purpose\nParts that know their number.\n\n## Components\n\n"
        + "\n".join(sections)
        + "\n## Dependencies\n\n- none\n"
    )


def _waiting_repository(base: Path, size: int) -> tuple[Path, Path]:
    """A repository of ``size`` components whose agent waits; returns it and the script."""
    root, remote, script = base / "repo", base / "remote.git", base / "script.json"
    root.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=base)
    git("init", "-q", "-b", "main", cwd=root)
    settings = Settings(
        project=ProjectSettings(
            name="shop",
            package="shop",
            remote=str(remote),
            test_command=[sys.executable, "-m", "pytest"],
        ),
        agent=AgentSettings(
            default="waiting", commands={"waiting": [sys.executable, str(SCRIPTED_AGENT)]}
        ),
        runner=RunnerSettings(concurrency=0),
    )
    files = {
        ".gitignore": ".codemyspec/\n__pycache__/\n",
        "pyproject.toml": SAMPLE_PYPROJECT,
        "codemyspec.toml": render_settings(settings),
        "src/shop/__init__.py": "",
        "src/shop/parts/__init__.py": '"""Parts."""\n',
        f"docs/design/shop/{CONTEXT.lower()}.md": parts_doc(size),
        **{
            f"tests/parts/test_part{k}.py": (
                f"from shop.parts.part{k} import value\n\n\n"
                f"def test_value():\n    assert value() == {k}\n"
            )
            for k in range(1, size + 1)
        },
    }
    commit_and_push(root, remote, files)
    script.write_text(
        json.dumps({f"src/shop/parts/part{k}.py": [{"hang": 600}] for k in range(1, size + 1)})
    )
    return root, script


def commit_and_push(root: Path, remote: Path, files: dict[str, str]) -> None:
    """Write ``files`` into the repository at ``root``, commit them and push to ``remote``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "Design docs and unit tests", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)


def peak_rss_mb(pid: int) -> float | None:
    """The process's own peak resident set (VmHWM), None when /proc does not say."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


CODEMYSPEC = str(Path(sys.executable).with_name("codemyspec"))
"""The command line as a user runs it: this environment's console script."""


def sync(root: Path, env: dict[str, str]) -> None:
    """``codemyspec sync`` in ``root`` (the design docs into the database), not timed."""
    subprocess.run([CODEMYSPEC, "sync"], cwd=root, env=env, capture_output=True, check=True)


def launch_implement(root: Path, env: dict[str, str], out: IO[str]) -> subprocess.Popen[bytes]:
    """``codemyspec implement Parts --no-push`` started in ``root``, its output into ``out``."""
    return subprocess.Popen(
        [CODEMYSPEC, "implement", CONTEXT, "--no-push"],
        cwd=root,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def runner_peak_rss_mb(base: Path, children: int, timeout: float = 600.0) -> float:
    """Peak RSS of ``codemyspec implement`` once all ``children`` agents are running."""
    base.mkdir(parents=True)
    root, script = _waiting_repository(base, children)
    env = {**os.environ, **GIT_IDENTITY, "SCRIPTED_AGENT_SCRIPT": str(script)}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    sync(root, env)
    calls = script.with_suffix(".calls")
    log = base / "implement.log"
    with log.open("w", encoding="utf-8") as out:
        process = launch_implement(root, env, out)
        try:
            deadline = time.monotonic() + timeout
            while _agents_running(calls) < children:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"only {_agents_running(calls)} of {children} agents started:\n"
                        + log.read_text(encoding="utf-8")[-3000:]
                    )
                time.sleep(0.2)
            time.sleep(1.0)  # every agent started: let the runner settle in its waits
            peak = peak_rss_mb(process.pid)
        finally:
            _interrupt(process)
    if peak is None:
        raise SystemExit("/proc does not report the runner's VmHWM")
    return peak


def _agents_running(calls: Path) -> int:
    if not calls.is_file():
        return 0
    return sum(1 for line in calls.read_text(encoding="utf-8").splitlines() if line.strip())


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops a run (its agents are stopped too); killed if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------------------


def _markdown(rows: list[tuple[str, str]]) -> str:
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--spawn", type=int, default=100)
    parser.add_argument("--children", type=int, default=64)
    parser.add_argument("--skip-rss", action="store_true", help="leave out the memory row")
    args = parser.parse_args()
    os.environ.update(GIT_IDENTITY)
    with tempfile.TemporaryDirectory(prefix="cms-bench-engine-") as tmp:
        base = Path(tmp)
        engine_ms_per_interaction(base / "warm-up", 10)
        wall_ms, cpu_ms = engine_costs(base / "engine", args.rounds)
        spawn = spawn_seconds(base / "spawn", args.spawn)
        rows = [
            ("engine ms per interaction", f"{wall_ms:.2f}"),
            ("engine CPU ms per interaction (this process)", f"{cpu_ms:.2f}"),
            (f"spawn of {args.spawn} children (s)", f"{spawn:.3f}"),
        ]
        counts = statement_counts(base / "statements")
        if not args.skip_rss:
            rss = runner_peak_rss_mb(base / "rss", args.children)
            rows.append((f"runner peak RSS with {args.children} children (MB)", f"{rss:.0f}"))
        rows += [
            ("SQL statements per pure-step handle_result", str(counts.pure_step)),
            ("SQL statements per spawn of 10 children", str(counts.spawn)),
            ("SQL statements per cancel of 10 children", str(counts.cancel)),
        ]
    print(f"The sessions engine on SQLite, {os.cpu_count()} CPUs\n")
    print(_markdown(rows))


if __name__ == "__main__":
    main()
