"""What a context run's agents spent: live on the progress board, and in the final report
(per component, and the total against the budget)."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemyspec.commands import Result
from codemyspec.context_coding_sessions import (
    BUDGET_REASON,
    DEADLINE_REASON,
    ContextState,
    RunLimits,
    Spend,
    money,
    spend_against,
    usage_tokens,
)
from codemyspec.sessions import Session, SessionStatus


@dataclass
class LiveSpend:
    """The run's spend as recorded when the board last saw the context session, plus every
    agent run finished since (the observer sees each one's usage)."""

    limits: RunLimits | None = None
    recorded: Spend = field(default_factory=Spend)
    since: Spend = field(default_factory=Spend)

    def observe(self, session: Session, result: Result | None) -> None:
        if session.session_id is None:
            state = ContextState.of(session)
            self.limits, self.recorded, self.since = state.limits, state.spent, Spend()
            return
        usage = result.data.get("usage") if result is not None else None
        if isinstance(usage, dict):
            numbers = {k: float(v) for k, v in usage.items() if isinstance(v, int | float)}
            self.since = self.since.plus(numbers.get("cost_usd", 0.0), usage_tokens(numbers))

    def text(self) -> str:
        """'$1.20 of $5.00 · 80,000 tokens', or '' before anything was spent or limited."""
        limits = self.limits or RunLimits()
        total = self.recorded.plus(self.since.cost_usd, self.since.tokens)
        if limits.unlimited and total == Spend():
            return ""
        return spend_against(limits, total)


def limit_stops(session: Session) -> list[str]:
    """The reasons children were stopped by the run's budget or deadline."""
    return [
        error
        for child in session.child_sessions
        if child.status is SessionStatus.CANCELLED
        and isinstance(error := child.state.get("error"), str)
        and error.startswith((BUDGET_REASON, DEADLINE_REASON))
    ]


def spend_lines(session: Session, ident: str) -> list[str]:
    """The total against the budget and each component's share, when the run has limits or
    one stopped it; then how to continue."""
    state = ContextState.of(session)
    stops = limit_stops(session)
    if state.limits.unlimited and not stops:
        return []
    lines = [f"spent   {spend_against(state.limits, state.spent)}"]
    lines += [
        f"  {name}: {money(share.cost_usd)}, {share.tokens:,} tokens"
        for name, share in sorted(state.spent_by.items())
    ]
    if stops:
        option = "--deadline LATER" if stops[0].startswith(DEADLINE_REASON) else "--budget MORE"
        lines.append(
            f"stopped by the run's {stops[0]}: `codemyspec sessions retry {ident} {option}` "
            "continues"
        )
    return lines
