"""The composition root: the one place concrete databases, shells and workflows are chosen."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from codemyspec.accounts import AccountRepository
from codemyspec.agents import Agent, ClaudeCodeAgent
from codemyspec.clock import Clock, utcnow
from codemyspec.component_coding_sessions import SESSION_TYPE as COMPONENT_SESSION_TYPE
from codemyspec.component_coding_sessions import orchestrator as component_orchestrator
from codemyspec.components import ComponentRepository
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.context_coding_sessions import orchestrator as context_orchestrator
from codemyspec.db import Backoff, Database, NotificationListener, notify
from codemyspec.environments import agent_test_commands
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Project, ProjectRepository
from codemyspec.runner import CommandExecutor, GitWorktrees, Observer, Runner, RunnerConfig
from codemyspec.service_layer import DispatchSignal, SessionsService
from codemyspec.sessions import (
    EVENTS_CHANNEL,
    EventBus,
    EventEncoder,
    OrchestratorRegistry,
    SessionRepository,
    SessionsPort,
    decode_event,
)
from codemyspec.shell import Shell, SubprocessShell

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnitOfWork:
    """Every repository bound to one transaction."""

    accounts: AccountRepository
    projects: ProjectRepository
    components: ComponentRepository
    sessions: SessionRepository


class App:
    """A database with its engine, registry and event bus, ready for entrypoints."""

    def __init__(
        self,
        database: Database,
        shell: Shell | None = None,
        clock: Clock = utcnow,
        *,
        dispatch: DispatchSignal | None = None,
    ) -> None:
        self.database = database
        self.shell: Shell = shell or default_shell()
        self.events = EventBus()
        self.origin = uuid.uuid4().hex
        """This app's mark on the events it sends to other processes, to know its own."""
        self._encoder = EventEncoder(self.origin)
        self._relays = database.engine.dialect.name == "postgresql"
        self.registry = OrchestratorRegistry(
            {
                CONTEXT_SESSION_TYPE: context_orchestrator,
                COMPONENT_SESSION_TYPE: component_orchestrator,
            }
        )
        self.sessions = SessionsService(
            self.unit_of_work, self.registry, clock=clock, dispatch=dispatch
        )

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[UnitOfWork]:
        """One transaction over every repository; session events are published after commit.

        On PostgreSQL they are also sent (``NOTIFY``) to the other processes on the database
        from inside the transaction, so only a commit sends them.
        ``read_only``: the block only reads (on SQLite it then takes no write lock).
        """
        with self.database.transaction(read_only=read_only) as orm:
            work = UnitOfWork(
                accounts=AccountRepository(orm),
                projects=ProjectRepository(orm),
                components=ComponentRepository(orm),
                sessions=SessionRepository(orm),
            )
            yield work
            if self._relays and work.sessions.events:
                payloads = [self._encoder.encode(event) for event in work.sessions.events]
                notify(orm, EVENTS_CHANNEL, payloads)
        for event in work.sessions.events:
            self.events.publish(event)

    def relay_events(
        self, *, ready_seconds: float = 10.0, backoff: Backoff | None = None
    ) -> NotificationListener | None:
        """On PostgreSQL, start publishing here the events other processes write (a server's
        subscribers hear every server); None on SQLite, which one process has to itself.
        Waits up to ``ready_seconds`` for the listener to be listening; stop it when done."""
        if not self._relays:
            return None
        listener = NotificationListener(
            self.database.url, EVENTS_CHANNEL, self._republish, backoff=backoff or Backoff()
        )
        if not listener.start(ready_seconds=ready_seconds):
            log.warning("events of other server processes are not heard yet; still trying")
        return listener

    def _republish(self, payload: str) -> None:
        """Another process's event to this one's subscribers; this app's own were published
        when they committed, so they are skipped, never heard twice."""
        relayed = decode_event(payload)
        if relayed is not None and relayed.origin != self.origin:
            self.events.publish(relayed.event)

    def runner(
        self,
        project: Project,
        config: RunnerConfig | None = None,
        *,
        agents: dict[str, Agent] | None = None,
        cancel: threading.Event | None = None,
        observer: Observer | None = None,
        engine: SessionsPort | None = None,
        clock: Clock = utcnow,
    ) -> Runner:
        """A runner for a project with a local working tree (Claude Code unless told otherwise).

        ``engine`` is where the sessions live: this app's own by default, or a server's;
        ``clock`` reads the time against a run's deadline.
        """
        if project.root is None:
            raise ConfigurationError(f"project {project.name!r} has no local root to run in")
        config = config or RunnerConfig()
        root = Path(project.root)
        executor = CommandExecutor(
            project,
            root,
            self.shell,
            agents if agents is not None else _default_agents(project),
            config,
            GitWorktrees(root, self.shell, config.program_timeout),
        )
        return Runner(
            engine or self.sessions, executor, config, cancel=cancel, observer=observer, clock=clock
        )

    def close(self) -> None:
        self.database.dispose()


def default_shell() -> Shell:
    """The real shell (subprocesses, argv only): for an app, and for the command line's git
    before it has opened one (``init``, the demo's setup)."""
    return SubprocessShell()


def _default_agents(project: Project) -> dict[str, Agent]:
    """Claude Code, allowed to run the project's test commands and nothing else."""
    tests = agent_test_commands(project.language, project.test_command)
    return {ClaudeCodeAgent.name: ClaudeCodeAgent(bash_allowed=tests)}


def bootstrap(
    database_url: str,
    *,
    shell: Shell | None = None,
    clock: Clock = utcnow,
    dispatch: DispatchSignal | None = None,
) -> App:
    """Open (and migrate) the database at ``database_url`` and wire everything to it.

    ``clock`` dates session claims; tests pass one they can move. ``dispatch`` is the
    server's dispatcher (a broker is configured): detached sessions are possible then.
    """
    return App(Database(database_url), shell=shell, clock=clock, dispatch=dispatch)
