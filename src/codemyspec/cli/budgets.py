"""``--budget`` and ``--deadline`` (and ``[runner] budget_usd|budget_tokens|deadline``):
read as a context run's ``RunLimits``; a bad value names the option and the value."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

import typer

from codemyspec.context_coding_sessions import RunLimits
from codemyspec.errors import ValidationError

BudgetOption = Annotated[
    list[str] | None,
    typer.Option(
        help="stop the run's agents when it is spent: dollars (5, 5.50, $5, 5usd) and/or "
        "tokens (200ktokens, 2M-tokens, 150000 tokens); repeat for both"
    ),
]
DeadlineOption = Annotated[
    str | None,
    typer.Option(
        help="stop the run's agents after this long (90s, 45m, 2h, 1h30m) or at this time "
        "(ISO 8601 with a zone, e.g. 2026-05-01T18:00+02:00)"
    ),
]

DOLLARS = re.compile(r"^\$?\s*(\d+(?:\.\d+)?)\s*(?:usd)?$", re.IGNORECASE)
TOKENS = re.compile(r"^(\d+(?:\.\d+)?)\s*([km]?)\s*-?\s*tokens?$", re.IGNORECASE)
DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$", re.IGNORECASE)
MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000}
BUDGET_FORMS = "dollars (5, 5.50, $5, 5usd) or tokens (200ktokens, 2M-tokens, 150000 tokens)"


def parse_budgets(values: list[str]) -> tuple[float | None, int | None]:
    """The dollars and the tokens ``--budget`` gave (each at most once)."""
    usd: float | None = None
    tokens: int | None = None
    for value in values:
        text = value.strip()
        if dollars := DOLLARS.match(text):
            if usd is not None:
                raise ValidationError(f"--budget {value!r}: a dollar budget was given already")
            usd = _positive(float(dollars.group(1)), value)
        elif counted := TOKENS.match(text):
            if tokens is not None:
                raise ValidationError(f"--budget {value!r}: a token budget was given already")
            number = float(counted.group(1)) * MULTIPLIERS[counted.group(2).lower()]
            tokens = int(_positive(number, value))
        else:
            raise ValidationError(f"--budget {value!r}: expected {BUDGET_FORMS}")
    return usd, tokens


def _positive(number: float, value: str) -> float:
    if number <= 0:
        raise ValidationError(f"--budget {value!r}: a budget must be more than 0")
    return number


def parse_duration(text: str) -> timedelta:
    """``90s``, ``45m``, ``2h``, ``1h30m``; ValueError (saying what is expected) otherwise."""
    found = DURATION.match(text.strip())
    if not found or not any(found.groups()):
        raise ValueError(f"{text!r} is not a duration (90s, 45m, 2h, 1h30m)")
    hours, minutes, seconds = (int(g or 0) for g in found.groups())
    length = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if not length:
        raise ValueError(f"{text!r}: a deadline must be more than 0s away")
    return length


def parse_deadline(text: str, now: datetime) -> RunLimits:
    """``--deadline``: a duration from ``now``, or a time with its zone, still ahead."""
    try:
        return RunLimits(deadline=now + parse_duration(text), deadline_given=text.strip())
    except ValueError:
        pass
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"--deadline {text!r}: expected a duration (90s, 45m, 2h, 1h30m) or an ISO 8601 "
            "time with a zone (2026-05-01T18:00+02:00)"
        ) from None
    if at.tzinfo is None:
        raise ValidationError(
            f"--deadline {text!r}: give the time's zone (2026-05-01T18:00Z or +02:00)"
        )
    if at <= now:
        raise ValidationError(f"--deadline {text!r}: that time has passed already")
    return RunLimits(deadline=at)


def given_limits(budget: list[str] | None, deadline: str | None, now: datetime) -> RunLimits:
    """Only what the command line gave (``retry``/``resume`` raise these)."""
    usd, tokens = parse_budgets(budget or [])
    at = parse_deadline(deadline, now) if deadline is not None else RunLimits()
    return at.model_copy(update={"budget_usd": usd, "budget_tokens": tokens})


def start_limits(
    configured: RunLimits,
    configured_deadline: str | None,
    budget: list[str] | None,
    deadline: str | None,
    now: datetime,
) -> RunLimits:
    """A new run's limits: ``[runner]``'s, each replaced by the command line's."""
    base = configured
    if configured_deadline is not None:
        base = base.raised(parse_deadline(configured_deadline, now))
    return base.raised(given_limits(budget, deadline, now))
