"""Migration 0007's own mapping: each old command to its kind's typed fields, and back."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from codemyspec.commands import (
    AgentCommand,
    CommitCommand,
    PrepareWorkspaceCommand,
    RunTestsCommand,
    ShellCommand,
    SpawnSessionsCommand,
    parse_command,
)
from codemyspec.db.database import MIGRATIONS
from tests.support.migrations import migration, recorded_rows

typed_commands = migration("0007")
RECORDED = {row["id"]: row["command"] for row in recorded_rows()["interactions"]}
MODELS = {
    "ContextCodingSessions.Steps.Initialize": ShellCommand,
    "ContextCodingSessions.Steps.SpawnComponentCodingSessions": SpawnSessionsCommand,
    "ContextCodingSessions.Steps.Finalize": CommitCommand,
    "ComponentCodingSessions.Steps.Initialize": PrepareWorkspaceCommand,
    "ComponentCodingSessions.Steps.GenerateImplementation": AgentCommand,
    "ComponentCodingSessions.Steps.FixTestFailures": AgentCommand,
    "ComponentCodingSessions.Steps.RunTests": RunTestsCommand,
    "ComponentCodingSessions.Steps.Finalize": CommitCommand,
}
# Made by environment_setup_command("clone", …) at 2cb0083.
OLD_CLONE = {
    "id": "bfd007e8ea0b4bdabe2a96b5717722f3",
    "module": "ContextCodingSessions.Steps.Initialize",
    "command": "shell",
    "programs": [
        ["git", "clone", "--", "git@example.com:shop.git", "."],
        [
            "git",
            "-C",
            ".",
            "fetch",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-recurse-submodules",
            "--update-head-ok",
            ".",
            "HEAD:refs/heads/code-context-coding-session-for-billing",
        ],
        ["git", "-C", ".", "switch", "code-context-coding-session-for-billing"],
    ],
    "metadata": {
        "branch_name": "code-context-coding-session-for-billing",
        "repo_url": "git@example.com:shop.git",
        "working_dir": ".",
        "environment_type": "clone",
    },
    "execution_strategy": "sync",
    "timestamp": "2026-11-30T02:05:02.447468Z",
}
# RunTests before it named the code file (822cfc9): the new shape needs one.
OLD_RUN_TESTS_WITHOUT_CODE_FILE = {
    "id": "0b5c1a8e8f2d4d0e9c51f1b0d4a3e2c1",
    "module": "ComponentCodingSessions.Steps.RunTests",
    "command": "run_tests",
    "programs": [],
    "metadata": {"test_file": "tests/billing/test_money.py", "cwd": ".codemyspec/worktrees/x"},
    "execution_strategy": "sync",
    "timestamp": "2026-11-30T02:05:02.447468Z",
}


def _no_push(finalize: dict[str, Any]) -> dict[str, Any]:
    """The context's Finalize of ``implement --no-push``: no push program, ``push`` false."""
    old = copy.deepcopy(finalize)
    old["programs"] = old["programs"][:2]
    old["metadata"]["push"] = False
    return old


def _without_spawn_stamp(command: dict[str, Any]) -> dict[str, Any]:
    stripped = copy.deepcopy(command)
    stripped["metadata"].pop("timestamp", None)
    return stripped


@pytest.mark.parametrize("interaction_id", sorted(RECORDED))
def test_every_recorded_old_command_becomes_the_typed_command_of_its_step(
    interaction_id: int,
) -> None:
    old = RECORDED[interaction_id]
    new = parse_command(typed_commands.typed(old))
    assert type(new) is MODELS[old["module"]]
    assert (new.id, new.module) == (old["id"], old["module"])
    assert new.execution_strategy.value == old["execution_strategy"]
    assert new.model_dump(mode="json")["timestamp"] == old["timestamp"]


@pytest.mark.parametrize("interaction_id", sorted(RECORDED))
def test_the_downgrade_gives_back_what_the_old_step_wrote(interaction_id: int) -> None:
    old = RECORDED[interaction_id]
    back = typed_commands.untyped(typed_commands.typed(old))
    assert _without_spawn_stamp(back) == _without_spawn_stamp(old)
    if old["command"] == "spawn_sessions":  # the command's own, a moment after the step's
        assert back["metadata"]["timestamp"] == old["timestamp"].replace("Z", "+00:00")


def test_an_old_commit_keeps_its_programs_files_and_whether_it_commits_only_a_change() -> None:
    context = parse_command(typed_commands.typed(RECORDED[17]))
    component = parse_command(typed_commands.typed(RECORDED[11]))
    assert isinstance(context, CommitCommand) and isinstance(component, CommitCommand)
    assert context.programs == RECORDED[17]["programs"]
    assert context.files == RECORDED[17]["metadata"]["files"]
    assert context.then == [["git", "push", "--set-upstream", "origin", context.branch_name]]
    assert (context.only_if_changed, context.push) == (True, True)
    assert component.programs == RECORDED[11]["programs"]
    assert component.then[0][-2:] == ["rev-parse", "HEAD"]
    assert (component.only_if_changed, component.push) == (False, False)


