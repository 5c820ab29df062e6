"""Accounts and users: the owners a ``Scope`` points at."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from codemyspec.db import AccountRow, UserRow
from codemyspec.errors import NotFoundError, ValidationError


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    name: str


class User(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    email: str
    name: str | None = None


class AccountRepository:
    """Creates and finds accounts and users (not scoped: these are what scopes are made of)."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm

    def create_account(self, name: str) -> Account:
        if not name.strip():
            raise ValidationError("an account needs a name")
        row = AccountRow(name=name)
        self._orm.add(row)
        self._orm.flush()
        return Account.model_validate(row)

    def get_or_create_account(self, name: str) -> Account:
        """The first account with this name, made if there is none (the local account)."""
        row = self._orm.scalars(
            select(AccountRow).where(AccountRow.name == name).order_by(AccountRow.id)
        ).first()
        return Account.model_validate(row) if row else self.create_account(name)

    def get_account(self, account_id: int) -> Account:
        row = self._orm.get(AccountRow, account_id)
        if row is None:
            raise NotFoundError(f"Account {account_id} not found")
        return Account.model_validate(row)

    def create_user(self, email: str, name: str | None = None) -> User:
        if "@" not in email:
            raise ValidationError(f"invalid email {email!r}")
        if self._orm.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
            raise ValidationError(f"a user with email {email!r} already exists")
        row = UserRow(email=email, name=name)
        self._orm.add(row)
        self._orm.flush()
        return User.model_validate(row)
