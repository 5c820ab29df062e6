"""Time in one place, always timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""What reads the time where a test may need to move it (claims and their leases)."""


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
