"""Waits for a busy model, kept apart from errors: a run that waited is not a run that failed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: How an answer without an HTTP status (a broken connection) is counted.
NO_STATUS = "no status"
TIMES = "\N{MULTIPLICATION SIGN}"


def duration(seconds: float) -> str:
    """``40 s`` under a minute, ``3m10s`` above."""
    whole = round(seconds)
    return f"{whole} s" if whole < 60 else f"{whole // 60}m{whole % 60:02d}s"


class ModelWaits(BaseModel):
    """How long the agents waited for a busy model, and the answers that made them wait
    (by HTTP status: ``{"429": 2, "529": 1}``)."""

    model_config = ConfigDict(frozen=True)

    seconds: float = 0.0
    answers: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def of(cls, waits: list[tuple[int | None, float]]) -> ModelWaits:
        """From (status, seconds) pairs."""
        answers: dict[str, int] = {}
        for status, _ in waits:
            key = str(status) if status is not None else NO_STATUS
            answers[key] = answers.get(key, 0) + 1
        return cls(seconds=sum(seconds for _, seconds in waits), answers=answers)

    def plus(self, other: ModelWaits | None) -> ModelWaits:
        if other is None:
            return self
        answers = dict(self.answers)
        for key, count in other.answers.items():
            answers[key] = answers.get(key, 0) + count
        return ModelWaits(seconds=self.seconds + other.seconds, answers=answers)

    def __bool__(self) -> bool:
        return bool(self.answers)

    def describe(self) -> str:
        """``40 s for the model (429 x2, 529 x1)``, with a multiplication sign for the x."""
        counts = ", ".join(f"{key} {TIMES}{n}" for key, n in sorted(self.answers.items()))
        return f"{duration(self.seconds)} for the model ({counts})"
