"""Upgrading a database recorded before typed commands: every session reads as it was.

The rows are a real session the previous codemyspec recorded (``tests/fixtures``), put into
a database at revision 0006; opening it with this codemyspec applies 0007.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from codemyspec.bootstrap import App, bootstrap
from codemyspec.commands import (
    AgentCommand,
    Command,
    CommitCommand,
    ExecutionStrategy,
    PrepareWorkspaceCommand,
    RunTestsCommand,
    ShellCommand,
    SpawnSessionsCommand,
)
from codemyspec.errors import ValidationError
from codemyspec.scope import Scope
from codemyspec.sessions import Session
from tests.support.migrations import (
    insert_rows,
    migration,
    move_to,
    recorded_rows,
    stored_commands,
)
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases

SCOPE = Scope(account_id=1, project_id=1)
RECORDED = recorded_rows()
OLD = {row["id"]: row["command"] for row in RECORDED["interactions"]}


@pytest.fixture
def recorded_url(database_url: str) -> str:
    """A database at revision 0006 holding the recorded session, as the old code left it."""
    move_to(database_url, "0006")
    insert_rows(database_url, RECORDED)
    return database_url


@pytest.fixture
def upgraded(recorded_url: str) -> Iterator[App]:
    """The app over the recorded database, which opening it upgraded."""
    app = bootstrap(recorded_url)
    yield app
    app.close()


def _commands(session: Session) -> dict[int, Command]:
    """Every interaction's command in the session's tree, by interaction id."""
    found = {i.id: i.command for i in session.interactions}
    for child in session.child_sessions:
        found |= _commands(child)
    return found


def test_the_recorded_session_reads_as_typed_commands_after_the_upgrade(upgraded: App) -> None:
    commands = _commands(upgraded.sessions.session_tree(SCOPE, 1))

    assert sorted(commands) == sorted(OLD), "every interaction of the tree reads"
    for interaction_id, command in commands.items():
        old = OLD[interaction_id]
        assert (command.id, command.module) == (old["id"], old["module"])
        assert command.model_dump(mode="json")["timestamp"] == old["timestamp"]
    setup, spawn, prepare, generate = commands[1], commands[2], commands[3], commands[5]
    tests, fix, component_commit, context_commit = (commands[i] for i in (7, 9, 11, 17))
    assert isinstance(setup, ShellCommand)
    assert setup.programs == OLD[1]["programs"]
    assert setup.branch_name == "code-context-coding-session-for-billing"
    assert isinstance(spawn, SpawnSessionsCommand)
    assert spawn.child_session_ids == [2, 3, 4]
    assert spawn.execution_strategy is ExecutionStrategy.ASYNC
    assert isinstance(prepare, PrepareWorkspaceCommand)
    assert prepare.worktree == OLD[3]["metadata"]["worktree"]
    assert prepare.code_file == "src/shop/billing/money.py"
    assert isinstance(generate, AgentCommand)
    assert generate.prompt == OLD[5]["metadata"]["prompt"]
    assert (generate.agent, generate.resume_conversation_id) == ("claude_code", None)
    assert isinstance(fix, AgentCommand)
    assert fix.resume_conversation_id == OLD[9]["metadata"]["resume_conversation_id"]
    assert isinstance(tests, RunTestsCommand)
    assert (tests.test_file, tests.require_red) == ("tests/billing/test_money.py", True)
    assert isinstance(component_commit, CommitCommand)
    assert component_commit.programs == OLD[11]["programs"]
    assert (component_commit.only_if_changed, component_commit.push) == (False, False)
    assert isinstance(context_commit, CommitCommand)
    assert context_commit.stage == OLD[17]["programs"][0]
    assert context_commit.commit == OLD[17]["programs"][1]
    assert context_commit.then == OLD[17]["programs"][2:]
    assert context_commit.files == OLD[17]["metadata"]["files"]
    assert (context_commit.only_if_changed, context_commit.push) == (True, True)


def test_sessions_list_reads_every_recorded_session_after_the_upgrade(upgraded: App) -> None:
    trees = upgraded.sessions.session_trees(SCOPE)
    assert [tree.id for tree in trees] == [1]
    assert sorted(child.id for child in trees[0].child_sessions) == [2, 3, 4]


def test_upgrading_again_changes_no_command(upgraded: App, recorded_url: str) -> None:
    once = stored_commands(recorded_url)
    assert all("metadata" not in command for command in once.values())

    move_to(recorded_url, "0006", stamp=True)
    move_to(recorded_url, "0007")  # 0007 again (later ones add columns)

    assert stored_commands(recorded_url) == once


def test_the_downgrade_writes_back_the_commands_the_old_steps_wrote(
    upgraded: App, recorded_url: str
) -> None:
    move_to(recorded_url, "0006", down=True)

    restored = stored_commands(recorded_url)
    assert sorted(restored) == sorted(OLD)
    for interaction_id, old in OLD.items():
        back = copy.deepcopy(restored[interaction_id])
        if old["command"] == "spawn_sessions":  # its own stamp, a moment after the step's
            assert back["metadata"].pop("timestamp") == old["timestamp"].replace("Z", "+00:00")
            old = {**old, "metadata": {"child_session_ids": old["metadata"]["child_session_ids"]}}
        assert back == old, interaction_id


def _old_run_tests_without_code_file() -> dict[str, Any]:
    """RunTests as codemyspec wrote it before it named the code file (822cfc9)."""
    old = copy.deepcopy(OLD[7])
    old["metadata"] = {"test_file": "tests/billing/test_money.py", "cwd": old["metadata"]["cwd"]}
    return old


def test_an_old_command_it_cannot_map_is_left_as_it_was_and_named_in_a_warning(
    recorded_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    unmappable = _old_run_tests_without_code_file()
    session = {**RECORDED["sessions"][1], "id": 5, "session_id": None}
    interaction = {**RECORDED["interactions"][6], "id": 18, "session_id": 5, "command": unmappable}
    insert_rows(recorded_url, {"sessions": [session], "interactions": [interaction]})

    with caplog.at_level(logging.WARNING, logger="codemyspec.migrations"):
        app = bootstrap(recorded_url)
    try:
        warned = [r.getMessage() for r in caplog.records if r.name == "codemyspec.migrations"]
        assert len(warned) == 1
        assert warned[0].startswith(
            "interaction 18 (ComponentCodingSessions.Steps.RunTests): its command is left in "
            "the older shape, which this codemyspec cannot read"
        )
        assert "metadata.code_file is None, not a text" in warned[0]
        assert stored_commands(recorded_url)[18] == unmappable
        assert len(_commands(app.sessions.session_tree(SCOPE, 1))) == len(OLD), "the rest read"
        with pytest.raises(ValidationError, match=r"the command of interaction 18 .*code_file"):
            app.sessions.session_tree(SCOPE, 5)
    finally:
        app.close()


def test_more_commands_than_one_batch_are_all_rewritten(recorded_url: str) -> None:
    batch = migration("0007").BATCH
    template = RECORDED["interactions"][6]
    extra = [
        {**template, "id": 100 + n, "attempt": 0, "command": {**OLD[7], "id": f"extra{n}"}}
        for n in range(2 * batch + 1)
    ]
    insert_rows(recorded_url, {"interactions": extra})

    move_to(recorded_url, "head")

    stored = stored_commands(recorded_url)
    assert len(stored) == len(OLD) + len(extra)
    assert [i for i, command in stored.items() if "metadata" in command] == []
    assert stored[100 + 2 * batch]["command"] == "run_tests"
