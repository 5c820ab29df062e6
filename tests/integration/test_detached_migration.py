"""Migration 0008 (detached sessions) up and down keeps every session and interaction.

A batch rebuild of ``sessions`` on SQLite drops the old table, and that cascades to the
interactions and child sessions: the recorded session must come through whole both ways.
"""

from __future__ import annotations

import pytest

from codemyspec.bootstrap import bootstrap
from codemyspec.scope import Scope
from tests.support.migrations import insert_rows, move_to, recorded_rows, stored_commands
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

SCOPE = Scope(account_id=1, project_id=1)


@pytest.fixture
def recorded_url(database_url: str) -> str:
    """The recorded session (written at 0006) in a database at 0007, the revision before."""
    move_to(database_url, "0006")
    insert_rows(database_url, recorded_rows())
    move_to(database_url, "0007")
    return database_url


def test_the_upgrade_keeps_every_session_and_interaction_and_none_is_detached(
    recorded_url: str,
) -> None:
    before = stored_commands(recorded_url)

    app = bootstrap(recorded_url)  # opening it upgrades to 0008
    try:
        tree = app.sessions.session_tree(SCOPE, 1)
    finally:
        app.close()

    assert stored_commands(recorded_url) == before
    assert tree.child_sessions and tree.interactions
    assert {(s.detached, s.queue, s.queued_at) for s in [tree, *tree.child_sessions]} == {
        (False, None, None)
    }


def test_the_downgrade_keeps_every_session_and_interaction(recorded_url: str) -> None:
    before = stored_commands(recorded_url)
    move_to(recorded_url, "0008")

    move_to(recorded_url, "0007", down=True)

    assert stored_commands(recorded_url) == before
