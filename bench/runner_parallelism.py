"""How close a context run gets to its slowest child, and what the engine costs per step.

usage: .venv/bin/python -m bench.runner_parallelism [--latency 2.0] [--sizes 1 4 16]
                                                    [--agent claude|cli]

For each size N it implements a context of N independent components whose agent waits
``latency`` seconds per reply (``claude``: the real Claude Code CLI against the scripted
model on loopback; ``cli``: the scripted command-line agent), then prints the wall time of
the whole context session, the ideal (its slowest child), the parallel efficiency
(ideal / wall) and the engine's own overhead per interaction, measured with a no-op agent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table
from tests.support.factories import make_account, make_project
from tests.support.git_repos import GIT_IDENTITY, git, make_git_project
from tests.support.sample_project import scripted_agent_argv

from bench.engine import engine_ms_per_interaction
from codemyspec.agents import Agent, ClaudeCodeAgent, CommandAgent
from codemyspec.bootstrap import App, bootstrap
from codemyspec.components import ComponentAttrs, ComponentType
from codemyspec.runner import RunnerConfig
from codemyspec.sessions import Session, SessionAttrs, SessionStatus


def _part(k: int) -> tuple[str, str, str]:
    name = f"Part{k}"
    code = f"def value() -> int:\n    return {k}\n"
    test = (
        f"from shop.parts.part{k} import value\n\n\ndef test_value():\n    assert value() == {k}\n"
    )
    return name, code, test


def _sample(app: App, base: Path, size: int, latency: float) -> tuple[object, Session, dict]:
    project_git = make_git_project(base)
    project_git.write(".gitignore", ".codemyspec/\n__pycache__/\n")
    script: dict[str, list[dict[str, object]]] = {}
    for k in range(1, size + 1):
        _, code, test = _part(k)
        project_git.write(f"tests/parts/test_part{k}.py", test)
        script[f"src/shop/parts/part{k}.py"] = [{"delay": latency, "write": code}]
    git("add", "-A", cwd=project_git.root)
    git("commit", "-q", "-m", "tests", cwd=project_git.root)
    scope, project = make_project(
        app,
        make_account(app, f"bench{size}"),
        project_git.root,
        name=f"bench{size}-{time.monotonic_ns()}",
        code_repo=str(project_git.remote),
    )
    with app.unit_of_work() as uow:
        context = uow.components.create(
            scope, ComponentAttrs(module_name="Parts", type=ComponentType.CONTEXT)
        )
        for k in range(1, size + 1):
            uow.components.create(
                scope, ComponentAttrs(module_name=f"Parts.Part{k}", parent_component_id=context.id)
            )
    script_path = base / "script.json"
    script_path.write_text(json.dumps(script))
    os.environ["SCRIPTED_AGENT_SCRIPT"] = str(script_path)
    session = app.sessions.create_session(
        scope, SessionAttrs(type="ContextCodingSessions", component_id=context.id, agent="bench")
    )
    return (scope, project), session, script


def _agent_time(app: App, scope: object, child: Session) -> float:
    full = app.sessions.get_session(scope, child.id)  # type: ignore[arg-type]
    spans = [
        (i.completed_at - i.started_at).total_seconds()
        for i in full.interactions
        if i.completed_at is not None
    ]
    return sum(spans)


def run_size(app: App, base: Path, size: int, latency: float, agent: Agent) -> dict[str, float]:
    (scope, project), session, _ = _sample(app, base, size, latency)
    runner = app.runner(project, RunnerConfig(), agents={"bench": agent})  # type: ignore[arg-type]
    started = time.monotonic()
    done = runner.run(scope, session.id)  # type: ignore[arg-type]
    wall = time.monotonic() - started
    if done.status is not SessionStatus.COMPLETE:
        raise SystemExit(f"size {size}: the context did not complete: {done.status}")
    ideal = max(_agent_time(app, scope, c) for c in done.child_sessions)
    interactions = 0
    for c in [done, *done.child_sessions]:
        interactions += len(app.sessions.get_session(scope, c.id).interactions)  # type: ignore[arg-type]
    return {"wall": wall, "ideal": ideal, "interactions": interactions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--agent", choices=["cli", "claude"], default="cli")
    args = parser.parse_args()
    os.environ.update(GIT_IDENTITY)
    with contextlib.ExitStack() as stack:
        agent: Agent = CommandAgent("bench", scripted_agent_argv())
        if args.agent == "claude":
            agent = stack.enter_context(_claude_agent(max(args.sizes), args.latency))
        _report(args, agent)


@contextlib.contextmanager
def _claude_agent(size: int, latency: float) -> Iterator[Agent]:
    """The real Claude Code CLI against the scripted model, every reply ``latency`` late."""
    from codemyspec_testing import Reply, ScriptedModel, by_prompt, write

    scripts = {}
    for k in range(1, size + 1):
        path = f"src/shop/parts/part{k}.py"
        scripts[f"write the implementation in: {path}"] = [
            Reply(tool_calls=(write(path, _part(k)[1]),), delay=latency),
            Reply(text="Done.", delay=latency),
        ]
    with (
        tempfile.TemporaryDirectory(prefix="codemyspec-bench-home-") as home,
        ScriptedModel(by_prompt(scripts)) as model,
    ):
        yield ClaudeCodeAgent(env=model.env(home))


def _report(args: argparse.Namespace, agent: Agent) -> None:
    console = Console()
    table = Table(title=f"context runs, agent={args.agent}, latency {args.latency:g}s per reply")
    for column in ("components", "wall (s)", "ideal (s)", "efficiency", "interactions"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="codemyspec-bench-") as tmp:
        app = bootstrap(f"sqlite:///{Path(tmp) / 'bench.db'}")
        for size in args.sizes:
            row = run_size(app, Path(tmp) / f"size{size}", size, args.latency, agent)
            table.add_row(
                str(size),
                f"{row['wall']:.1f}",
                f"{row['ideal']:.1f}",
                f"{row['ideal'] / row['wall']:.0%}",
                f"{row['interactions']:.0f}",
            )
        overhead = engine_ms_per_interaction(Path(tmp) / "overhead")
    console.print(table)
    console.print(
        f"engine overhead per interaction (next_command + handle_result, SQLite): {overhead:.2f} ms"
    )


if __name__ == "__main__":
    main()
