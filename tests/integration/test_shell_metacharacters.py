"""Names full of shell metacharacters go through the whole workflow as plain text.

Display names are free text (they reach the branch slug and the commit message); module
names are what paths are made of, so they are held to CamelCase segments.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.components import ComponentAttrs, ComponentType, resolve_inside
from codemyspec.context_coding_sessions import Finalize, Initialize, SpawnComponentCodingSessions
from codemyspec.errors import SessionCompleteError, ValidationError
from codemyspec.runner import execute_shell_command
from codemyspec.scope import Scope
from codemyspec.sessions import Interaction, Result, ResultStatus, SessionStatus
from tests.support.factories import Context as ContextRows
from tests.support.factories import finish_children, make_context_session, write_component
from tests.support.git_repos import GitProject, git
from tests.support.runner_reports import with_workspace_facts

CONTEXT_NAME = "a; rm -rf ~ $(touch pwned) `touch pwned2` 'single' \"double\"\nsecond line"
# (module segment, display name), highest priority first.
CHILDREN = [
    ("Money", "Money; rm -rf ~"),
    ("Ledger", "$(touch pwned) Ledger"),
    ("Tax", "`touch pwned2` Tax"),
    ("Fee", "O'Brien's \"quoted\" Fee"),
    ("Discount", "Discount\nrm -rf ~"),
]
SAFE_BRANCH = re.compile(r"^code-context-coding-session-for-[a-z0-9_-]+$")
MARKER = "do not delete\n"


def make_hostile_context(app: App, scope: Scope) -> ContextRows:
    with app.unit_of_work() as uow:
        context = uow.components.create(
            scope,
            ComponentAttrs(name=CONTEXT_NAME, module_name="Billing", type=ComponentType.CONTEXT),
        )
        children = [
            uow.components.create(
                scope,
                ComponentAttrs(
                    name=display,
                    module_name=f"Billing.{segment}",
                    priority=len(CHILDREN) - index,
                    parent_component_id=context.id,
                ),
            )
            for index, (segment, display) in enumerate(CHILDREN)
        ]
    return ContextRows(component=context, children=children)


def run_for_real(app: App, scope: Scope, interaction: Interaction, project: GitProject) -> Result:
    result = execute_shell_command(interaction.command, project.root, app.shell, timeout=30)
    app.sessions.handle_result(scope, interaction.session_id, interaction.id, result)
    return result


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is a temp dir holding one marker file; the cwd is an empty temp dir."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "marker.txt").write_text(MARKER, encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return home


def test_hostile_names_run_the_whole_workflow_as_plain_text(
    app: App, scope: Scope, git_project: GitProject, home: Path, tmp_path: Path
) -> None:
    started_in = Path(__file__).resolve().parents[2]
    context = make_hostile_context(app, scope)
    session = make_context_session(app, scope, context)

    initialize = app.sessions.next_command(scope, session.id)
    assert initialize.step == Initialize.name
    initialized = run_for_real(app, scope, initialize, git_project)
    assert initialized.status is ResultStatus.OK, initialized.error_message
    branch = git_project.current_branch()
    assert SAFE_BRANCH.match(branch), branch
    assert app.sessions.get_session(scope, session.id).state["branch_name"] == branch

    spawn = app.sessions.next_command(scope, session.id)
    assert spawn.step == SpawnComponentCodingSessions.name
    finish_children(app, scope, session.id)
    for segment, _ in CHILDREN:
        module = segment.lower()
        write_component(
            git_project.root,
            f"billing/{module}",
            f"VALUE = {segment!r}\n",
            f"from shop.billing.{module} import VALUE\n\n\n"
            f"def test_value():\n    assert VALUE == {segment!r}\n",
        )
    reported = with_workspace_facts(app, scope, session.id)
    validated = app.sessions.handle_result(scope, session.id, spawn.id, reported)
    checked = validated.interactions[0].result
    assert checked is not None
    assert checked.status is ResultStatus.OK, checked.error_message

    finalize = app.sessions.next_command(scope, session.id)
    assert finalize.step == Finalize.name
    assert finalize.command.branch_name == branch
    finalized = run_for_real(app, scope, finalize, git_project)
    assert finalized.status is ResultStatus.OK, finalized.error_message

    done = app.sessions.get_session(scope, session.id)
    assert done.status is SessionStatus.COMPLETE
    with pytest.raises(SessionCompleteError):
        app.sessions.next_command(scope, session.id)

    assert branch in git_project.remote_branches()
    message = git_project.remote_log(branch)[0]
    expected = (
        f"Implement {CONTEXT_NAME} context\n\n"
        + "".join(f"- {display}\n" for _, display in CHILDREN)
        + "\nCo-Authored-By: Claude Code <noreply@anthropic.com>"
    )
    assert message == expected
    for name in [CONTEXT_NAME, *(display for _, display in CHILDREN)]:
        assert name in message

    for base in (tmp_path, home, Path.cwd()):
        assert not [p for p in base.rglob("pwned*")], f"a command was injected under {base}"
    assert not (started_in / "pwned").exists()
    assert not (started_in / "pwned2").exists()
    assert (home / "marker.txt").read_text(encoding="utf-8") == MARKER
    assert sorted(p.name for p in home.iterdir()) == ["marker.txt"]
    assert os.environ["HOME"] == str(home)


def test_the_branch_of_a_hostile_context_name_is_a_safe_slug_git_accepts(
    app: App, scope: Scope, git_project: GitProject
) -> None:
    session = make_context_session(app, scope, make_hostile_context(app, scope))
    command = app.sessions.next_command(scope, session.id).command
    branch = command.branch_name
    assert branch == (
        "code-context-coding-session-for-a-rm-rf-touch-pwned-touch-pwned2-single-double-second-line"
    )
    assert SAFE_BRANCH.match(branch)
    assert git("check-ref-format", "--branch", branch, cwd=git_project.root).strip() == branch


@pytest.mark.parametrize(
    "module_name",
    [
        "Billing/../Secrets",
        "../Billing",
        "Billing/Money",
        "Billing;rm",
        "Billing.Money; rm -rf ~",
        "Billing.$(touch pwned)",
    ],
)
def test_a_module_name_with_path_or_shell_metacharacters_is_refused_naming_it(
    module_name: str,
) -> None:
    with pytest.raises(ValidationError) as raised:
        ComponentAttrs(name="Fine display name", module_name=module_name)
    assert repr(module_name) in str(raised.value)


def test_a_refused_module_name_creates_no_component(app: App, scope: Scope) -> None:
    with pytest.raises(ValidationError, match="invalid module name"), app.unit_of_work() as uow:
        uow.components.create(scope, ComponentAttrs(module_name="Billing/../Etc"))
    with app.unit_of_work() as uow:
        assert uow.components.list_components(scope) == []


def test_a_relative_path_that_climbs_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    with pytest.raises(ValidationError, match="escapes the project root") as raised:
        resolve_inside(root, "../x")
    assert "'../x'" in str(raised.value)
