"""Typed views of a session's JSON state, one model per workflow.

The state stays one JSON column (the API's clients may keep keys of their own there, which
these views leave alone); a workflow reads its own fields through its model, so a field
of an unknown or older shape is a ``ValidationError`` naming it, never a ``KeyError``.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from codemyspec.commands import Result, problems
from codemyspec.errors import ValidationError
from codemyspec.sessions.models import Session


class _StoredView(BaseModel):
    """A typed view of stored JSON: its own fields checked, other keys ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def _read(cls, data: object, whose: str) -> Self:
        """``data`` as this model, or the ``ValidationError`` naming the fields that misfit."""
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(
                f"{whose} has an unknown or older shape: {problems(exc)}"
            ) from None


class WorkflowState(_StoredView):
    """The fields one workflow keeps in a session's state; other keys are ignored."""

    @classmethod
    def of(cls, session: Session) -> Self:
        """The session's state as this workflow reads it."""
        return cls._read(session.state, f"the state of session {session.id}")

    @classmethod
    def patch(cls, **fields: Any) -> dict[str, Any]:
        """Only ``fields``, checked against the model, as JSON for a ``SessionUpdate``."""
        if unknown := sorted(set(fields) - set(cls.model_fields)):
            raise ValidationError(f"{cls.__name__} has no field {', '.join(unknown)}")
        return cls.model_validate(fields).model_dump(mode="json", include=set(fields))


class SessionState(WorkflowState):
    """What every workflow's state has: the branch the session works on, and why it stopped
    (what listings read without knowing the workflow)."""

    branch_name: str | None = None
    error: str | None = None


class ResultData(_StoredView):
    """A command's result data as a step reads it (other keys, such as usage, are ignored)."""

    @classmethod
    def of(cls, result: Result) -> Self:
        """The result's data as this model, or the ``ValidationError`` naming what is wrong."""
        return cls._read(result.data, "result data")
