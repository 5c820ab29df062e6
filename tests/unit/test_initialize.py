"""Initialize: the session's branch name and the command that puts the checkout on it."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.components import Component, ComponentType
from codemyspec.context_coding_sessions import (
    FRESH_BRANCH_KEY,
    SESSION_TYPE,
    Initialize,
    branch_name,
    seed_branch_name,
    slugify,
)
from codemyspec.errors import StepError, ValidationError
from codemyspec.projects import Project
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import (
    CommandKind,
    ExecutionMode,
    Result,
    ResultStatus,
    Session,
    SessionAttrs,
    SessionStatus,
)
from codemyspec.shell import SubprocessShell
from tests.support.factories import make_context
from tests.support.git_repos import GitProject

PREFIX = "code-context-coding-session-for-"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
SCOPE = Scope(account_id=1, project_id=1, user_id=1)
REPO_URL = "https://git.example.com/acme/shop.git"


def context_session(
    name: str | None = "Billing",
    *,
    environment_type: str = "local",
    code_repo: str | None = REPO_URL,
    state: dict[str, object] | None = None,
) -> Session:
    """A context session with its component (named ``name``, none when None) and project."""
    component = (
        None
        if name is None
        else Component(
            id=7,
            account_id=1,
            project_id=1,
            name=name,
            module_name="Billing",
            type=ComponentType.CONTEXT,
        )
    )
    project = Project(id=1, account_id=1, name="shop", package="shop", code_repo=code_repo)
    return Session(
        id=1,
        account_id=1,
        project_id=1,
        component_id=None if component is None else component.id,
        type=SESSION_TYPE,
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AUTO,
        environment_type=environment_type,
        state=state or {},
        inserted_at=T0,
        updated_at=T0,
        component=component,
        project=project,
    )


def git_accepts_branch(name: str, cwd: Path) -> bool:
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", name],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0 and done.stdout.strip() == name


# ---------------------------------------------------------------- branch names


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Billing", "billing"),
        ("BILLING", "billing"),
        ("User Management & Auth", "user-management-auth"),
        ("API/V2/Users", "api-v2-users"),
        ("User  --  Sessions", "user-sessions"),
        ("-Sessions-", "sessions"),
        ("user_sessions", "user_sessions"),
        ("Oauth2_Tokens", "oauth2_tokens"),
        ("Billing.lock", "billing-lock"),
    ],
)
def test_the_branch_is_named_after_the_slug_of_the_context_name(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert branch_name(context_session(name)) == f"{PREFIX}{slug}"


@pytest.mark.parametrize(
    "name",
    [
        "a; rm -rf ~",
        "$(touch x)",
        "`touch x`",
        'it\'s "quoted"',
        "line one\nline two",
        "../../etc/passwd",
        "a..b@{-1}^~:?*[\\",
        "Billing.lock",
        "Cafe\u0301 \u00fcber \u2603",
        "tab\there",
    ],
)
def test_a_hostile_context_name_still_gives_a_safe_branch_git_accepts(
    name: str, tmp_path: Path
) -> None:
    branch = branch_name(context_session(name))
    assert branch.startswith(PREFIX)
    assert re.fullmatch(r"[a-z0-9_-]+", branch.removeprefix(PREFIX)), branch
    assert git_accepts_branch(branch, tmp_path), branch


def test_a_name_with_no_usable_character_falls_back_to_the_component_id(tmp_path: Path) -> None:
    branch = branch_name(context_session("!!! ### ???"))
    assert branch == f"{PREFIX}component-7"
    assert git_accepts_branch(branch, tmp_path)


def test_a_fresh_session_gets_its_own_branch_named_after_its_id(tmp_path: Path) -> None:
    session = context_session("User Management & Auth", state={FRESH_BRANCH_KEY: True})
    assert branch_name(session) == f"{PREFIX}user-management-auth-{session.id}"
    assert git_accepts_branch(branch_name(session), tmp_path)
    assert session.component is not None
    assert seed_branch_name(session.component) == f"{PREFIX}user-management-auth"
    command = Initialize.get_command(SCOPE, session)
    assert command.branch_name == f"{PREFIX}user-management-auth-{session.id}"


def test_a_session_not_started_fresh_keeps_the_seeds_branch_name() -> None:
    assert branch_name(context_session(state={FRESH_BRANCH_KEY: False})) == f"{PREFIX}billing"


def test_a_session_without_a_component_has_no_branch_name() -> None:
    with pytest.raises(StepError, match="Context component not found"):
        branch_name(context_session(None))


def test_initialize_refuses_a_session_without_a_component() -> None:
    with pytest.raises(StepError, match="Context component not found"):
        Initialize.get_command(SCOPE, context_session(None))


# ---------------------------------------------------------------- get_command


def on_branch(branch: str) -> list[list[str]]:
    """Fast-forward (or create) the branch to HEAD without ever resetting it, then switch."""
    return [
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
            f"HEAD:refs/heads/{branch}",
        ],
        ["git", "-C", ".", "switch", branch],
    ]


def test_initialize_on_a_local_checkout_switches_it_to_the_branch() -> None:
    command = Initialize.get_command(SCOPE, context_session("User Management & Auth"))
    branch = f"{PREFIX}user-management-auth"
    assert command.module == Initialize.name
    assert command.command is CommandKind.SHELL
    assert command.programs == on_branch(branch)
    assert not any(arg in ("-C", "-B", "--force", "-f") for arg in command.programs[-1][3:])
    assert not command.programs[0][-1].startswith("+"), "a refspec without + never resets"
    assert command.branch_name == branch
    assert command.repo_url == REPO_URL
    assert command.working_dir == "."


def test_initialize_in_a_clone_environment_clones_the_code_repo_then_switches() -> None:
    command = Initialize.get_command(SCOPE, context_session(environment_type="clone"))
    branch = f"{PREFIX}billing"
    assert command.programs == [["git", "clone", "--", REPO_URL, "."], *on_branch(branch)]
    assert command.repo_url == REPO_URL
    assert command.working_dir == "."
    assert command.branch_name == branch


def test_initialize_in_a_clone_environment_needs_the_projects_code_repo() -> None:
    session = context_session(environment_type="clone", code_repo=None)
    with pytest.raises(ValidationError, match="clone environment needs the project's code_repo"):
        Initialize.get_command(SCOPE, session)


def test_a_hostile_context_name_never_reaches_the_command_except_as_its_slug() -> None:
    command = Initialize.get_command(SCOPE, context_session("$(touch pwned); rm -rf ~"))
    fetch, switch = command.programs
    assert switch[-1] == f"{PREFIX}touch-pwned-rm-rf"
    assert fetch[-1] == f"HEAD:refs/heads/{PREFIX}touch-pwned-rm-rf"
    for argv in command.programs:
        assert not any("$" in arg or ";" in arg or "~" in arg for arg in argv)


def test_the_clone_command_really_clones_the_remote_onto_the_branch(
    git_project: GitProject, tmp_path: Path
) -> None:
    session = context_session(environment_type="clone", code_repo=str(git_project.remote))
    command = Initialize.get_command(SCOPE, session)
    workdir = tmp_path / "fresh"
    workdir.mkdir()
    result = execute_shell_command(command, workdir, SubprocessShell(), timeout=30)
    assert result.status is ResultStatus.OK, result.error_message
    assert (workdir / "README.md").read_text() == "sample project\n"
    head = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert head.stdout.strip() == f"{PREFIX}billing"


# ---------------------------------------------------------------- handle_result


def test_handle_result_returns_the_result_unchanged() -> None:
    result = Result.error("fatal: not a git repository", code=128, stderr="fatal: boom")
    before = result.model_copy(deep=True)
    outcome = Initialize.handle_result(SCOPE, context_session(), result)
    assert outcome.result is result
    assert outcome.result == before


def test_handle_result_records_the_branch_and_when_it_was_initialized() -> None:
    started = datetime.now(UTC)
    outcome = Initialize.handle_result(SCOPE, context_session("API/V2/Users"), Result.ok())
    state = outcome.updates.state
    assert state["branch_name"] == f"{PREFIX}api-v2-users"
    initialized_at = datetime.fromisoformat(state["initialized_at"])
    assert initialized_at.tzinfo is not None
    assert started - timedelta(seconds=1) <= initialized_at <= datetime.now(UTC)
    assert outcome.updates.status is None


def test_handle_result_only_adds_keys_and_never_drops_existing_state() -> None:
    outcome = Initialize.handle_result(
        SCOPE, context_session(state={"keep": 1, "note": "x"}), Result.ok()
    )
    assert set(outcome.updates.state) == {"branch_name", "initialized_at"}


def test_initialize_through_the_engine_switches_the_branch_and_keeps_earlier_state(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing", display_name="User Management & Auth")
    session = app.sessions.create_session(
        scope,
        SessionAttrs(
            type=SESSION_TYPE,
            component_id=context.component.id,
            agent="claude_code",
            state={"keep": 1},
        ),
    )
    interaction = app.sessions.next_command(scope, session.id)
    assert interaction.step == Initialize.name

    result = execute_shell_command(interaction.command, git_project.root, app.shell, timeout=30)
    assert result.status is ResultStatus.OK, result.error_message
    after = app.sessions.handle_result(scope, session.id, interaction.id, result)

    branch = f"{PREFIX}user-management-auth"
    assert git_project.current_branch() == branch
    assert after.state["keep"] == 1
    assert after.state["branch_name"] == branch
    assert datetime.fromisoformat(after.state["initialized_at"]).tzinfo is not None
    stored = after.interactions[0].result
    assert stored is not None
    assert stored.status is ResultStatus.OK
    assert (stored.code, stored.stdout, stored.stderr) == (
        result.code,
        result.stdout,
        result.stderr,
    )


def test_running_initialize_twice_is_harmless(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    context = make_context(app, scope, "Billing")
    session = app.sessions.create_session(
        scope, SessionAttrs(type=SESSION_TYPE, component_id=context.component.id)
    )
    interaction = app.sessions.next_command(scope, session.id)
    for _ in range(2):
        result = execute_shell_command(interaction.command, git_project.root, app.shell, timeout=30)
        assert result.status is ResultStatus.OK, result.error_message
    assert git_project.current_branch() == f"{PREFIX}billing"
