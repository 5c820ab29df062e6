"""Accounts and users: who owns projects and sessions."""

from codemyspec.accounts.repository import Account, AccountRepository, User

__all__ = ["Account", "AccountRepository", "User"]
