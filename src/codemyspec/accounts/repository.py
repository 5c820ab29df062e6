"""Accounts and users: the owners a ``Scope`` points at."""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from codemyspec.clock import utcnow
from codemyspec.db import AccountRow, ApiTokenRow, MembershipRow, UserRow, refused_writes
from codemyspec.errors import AuthenticationError, NotFoundError, ValidationError
from codemyspec.scope import Scope

TOKEN_PREFIX = "cms_"  # noqa: S105 - a prefix that makes leaked tokens findable, not a secret


def token_hash(token: str) -> str:
    """What is stored for a token: its sha256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    name: str


class User(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    email: str
    name: str | None = None


class ApiToken(BaseModel):
    """A token's record; ``token`` is filled only in the value ``create_token`` returns."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    account_id: int
    user_id: int
    name: str
    token: str | None = None


class AccountRepository:
    """Creates and finds accounts and users (not scoped: these are what scopes are made of)."""

    def __init__(self, orm: OrmSession) -> None:
        self._orm = orm

    def create_account(self, name: str) -> Account:
        if not name.strip():
            raise ValidationError("an account needs a name")
        row = AccountRow(name=name)
        self._orm.add(row)
        with refused_writes(f"create account {name!r}"):
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
        duplicate = f"a user with email {email!r} already exists"  # another caller came first
        with refused_writes(f"create user {email!r}", duplicate=duplicate):
            self._orm.flush()
        return User.model_validate(row)

    def list_accounts(self) -> list[Account]:
        rows = self._orm.scalars(select(AccountRow).order_by(AccountRow.id))
        return [Account.model_validate(row) for row in rows]

    def get_user_by_email(self, email: str) -> User:
        row = self._orm.scalars(select(UserRow).where(UserRow.email == email)).first()
        if row is None:
            raise NotFoundError(f"no user with email {email!r}")
        return User.model_validate(row)

    def add_member(self, account_id: int, user_id: int) -> None:
        """Make the user a member of the account (already one is fine)."""
        self.get_account(account_id)
        if self._orm.get(UserRow, user_id) is None:
            raise NotFoundError(f"User {user_id} not found")
        found = self._orm.scalar(
            select(MembershipRow.id).where(
                MembershipRow.account_id == account_id, MembershipRow.user_id == user_id
            )
        )
        if found is None:
            self._orm.add(MembershipRow(account_id=account_id, user_id=user_id))
            with refused_writes(f"add user {user_id} to account {account_id}"):
                self._orm.flush()

    def create_token(self, account_id: int, user_id: int, name: str) -> ApiToken:
        """A new random bearer token for a member; only its hash is kept."""
        member = self._orm.scalar(
            select(MembershipRow.id).where(
                MembershipRow.account_id == account_id, MembershipRow.user_id == user_id
            )
        )
        if member is None:
            raise ValidationError(f"user {user_id} is not a member of account {account_id}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiTokenRow(
            account_id=account_id, user_id=user_id, name=name, token_hash=token_hash(token)
        )
        self._orm.add(row)
        with refused_writes(f"create a token for user {user_id}"):
            self._orm.flush()
        return ApiToken.model_validate(row).model_copy(update={"token": token})

    def revoke_token(self, token_id: int) -> None:
        row = self._orm.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"Token {token_id} not found")
        row.revoked_at = row.revoked_at or utcnow()
        with refused_writes(f"revoke token {token_id}"):
            self._orm.flush()

    def authenticate(self, token: str) -> Scope:
        """The scope a bearer token acts in; unknown, revoked or orphaned tokens are refused."""
        row = self._orm.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash(token))
        ).first()
        if row is None:
            raise AuthenticationError("invalid token")
        if row.revoked_at is not None:
            raise AuthenticationError("token revoked")
        member = self._orm.scalar(
            select(MembershipRow.id).where(
                MembershipRow.account_id == row.account_id, MembershipRow.user_id == row.user_id
            )
        )
        if member is None:
            raise AuthenticationError("the token's user is no longer a member of its account")
        return Scope(account_id=row.account_id, user_id=row.user_id)
