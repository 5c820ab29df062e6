"""Detached sessions: run by the workers, queued while they want one, and when last sent.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch would rebuild the table on SQLite, and dropping the old
    # one there cascades to the interactions and child sessions.
    op.add_column(
        "sessions", sa.Column("detached", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("sessions", sa.Column("queue", sa.String(100), nullable=True))
    op.add_column("sessions", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("sessions", sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for column in ("dispatched_at", "queued_at", "queue", "detached"):
        op.drop_column("sessions", column)
