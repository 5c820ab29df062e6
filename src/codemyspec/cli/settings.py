"""``codemyspec.toml``: the project's settings, read with tomllib, written from a template."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from codemyspec.cli.budgets import parse_duration
from codemyspec.cli.profile_comments import PROFILE_COMMENTS
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Language, Layout

CONFIG_FILE = "codemyspec.toml"
STATE_DIR = ".codemyspec"
DATABASE_FILE = "codemyspec.db"
MIN_REDISPATCH_SECONDS = 30.0


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    package: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    language: Language = Language.PYTHON
    design_root: str = "docs/design"
    remote: str | None = None
    test_command: list[str] | None = None


class AgentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: str = "claude_code"
    commands: dict[str, list[str]] = Field(default_factory=dict)


class RunnerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concurrency: int = Field(default=0, ge=0)
    max_fix_rounds: int = Field(default=3, ge=0)
    worktree_setup: list[str] = Field(default_factory=list)
    agent_timeout: float = Field(default=1800.0, gt=0)
    stall_timeout: float = Field(default=300.0, gt=0)
    max_turns: int = Field(default=60, ge=1)
    lease_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    #: Hard limits of each context run, across all its children (none: unlimited).
    budget_usd: float | None = Field(default=None, gt=0)
    budget_tokens: int | None = Field(default=None, gt=0)
    deadline: str | None = None

    @field_validator("deadline")
    @classmethod
    def _a_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class ServerSettings(BaseModel):
    """``[server]``: where remote mode keeps the sessions (the token is never stored here)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    wait_seconds: float = Field(default=300.0, ge=0)
    #: The Celery broker (``redis://...``) of detached runs; ``$CODEMYSPEC_BROKER_URL`` wins.
    broker: str | None = None
    #: How long the server waits before sending a detached session nobody holds again
    #: (default: twice ``[runner] lease_seconds``, at least 30).
    redispatch_seconds: float | None = Field(default=None, gt=0)


class Settings(BaseModel):
    """Everything ``codemyspec.toml`` says."""

    model_config = ConfigDict(extra="forbid")

    project: ProjectSettings
    layout: Layout | None = None
    agent: AgentSettings = Field(default_factory=AgentSettings)
    runner: RunnerSettings = Field(default_factory=RunnerSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @property
    def redispatch_seconds(self) -> float:
        """``[server] redispatch_seconds``, else twice the lease (at least 30 s): a lease
        lapses only after a missed renewal or two, and a worker needs time to claim."""
        if self.server.redispatch_seconds is not None:
            return self.server.redispatch_seconds
        return max(2 * self.runner.lease_seconds, MIN_REDISPATCH_SECONDS)


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``codemyspec.toml``."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigurationError(
        f"no {CONFIG_FILE} in {start} or above: run `codemyspec init` in your repository"
    )


def load_settings(root: Path) -> Settings:
    """Read and validate ``codemyspec.toml``; any mistake names the file and the field."""
    path = root / CONFIG_FILE
    try:
        return Settings.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigurationError(f"{path}: {problems}") from exc


def _toml(value: object) -> str:
    """A TOML value for strings, numbers and lists of strings (JSON spells them alike)."""
    return json.dumps(value)


def _render_layout(layout: Layout | None, language: Language) -> str:
    """``[layout]`` as set, or commented out with the profile's defaults and other layouts."""
    if layout is not None:
        values = "\n".join(
            f"{key} = {_toml(value)}" for key, value in layout.model_dump().items() if value
        )
        return f"[layout]\n{values}"
    return PROFILE_COMMENTS[language].layout


def render_settings(settings: Settings) -> str:
    """The settings as a commented ``codemyspec.toml``, in the words of its language profile."""
    p, a, r, s = settings.project, settings.agent, settings.runner, settings.server
    said = PROFILE_COMMENTS[p.language]
    remote = (
        f"remote = {_toml(p.remote)}" if p.remote else '# remote = "git@example.com:you/repo.git"'
    )
    test = f"test_command = {_toml(p.test_command)}" if p.test_command else said.test_command
    commands = "\n".join(f"{_toml(name)} = {_toml(argv)}" for name, argv in a.commands.items())
    broker = f"broker = {_toml(s.broker)}" if s.broker else '# broker = "redis://localhost:6379/0"'
    redispatch = (
        f"redispatch_seconds = {s.redispatch_seconds:g}"
        if s.redispatch_seconds
        else "# redispatch_seconds = 120"
    )
    budget_usd = f"budget_usd = {r.budget_usd:g}" if r.budget_usd else "# budget_usd = 20"
    budget_tokens = (
        f"budget_tokens = {r.budget_tokens}" if r.budget_tokens else "# budget_tokens = 2000000"
    )
    deadline = f"deadline = {_toml(r.deadline)}" if r.deadline else '# deadline = "2h"'
    return f"""\
# codemyspec settings (the README explains each one)

[project]
name = {_toml(p.name)}
package = {_toml(p.package)}            {said.package}
language = {_toml(p.language.value)}          # python or elixir
design_root = {_toml(p.design_root)}   # design docs: <design_root>/<package>/<context>.md
{remote}
{test}

{_render_layout(settings.layout, p.language)}

[agent]
default = {_toml(a.default)}   # claude_code, or a name under [agent.commands]
# Any CLI agent: the prompt goes on stdin, or in the file named by {{prompt_file}}.
[agent.commands]
# aider = ["aider", "--yes", "--message-file", "{{prompt_file}}"]
{commands}

[runner]
concurrency = {r.concurrency}           # children at once; 0 = all of them
max_fix_rounds = {r.max_fix_rounds}        # fix rounds before a component fails
{said.worktree_setup}
worktree_setup = {_toml(r.worktree_setup)}
agent_timeout = {r.agent_timeout:g}      # seconds per agent run
stall_timeout = {r.stall_timeout:g}       # claude_code: seconds the model may stay silent
max_turns = {r.max_turns}            # agent turns per run
lease_seconds = {r.lease_seconds:g}      # a dead runner's sessions go to another after this
poll_seconds = {r.poll_seconds:g}        # how often a runner looks at children other runners hold
# Hard limits per context run, for all its agents together (--budget, --deadline win):
{budget_usd}           # dollars (claude_code's own cost report)
{budget_tokens}   # input + output tokens
{deadline}             # how long a run may take: 90s, 45m, 2h, 1h30m

[server]
# The server of `implement --server` (the token comes from $CODEMYSPEC_TOKEN or
# .codemyspec/token, never from this file).
{f"url = {_toml(s.url)}" if s.url else '# url = "https://codemyspec.example.com"'}
wait_seconds = {s.wait_seconds:g}   # a run waits this long for a server that stops answering
# Detached runs (`implement --detach`), where `codemyspec serve` and the workers run:
{broker}   # or $CODEMYSPEC_BROKER_URL
{redispatch}   # resend a detached session nobody holds after this
"""
