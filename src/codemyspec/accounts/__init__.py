"""Accounts and users: who owns projects and sessions."""

from codemyspec.accounts.repository import (
    TOKEN_PREFIX,
    Account,
    AccountRepository,
    ApiToken,
    User,
    token_hash,
)

__all__ = [
    "TOKEN_PREFIX",
    "Account",
    "AccountRepository",
    "ApiToken",
    "User",
    "token_hash",
]