def test_an_old_commit_of_implement_no_push_has_nothing_after_the_commit() -> None:
    old = _no_push(RECORDED[17])
    new = parse_command(typed_commands.typed(old))
    assert isinstance(new, CommitCommand)
    assert (new.then, new.push, new.only_if_changed) == ([], False, True)
    assert typed_commands.untyped(new.model_dump(mode="json")) == old


def test_an_old_clone_setup_keeps_its_programs_and_its_environment_comes_back_from_them() -> None:
    new = parse_command(typed_commands.typed(OLD_CLONE))
    assert isinstance(new, ShellCommand)
    assert new.programs == OLD_CLONE["programs"]
    assert (new.branch_name, new.repo_url, new.working_dir) == (
        "code-context-coding-session-for-billing",
        "git@example.com:shop.git",
        ".",
    )
    assert typed_commands.untyped(new.model_dump(mode="json")) == OLD_CLONE


def test_agent_workspace_spawn_and_test_fields_come_from_the_old_metadata() -> None:
    fix, prepare, spawn, tests = (
        parse_command(typed_commands.typed(RECORDED[i])) for i in (9, 3, 2, 7)
    )
    assert isinstance(fix, AgentCommand)
    fix_meta = RECORDED[9]["metadata"]
    assert (fix.agent, fix.prompt, fix.cwd) == (
        fix_meta["agent"],
        fix_meta["prompt"],
        fix_meta["cwd"],
    )
    assert fix.resume_conversation_id == fix_meta["resume_conversation_id"] is not None
    assert fix.watch_files == fix_meta["watch_files"]
    assert isinstance(prepare, PrepareWorkspaceCommand)
    fields = ("branch_name", "base_branch", "worktree", "merge_branches", "test_file", "code_file")
    assert {f: getattr(prepare, f) for f in fields} == RECORDED[3]["metadata"]
    assert prepare.read_files == [], "the old runner read no files for the step"
    assert isinstance(spawn, SpawnSessionsCommand)
    assert spawn.child_session_ids == [2, 3, 4]
    assert isinstance(tests, RunTestsCommand)
    test_fields = ("test_file", "code_file", "cwd", "require_red")
    assert {f: getattr(tests, f) for f in test_fields} == RECORDED[7]["metadata"]


def test_a_command_in_the_new_shape_is_left_alone_either_way() -> None:
    new = typed_commands.typed(RECORDED[17])
    assert typed_commands.typed(new) is None
    assert typed_commands.untyped(RECORDED[17]) is None


def test_a_command_the_current_code_wrote_goes_down_and_up_unchanged() -> None:
    prepare = PrepareWorkspaceCommand(
        module="ComponentCodingSessions.Steps.Initialize",
        branch_name="b--money",
        base_branch="b",
        worktree=".codemyspec/worktrees/b--money",
        test_file="tests/test_money.py",
        code_file="src/shop/money.py",
        read_files=["docs/design/shop/money.md", "docs/rules/other.md"],
    ).model_dump(mode="json")
    old = typed_commands.untyped(prepare)
    assert old["metadata"]["read_files"] == prepare["read_files"], "the old runner ignores it"
    assert typed_commands.typed(old) == prepare


@pytest.mark.parametrize(
    ("old", "reason"),
    [
        (OLD_RUN_TESTS_WITHOUT_CODE_FILE, "metadata.code_file is None, not a text"),
        ({**OLD_CLONE, "command": "deploy"}, "its kind 'deploy' is none this migration knows"),
        (
            {**OLD_CLONE, "metadata": {**OLD_CLONE["metadata"], "shard": 3}},
            "metadata has shard, which no old step wrote",
        ),
        (
            {**RECORDED[17], "programs": RECORDED[17]["programs"][1:]},
            "not one git add, one git commit, then the rest",
        ),
        ({**RECORDED[2], "programs": [["true"]]}, "a spawn_sessions command has programs"),
        ({**RECORDED[2], "owner": "x"}, "it has owner, which the old shape had not"),
        ("not a command", "it is str, not an object"),
    ],
)
def test_an_old_command_it_cannot_map_is_refused_with_the_reason(old: Any, reason: str) -> None:
    with pytest.raises(typed_commands.UnmappableError, match=re.escape(reason)):
        typed_commands.typed(old)


def test_no_migration_imports_codemyspec_whose_models_go_on_changing() -> None:
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) codemyspec", text, re.MULTILINE), path.name
