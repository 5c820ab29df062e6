"""``codemyspec demo``: init, sync and implement on an example project, with a scripted model.

Everything happens in a temp directory: a bare ``remote.git`` and a ``shop`` repository
holding the example's design docs and unit tests. The real Claude Code CLI implements the
``Billing`` context, but its replies come from a script on 127.0.0.1 (no key, no network),
so the demo shows the flow, never what a real model would write.

The scripted model and the example live in ``codemyspec_testing``, outside the product:
they are imported here, inside the command, and nowhere else in ``codemyspec``. The example
project's tests run with this interpreter's pytest, which the ``demo`` extra installs.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codemyspec.agents import Agent, ClaudeCodeAgent
from codemyspec.bootstrap import default_shell
from codemyspec.cli.git import Git
from codemyspec.cli.local import Local, open_local
from codemyspec.cli.running import CLAUDE_CODE, implement
from codemyspec.cli.settings import CONFIG_FILE, ProjectSettings, Settings
from codemyspec.cli.setup_commands import sync_and_show, write_settings
from codemyspec.errors import ConfigurationError
from codemyspec.sessions import Session, SessionState, SessionStatus

NOTICE = (
    "[bold yellow]This demo uses a scripted stand-in for the AI model:[/] no API key, no "
    "network. The real Claude Code CLI runs and edits files, but every reply it gets comes "
    "from a fixed script served on 127.0.0.1, so the code it writes was written in advance."
)
GIT_USER = ("codemyspec demo", "demo@codemyspec.invalid")
DEMO_EXTRA = "pip install 'codemyspec[demo]'"


def _git(git: Git, *args: str) -> str:
    """Run git; a failure stops the demo with git's own words."""
    done = git(*args)
    if done.not_found:
        raise ConfigurationError("the demo needs git, which was not found on PATH")
    if not done.ok:
        raise ConfigurationError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _commit_all(git: Git, message: str) -> None:
    _git(git, "add", "-A")
    _git(git, "commit", "-q", "-m", message)
    _git(git, "push", "-q", "-u", "origin", "main")


def _make_repository(base: Git) -> tuple[Git, Path]:
    """A ``shop`` repository holding the example on ``main``, pushed to a bare remote."""
    from codemyspec_testing import EXAMPLE_FILES

    remote, root = base.root / "remote.git", Git(base.shell, base.root / "shop")
    _git(base, "init", "-q", "--bare", "-b", "main", str(remote))
    root.root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    # Local settings only: the user's own identity and signing setup are not the demo's.
    _git(root, "config", "user.name", GIT_USER[0])
    _git(root, "config", "user.email", GIT_USER[1])
    _git(root, "config", "commit.gpgsign", "false")
    _git(root, "remote", "add", "origin", str(remote))
    for relative, text in EXAMPLE_FILES.items():
        path = root.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _commit_all(root, "Example shop: design docs and unit tests")
    return root, remote


def _test_command() -> list[str]:
    """This interpreter's pytest: the example's tests run with it, nothing else is assumed."""
    if importlib.util.find_spec("pytest") is None:
        raise ConfigurationError(
            f"the demo runs the example project's tests with pytest, which this Python "
            f"({sys.executable}) cannot import: {DEMO_EXTRA}"
        )
    return [sys.executable, "-m", "pytest"]


def _init(root: Git, remote: Path, test_command: list[str]) -> Local:
    """What ``codemyspec init`` does, committed so the run starts from a clean tree."""
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", remote=str(remote), test_command=test_command
        )
    )
    write_settings(root.root, settings)
    _commit_all(root, "codemyspec init")
    return open_local(root.root)


def _implement(local: Local, home: Path, console: Console) -> tuple[Session, list[str]]:
    """The implement flow with Claude Code pointed at the scripted model; its problems too."""
    from codemyspec_testing import CONTEXT_NAME, ScriptedModel, example_script

    with ScriptedModel(example_script(), strict=False) as model:
        agents: dict[str, Agent] = {CLAUDE_CODE: ClaudeCodeAgent(env=model.env(home))}
        session = implement(
            local, CONTEXT_NAME, agent=CLAUDE_CODE, agents=agents, console=console
        ).session
    return session, model.errors


def _show_remote(remote: Git, branch: str | None, console: Console) -> None:
    console.print(f"\n[bold]the remote[/] {remote.root}:", soft_wrap=True)
    heads = _git(remote, "ls-remote", "--heads", str(remote.root)).rstrip()
    console.print(heads.replace("\t", "  "), highlight=False, soft_wrap=True)
    if branch:
        last = _git(remote, "log", "--oneline", "-1", branch).rstrip()
        console.print(f"{branch}: {last}", highlight=False, soft_wrap=True)


def _run(base: Path, test_command: list[str], console: Console) -> bool:
    """The demo's steps; True when the session completed and the script had no problems."""
    from codemyspec_testing import CONTEXT_NAME, EXAMPLE_FILES

    console.print("\n[bold]1. the example project[/] (git repository with a bare remote)")
    # No app yet: git runs through the composition root's shell until open_local makes one.
    root, remote = _make_repository(Git(default_shell(), base))
    console.print(
        f"   {root.root}: {len(EXAMPLE_FILES)} files committed and pushed on main", soft_wrap=True
    )
    console.print(f"\n[bold]2. init[/]: wrote {CONFIG_FILE}, committed it")
    local = _init(root, remote, test_command)
    try:
        console.print("\n[bold]3. sync[/]: the design docs become the component tree")
        sync_and_show(local, console)
        console.print(
            f"\n[bold]4. implement {CONTEXT_NAME}[/] with Claude Code and the scripted model"
        )
        session, problems = _implement(local, base / "claude-home", console)
    finally:
        local.app.close()
    _show_remote(Git(root.shell, remote), SessionState.of(session).branch_name, console)
    for problem in problems:
        console.print(f"[red]scripted model problem:[/] {problem}", highlight=False)
    complete = session.status is SessionStatus.COMPLETE and not problems
    verdict = "[green]demo complete[/]" if complete else "[red]demo failed[/]"
    console.print(
        f"\n{verdict}: the model was scripted, no real model was asked anything "
        "(the agents' cost above is the CLI's estimate for the scripted replies; nothing "
        "was billed)"
    )
    return complete


def demo(
    keep: Annotated[
        bool, typer.Option("--keep", help="keep the temp directory and print its path")
    ] = False,
) -> None:
    """Run init, sync and implement on an example project, with a scripted model (no API key)."""
    test_command = _test_command()  # before anything is made: without pytest, say what to install
    console = Console()
    console.print(NOTICE)
    base = Path(tempfile.mkdtemp(prefix="codemyspec-demo-"))
    try:
        complete = _run(base, test_command, console)
    finally:
        if keep:
            console.print(f"\nkept the demo's files in {base}", highlight=False, soft_wrap=True)
        else:
            shutil.rmtree(base, ignore_errors=True)
    if not complete:
        raise typer.Exit(1)
