"""Layouts: a project's path templates, and a component's own code and test paths.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("layout", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("components") as batch_op:
        batch_op.add_column(sa.Column("code_path", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("test_path", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("components") as batch_op:
        batch_op.drop_column("test_path")
        batch_op.drop_column("code_path")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("layout")
