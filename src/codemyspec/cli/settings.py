"""``codemyspec.toml``: the project's settings, read with tomllib, written from a template."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from codemyspec.cli.budgets import parse_duration
from codemyspec.cli.profile_comments import PROFILE_COMMENTS
from codemyspec.context_coding_sessions import FlakyTests, PreexistingFailures, check_template
from codemyspec.errors import ConfigurationError, ValidationError
from codemyspec.notify import NotifyEvent
from codemyspec.projects import Language, Layout, check_relative_path

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
    rate_limit_retries: int = Field(default=6, ge=0)
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


# --- [notify] and [forge] (issue 18, items 3 and 6) ---
class NotifySettings(BaseModel):
    """``[notify]``: who hears when a run needs a person or completed; never blocks a run."""

    model_config = ConfigDict(extra="forbid")

    webhook: str | None = Field(default=None, pattern=r"^https?://\S+$")
    command: list[str] | None = Field(default=None, min_length=1)
    events: list[NotifyEvent] = Field(
        default_factory=lambda: [NotifyEvent.NEEDS_PERSON, NotifyEvent.COMPLETE]
    )
    tries: int = Field(default=3, ge=1, le=10)
    retry_seconds: float = Field(default=2.0, ge=0)
    timeout: float = Field(default=10.0, gt=0)
    #: How long a finished run waits for deliveries still in flight.
    grace_seconds: float = Field(default=5.0, ge=0)

    @field_validator("command")
    @classmethod
    def _runnable(cls, argv: list[str] | None) -> list[str] | None:
        if argv is not None and not argv[0]:
            raise ValueError("the command's program (its first element) is empty")
        return argv


class ForgeSettings(BaseModel):
    """``[forge]``: the forge's own CLI, as an argv template, opens a pull request."""

    model_config = ConfigDict(extra="forbid")

    pull_request: list[str] | None = None

    @field_validator("pull_request")
    @classmethod
    def _known_placeholders(cls, argv: list[str] | None) -> list[str] | None:
        return None if argv is None else check_template(argv)


class ValidationSettings(BaseModel):
    """``[validation]``: what validation runs beyond the components' tests, and how a test
    that already failed before the run counts."""

    model_config = ConfigDict(extra="forbid")

    #: Test files or folders, relative to the root, run with the context's own tests.
    tests: list[str] = Field(default_factory=list)
    preexisting_failures: PreexistingFailures = PreexistingFailures.REPORT
    #: A test that failed, then passed on a re-run: a failure ("fail"), or it may pass
    #: ("pass"); it is reported either way.
    flaky_tests: FlakyTests = FlakyTests.FAIL

    @field_validator("tests")
    @classmethod
    def _inside(cls, paths: list[str]) -> list[str]:
        try:
            return [check_relative_path(p, "path") for p in paths]
        except ValidationError as exc:  # as pydantic's own, so the message names the file
            raise ValueError(str(exc)) from None


class Settings(BaseModel):
    """Everything ``codemyspec.toml`` says."""

    model_config = ConfigDict(extra="forbid")

    project: ProjectSettings
    layout: Layout | None = None
    agent: AgentSettings = Field(default_factory=AgentSettings)
    runner: RunnerSettings = Field(default_factory=RunnerSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    forge: ForgeSettings = Field(default_factory=ForgeSettings)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)

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
    notify_and_forge = _render_notify_and_forge(settings.notify, settings.forge)
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
rate_limit_retries = {r.rate_limit_retries}   # tries again when the model is too busy (429, 529)
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
{_render_validation(settings.validation)}{notify_and_forge}"""


def _render_validation(v: ValidationSettings) -> str:
    return f"""
[validation]
# Validation runs every component's tests and the context's own (its test folder's other
# files), plus these files or folders; a test failing there that failed before the run
# too is shown as pre-existing, and blocks the run only with "block".
tests = {_toml(v.tests)}
preexisting_failures = {_toml(v.preexisting_failures.value)}   # report or block
# A test that failed, then passed on a re-run, is reported as flaky; "fail" counts it
# as a failure, "pass" lets it pass.
flaky_tests = {_toml(v.flaky_tests.value)}
"""


def _render_notify_and_forge(n: NotifySettings, f: ForgeSettings) -> str:
    """``[notify]`` and ``[forge]``, commented examples where nothing is set."""
    webhook = (
        f"webhook = {_toml(n.webhook)}"
        if n.webhook
        else '# webhook = "https://hooks.example.com/codemyspec"'
    )
    command = (
        f"command = {_toml(n.command)}"
        if n.command
        else '# command = ["notify-send", "codemyspec"]   # argv; the JSON comes on stdin'
    )
    pull_request = (
        f"pull_request = {_toml(f.pull_request)}"
        if f.pull_request
        else '# pull_request = ["gh", "pr", "create", "--title", "{title}", "--body", "{body}", '
        '"--head", "{branch}", "--base", "{base}"]'
    )
    return f"""
[notify]
# Told (one JSON body) when a run needs a person or completes; never blocks the run.
{webhook}
{command}
events = {_toml([e.value for e in n.events])}   # needs_person, complete
tries = {n.tries}              # attempts per target, backing off retry_seconds, then twice...
retry_seconds = {n.retry_seconds:g}
timeout = {n.timeout:g}          # seconds per attempt
grace_seconds = {n.grace_seconds:g}     # a finished run waits this long for deliveries

[forge]
# After Finalize pushed: the forge's CLI opens a pull request ({{title}}, {{body}},
# {{branch}}, {{base}} are filled in; never through a shell). glab: ["glab", "mr", "create", ...]
{pull_request}
"""
