"""Commands and results: the data a step hands to the runner and gets back.

A command is data, never a shell string: one typed model per kind, and every program an
argv list (a shell command's ``programs`` run in order, the first that fails stopping the
rest). What a command means is in its fields, never in the shape of its argv.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from pydantic import ValidationError as PydanticValidationError

from codemyspec.clock import utcnow
from codemyspec.errors import ValidationError


class CommandKind(StrEnum):
    """What the runner must do with a command; each kind is one model below."""

    SHELL = "shell"
    COMMIT = "commit"
    AGENT = "agent"
    SPAWN_SESSIONS = "spawn_sessions"
    PREPARE_WORKSPACE = "prepare_workspace"
    RUN_TESTS = "run_tests"


class ExecutionStrategy(StrEnum):
    """How the runner waits for a command: inline, in the background, or as a queued task."""

    SYNC = "sync"
    ASYNC = "async"
    TASK = "task"


class ResultStatus(StrEnum):
    """How a command's work went."""

    OK = "ok"
    ERROR = "error"
    WARNING = "warning"


def _new_id() -> str:
    return uuid.uuid4().hex


def _runnable(programs: list[list[str]]) -> list[list[str]]:
    for index, argv in enumerate(programs):
        if not argv or not argv[0]:
            raise ValueError(f"program {index} has an empty argv")
        if any("\x00" in arg for arg in argv):
            raise ValueError(f"program {index} has a NUL byte in an argument")
    return programs


class _CommandBase(BaseModel):
    """What every command carries: its id, the step that made it, and how it is awaited."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=_new_id)
    module: str = Field(min_length=1)
    execution_strategy: ExecutionStrategy = ExecutionStrategy.SYNC
    timestamp: datetime = Field(default_factory=utcnow)


class ShellCommand(_CommandBase):
    """Argv programs run in order in the project's tree (an environment's setup)."""

    command: Literal[CommandKind.SHELL] = CommandKind.SHELL
    programs: list[list[str]] = Field(min_length=1)
    #: What an environment's setup works on: the branch it puts the tree on (named in the
    #: report of a refused switch), the repository it clones, the directory it works in.
    branch_name: str | None = None
    repo_url: str | None = None
    working_dir: str | None = None

    @field_validator("programs")
    @classmethod
    def _argv_lists_are_runnable(cls, programs: list[list[str]]) -> list[list[str]]:
        return _runnable(programs)

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return " && ".join(" ".join(argv[:3]) for argv in self.programs)


class IntegratedFile(BaseModel):
    """A file the runner brought into the parent's tree: its blob as the child committed it
    (None: the child deleted it), and the component whose change it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(min_length=1)
    blob: str | None = None
    component: str


class CommitCommand(_CommandBase):
    """Stage ``files``, commit them, then run ``then`` (a push, a ``rev-parse HEAD``).

    With ``only_if_changed`` the commit is left out when ``files`` hold no change: the
    command re-executed after a crash made it already, and only what follows runs again.
    ``integrated``: what the commit must hold, line for line (a context's Finalize); the
    runner compares it with what is staged and commits nothing when one differs.
    """

    command: Literal[CommandKind.COMMIT] = CommandKind.COMMIT
    stage: list[str]
    commit: list[str]
    then: list[list[str]] = Field(default_factory=list)
    files: list[str]
    branch_name: str
    only_if_changed: bool = False
    push: bool = False
    integrated: list[IntegratedFile] = Field(default_factory=list)

    @field_validator("stage", "commit")
    @classmethod
    def _argv_is_runnable(cls, argv: list[str]) -> list[str]:
        return _runnable([argv])[0]

    @field_validator("then")
    @classmethod
    def _argv_lists_are_runnable(cls, programs: list[list[str]]) -> list[list[str]]:
        return _runnable(programs)

    @property
    def programs(self) -> list[list[str]]:
        """Every program, the commit included, in order."""
        return [self.stage, self.commit, *self.then]

    @property
    def committed_files(self) -> int:
        return len(self.files)

    def programs_to_run(self, changed: bool) -> list[list[str]]:
        """The programs to run when ``files`` do (or do not) hold a change."""
        if self.only_if_changed and not changed:
            return [self.stage, *self.then]
        return self.programs

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return " && ".join(" ".join(argv[:3]) for argv in self.programs)


class AgentCommand(_CommandBase):
    """One agent run in ``cwd`` (a worktree), resuming a conversation when one is named."""

    command: Literal[CommandKind.AGENT] = CommandKind.AGENT
    #: The configured agent to run; None means the runner's default.
    agent: str | None = None
    prompt: str
    cwd: str
    resume_conversation_id: str | None = None
    #: Files whose sha256 the result reports, to tell whether the agent changed them.
    watch_files: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return f"agent {self.agent or 'default'} in {self.cwd}"


