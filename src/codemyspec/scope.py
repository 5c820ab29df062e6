"""Who is asking: every read and write is filtered by a ``Scope``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """The caller's account, and optionally the project and user it acts for."""

    account_id: int
    project_id: int | None = None
    user_id: int | None = None

    def for_project(self, project_id: int) -> Scope:
        """The same caller, narrowed to one project."""
        return Scope(account_id=self.account_id, project_id=project_id, user_id=self.user_id)
