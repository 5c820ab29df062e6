"""A context run's hard limits (budget, deadline) and what its agents spent against them.

Both live in the context session's state, so every runner driving its children (a detached
run's workers, a later ``resume``) enforces the same limits against the same spend. The
engine only stores them: the runner counts and stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.errors import ValidationError

#: How a child stopped by a limit begins its error (``budget: $5.01 spent of $5.00``).
BUDGET_REASON = "budget: "
DEADLINE_REASON = "deadline: "


class RunLimits(BaseModel):
    """None everywhere: unlimited. ``deadline`` is absolute (UTC); ``deadline_given`` is
    what the user wrote (``2h``), for messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    budget_usd: float | None = Field(default=None, gt=0)
    budget_tokens: int | None = Field(default=None, gt=0)
    deadline: datetime | None = None
    deadline_given: str | None = Field(default=None, max_length=100)

    @property
    def has_budget(self) -> bool:
        return self.budget_usd is not None or self.budget_tokens is not None

    @property
    def unlimited(self) -> bool:
        return not self.has_budget and self.deadline is None

    def raised(self, by: RunLimits) -> RunLimits:
        """These limits with every limit ``by`` sets replacing this one's."""
        given = by.model_dump(exclude_none=True)
        if by.deadline is not None and by.deadline_given is None:
            given["deadline_given"] = None
        return self.model_copy(update=given)


class Spend(BaseModel):
    """What a context run's agents spent, over every attempt of every child."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cost_usd: float = Field(default=0.0, ge=0)
    tokens: int = Field(default=0, ge=0)

    def plus(self, cost_usd: float = 0.0, tokens: int = 0) -> Spend:
        return Spend(cost_usd=self.cost_usd + cost_usd, tokens=self.tokens + tokens)


def usage_tokens(usage: Mapping[str, float]) -> int:
    """An agent run's tokens as the budget counts them: input plus output."""
    return int(usage.get("input_tokens", 0) + usage.get("output_tokens", 0))


def limit_reached(
    limits: RunLimits, spent: Spend, now: datetime, *, usd_spent: bool = False
) -> str | None:
    """Why the run must stop (the budget spent, the deadline passed), or None.

    ``usd_spent``: an agent stopped at the dollars it was given (the remainder), which the
    cost it reports may fall a little short of.
    """
    if limits.budget_usd is not None and (usd_spent or spent.cost_usd >= limits.budget_usd):
        return f"{BUDGET_REASON}{money(spent.cost_usd)} spent of {money(limits.budget_usd)}"
    if limits.budget_tokens is not None and spent.tokens >= limits.budget_tokens:
        return f"{BUDGET_REASON}{spent.tokens:,} tokens of {limits.budget_tokens:,}"
    if limits.deadline is not None and now >= limits.deadline:
        return f"{DEADLINE_REASON}{deadline_words(limits)}"
    return None


def deadline_words(limits: RunLimits) -> str:
    """'2h passed at 14:05 UTC', or '2026-05-01 14:05 UTC passed'."""
    if limits.deadline is None:
        return "none"
    at = limits.deadline.astimezone(UTC)
    if limits.deadline_given:
        return f"{limits.deadline_given} passed at {at:%H:%M} UTC"
    return f"{at:%Y-%m-%d %H:%M} UTC passed"


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def spend_against(limits: RunLimits, spent: Spend) -> str:
    """'$1.20 of $5.00 · 80,000 tokens of 200,000' (each limit shown only when set)."""
    cost = money(spent.cost_usd) + (
        f" of {money(limits.budget_usd)}" if limits.budget_usd is not None else ""
    )
    tokens = f"{spent.tokens:,} tokens" + (
        f" of {limits.budget_tokens:,}" if limits.budget_tokens is not None else ""
    )
    return f"{cost} · {tokens}"


def refuse_when_spent(session_id: int, limits: RunLimits, spent: Spend, now: datetime) -> None:
    """Refuse to continue a run whose limit is reached: raise its limit first."""
    reached = limit_reached(limits, spent, now)
    if reached is None:
        return
    if reached.startswith(DEADLINE_REASON):
        raise ValidationError(
            f"session {session_id}'s {reached}; pass --deadline with a later one "
            f"(e.g. `codemyspec sessions retry {session_id} --deadline 1h`)"
        )
    raise ValidationError(
        f"session {session_id} has spent its budget ({reached.removeprefix(BUDGET_REASON)}); "
        f"pass --budget with more to continue (e.g. `codemyspec sessions retry {session_id} "
        f"--budget {_example(limits, spent)}`)"
    )


def _example(limits: RunLimits, spent: Spend) -> str:
    if limits.budget_usd is not None and spent.cost_usd >= limits.budget_usd:
        return f"{max(limits.budget_usd * 2, spent.cost_usd + 1):.0f}"
    tokens = max((limits.budget_tokens or 0) * 2, spent.tokens + 100_000)
    return f"{-(-tokens // 1000)}ktokens"
