"""The one exception hierarchy of codemyspec: machinery that breaks, never work that fails.

Work that fails (tests fail, a child failed) is a ``Result`` with status error; the
exceptions below are for what a caller must stop on::

    CodeMySpecError
    ├── NotFoundError              a row is missing, or belongs to another scope
    ├── AuthenticationError        no token, an unknown one or a revoked one (server mode)
    ├── ValidationError            bad input (a name, a path, a module name, attrs)
    ├── ConfigurationError         a setting or a database that cannot be used
    ├── PersistenceError           the database refused a write (or failed a read)
    │   └── InteractionConflictError a second pending interaction for one session
    ├── ServerUnavailableError     the codemyspec server could not be reached (remote mode)
    ├── UnknownSessionTypeError    no orchestrator registered for a session type
    ├── WorkflowError              what an orchestrator or engine says instead of a step
    │   ├── SessionCompleteError   the workflow has nothing left to do
    │   ├── SessionNotActiveError  the session is failed or cancelled
    │   ├── InvalidInteractionError the last interaction names no step of the workflow
    │   ├── InvalidStateError      a combination the routing table cannot reach
    │   ├── ResultAlreadyRecordedError a second result for one interaction
    │   └── SessionClaimedError    another runner holds the session's lease
    └── StepError                  a step cannot produce its command (the seed's errors)
"""

from __future__ import annotations


class CodeMySpecError(Exception):
    """Base of every error codemyspec raises on purpose."""


class NotFoundError(CodeMySpecError):
    """A row does not exist in the caller's scope (never says whether it exists elsewhere)."""


class AuthenticationError(CodeMySpecError):
    """A request without a valid bearer token: missing, unknown or revoked."""


class ValidationError(CodeMySpecError):
    """Input that cannot be accepted; the message names the thing that was wrong."""


class ConfigurationError(CodeMySpecError):
    """A setting, a database or a project that cannot be used as configured."""


class PersistenceError(CodeMySpecError):
    """The database refused a write (a constraint, a lock, a trigger) or failed a read; the
    transaction was rolled back, so nothing of it was kept."""


class InteractionConflictError(PersistenceError):
    """The database refused a new interaction: the session has a pending one already (or
    another caller stored one first), which the engine then hands out instead."""


class ServerUnavailableError(CodeMySpecError):
    """The codemyspec server did not answer (remote mode); nothing was changed by this call."""


class UnknownSessionTypeError(CodeMySpecError):
    """No orchestrator is registered for the session type."""


class WorkflowError(CodeMySpecError):
    """The workflow cannot hand out a next step."""


class SessionCompleteError(WorkflowError):
    """The session's workflow is finished: there is no next command."""


class SessionNotActiveError(WorkflowError):
    """The session is failed or cancelled, so it takes no new command."""


class InvalidInteractionError(WorkflowError):
    """The last completed interaction was made by a step the workflow does not know."""


class InvalidStateError(WorkflowError):
    """The interactions form a combination the routing table cannot reach."""


class ResultAlreadyRecordedError(WorkflowError):
    """A result was already stored for this interaction; a second one is refused."""


class StepError(CodeMySpecError):
    """A step cannot describe its command (the seed's ``{:error, reason}`` from get_command)."""


class SessionClaimedError(WorkflowError):
    """Another runner holds the session's claim and its lease has not expired."""