class ChildToSpawn(BaseModel):
    """A child session a step asks for: the engine creates it, the step only describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(min_length=1)
    component_id: int
    #: For the log line when it cannot be created.
    name: str = ""
    state: dict[str, Any] = Field(default_factory=dict)


class SpawnSessionsCommand(_CommandBase):
    """Run these child sessions (in dependency waves), then report the integrated tree.

    A step leaves ``child_session_ids`` empty and lists ``spawn`` on the first run: the
    engine creates those children in the same transaction and records their ids instead.
    """

    command: Literal[CommandKind.SPAWN_SESSIONS] = CommandKind.SPAWN_SESSIONS
    execution_strategy: ExecutionStrategy = ExecutionStrategy.ASYNC
    child_session_ids: list[int] = Field(default_factory=list)
    spawn: list[ChildToSpawn] = Field(default_factory=list)

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return f"run {len(self.child_session_ids)} components, then validate"


class PrepareWorkspaceCommand(_CommandBase):
    """A worktree on ``branch_name``, made from ``base_branch`` with ``merge_branches`` merged.

    The result reports whether the test and code files exist there, and the text of
    ``read_files`` in the project's own tree (a step reads no file itself).
    """

    command: Literal[CommandKind.PREPARE_WORKSPACE] = CommandKind.PREPARE_WORKSPACE
    branch_name: str
    base_branch: str
    worktree: str
    merge_branches: list[str] = Field(default_factory=list)
    test_file: str
    code_file: str
    read_files: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return f"worktree {self.worktree} on {self.branch_name}"


class RunTestsCommand(_CommandBase):
    """Run one test file in ``cwd``; with ``require_red``, passing tests must fail without
    ``code_file``."""

    command: Literal[CommandKind.RUN_TESTS] = CommandKind.RUN_TESTS
    test_file: str
    code_file: str
    cwd: str
    require_red: bool = False
    #: Pre-flight proved this test file red without its code when its sha256 was this: the
    #: same file, with nothing but the code file changed, needs no run without the code.
    red_proven_sha256: str | None = None
    #: Other components' test files run with it, in the same run: the ones a repair must make
    #: pass again (this component's changes broke them in the integrated tree).
    also_test_files: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        """A one-line summary for logs and timelines."""
        return f"tests {self.test_file}"


#: What one step asks the runner to do: one model per kind, told apart by ``command``.
Command = Annotated[
    ShellCommand
    | CommitCommand
    | AgentCommand
    | SpawnSessionsCommand
    | PrepareWorkspaceCommand
    | RunTestsCommand,
    Field(discriminator="command"),
]
_command: TypeAdapter[Command] = TypeAdapter(Command)


def problems(exc: PydanticValidationError) -> str:
    """Each field Pydantic refused, as ``where.it.is: why``, in one line."""
    known = ", ".join(kind.value for kind in CommandKind)
    found = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(the whole value)"
        if error["type"] == "union_tag_invalid":
            tag = (error.get("ctx") or {}).get("tag")
            found.append(f"command: unknown kind {tag!r} (known: {known})")
        elif error["type"] == "union_tag_not_found":
            found.append(f"command: missing (known kinds: {known})")
        else:
            found.append(f"{where}: {error['msg']}")
    return "; ".join(found)


def parse_command(raw: object, *, what: str = "command") -> Command:
    """A stored or received command; one of an unknown or older shape is a ``ValidationError``
    naming the fields that do not fit (``what`` says whose command it is)."""
    try:
        return _command.validate_python(raw)
    except PydanticValidationError as exc:
        raise ValidationError(
            f"{what} has an unknown or older shape, which this codemyspec cannot run: "
            f"{problems(exc)}"
        ) from None


def replace_nul(value: Any) -> Any:
    """``value`` with every NUL character in its strings (and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {replace_nul(k): replace_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_nul(v) for v in value]
    return value


class Result(BaseModel):
    """What came of a command; ``status`` error is failed work, not broken machinery."""

    model_config = ConfigDict(extra="forbid")

    status: ResultStatus
    data: dict[str, Any] = Field(default_factory=dict)
    code: int | None = None
    error_message: str | None = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: int | None = None
    timestamp: datetime = Field(default_factory=utcnow)

    def storable(self) -> Result:
        """The same result without NUL characters, which process output may hold but no
        database stores in text (and the server refuses)."""
        return Result.model_validate(replace_nul(self.model_dump(mode="json")))

    @classmethod
    def ok(cls, **fields: Any) -> Result:
        """A successful result."""
        return cls(status=ResultStatus.OK, **fields)

    @classmethod
    def error(cls, message: str, **fields: Any) -> Result:
        """A failed result carrying its reason."""
        return cls(status=ResultStatus.ERROR, error_message=message, **fields)
