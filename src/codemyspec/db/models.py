"""SQLAlchemy 2 typed models: the tables behind every context's repository."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from codemyspec.clock import utcnow

JSONDict = JSON(none_as_null=True)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC; read back timezone-aware even where the database (SQLite) drops it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base; ``type_annotation_map`` keeps datetimes timezone-aware."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDict}


class Timestamped:
    inserted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AccountRow(Timestamped, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class UserRow(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))


class MembershipRow(Timestamped, Base):
    """A user belongs to an account; a token acts for one user in one account."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("account_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class ApiTokenRow(Timestamped, Base):
    """Only the token's sha256 is stored; the token itself is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ProjectRow(Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    root: Mapped[str | None] = mapped_column(Text)
    package: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(40))
    code_repo: Mapped[str | None] = mapped_column(Text)
    design_root: Mapped[str] = mapped_column(Text)
    test_command: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    layout: Mapped[dict[str, Any] | None] = mapped_column(JSONDict)
    app_module: Mapped[str | None] = mapped_column(String(100))


class ComponentRow(Timestamped, Base):
    __tablename__ = "components"
    __table_args__ = (
        UniqueConstraint("project_id", "module_name"),
        Index("ix_components_parent", "parent_component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    module_name: Mapped[str] = mapped_column(String(400))
    type: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int | None] = mapped_column(Integer)
    parent_component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE")
    )
    dependencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    code_path: Mapped[str | None] = mapped_column(String(500))
    test_path: Mapped[str | None] = mapped_column(String(500))

    project: Mapped[ProjectRow] = relationship(lazy="raise")


class SessionRow(Timestamped, Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_account_project", "account_id", "project_id"),
        Index("ix_sessions_parent", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL")
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    execution_mode: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(String(100))
    environment_type: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    external_conversation_id: Mapped[str | None] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # The runner running this session, and until when its lease holds (see runner.claims).
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None]
    # Detached: the server's workers run it (see service_layer.dispatching); it is queued
    # while it wants a worker, and was last sent to its queue at dispatched_at.
    detached: Mapped[bool] = mapped_column(default=False, server_default=false())
    queue: Mapped[str | None] = mapped_column(String(100))
    queued_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]

    component: Mapped[ComponentRow | None] = relationship(lazy="raise")
    project: Mapped[ProjectRow | None] = relationship(lazy="raise")
    interactions: Mapped[list[InteractionRow]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="desc(InteractionRow.id)",
    )
    child_sessions: Mapped[list[SessionRow]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="SessionRow.id"
    )


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        # At most one pending interaction per session: the database refuses a duplicate.
        Index(
            "uq_interactions_one_pending",
            "session_id",
            unique=True,
            sqlite_where=text("completed_at IS NULL"),
            postgresql_where=text("completed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    command: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
