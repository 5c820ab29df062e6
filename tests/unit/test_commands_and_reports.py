"""Commands are safe data, JUnit reports read right, and the shell port never uses a shell."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pydantic
import pytest

from codemyspec.commands import (
    AgentCommand,
    Command,
    CommitCommand,
    ExecutionStrategy,
    PrepareWorkspaceCommand,
    RunTestsCommand,
    ShellCommand,
    SpawnSessionsCommand,
    parse_command,
)
from codemyspec.errors import ValidationError
from codemyspec.shell import SubprocessShell
from codemyspec.test_reports import SuiteReport, parse_junit_xml

SAMPLE_TESTS = """\
def test_passes():
    assert 1 + 1 == 2


def test_fails():
    assert 1 == 2, "boom: totals differ"
"""


def run_pytest_with_junit(tmp_path: Path, test_source: str) -> str:
    """Run a real pytest on one test file and return the JUnit XML it wrote."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_sample.py").write_text(test_source, encoding="utf-8")
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:asyncio",
            f"--junitxml={report}",
            "test_sample.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return report.read_text(encoding="utf-8")


# ---------------------------------------------------------------- commands


def shell_command(*programs: list[str]) -> ShellCommand:
    return ShellCommand(module="Tests.Step", programs=list(programs))


@pytest.mark.parametrize("argv", [[], [""]], ids=["no-words", "empty-program"])
def test_a_command_refuses_a_program_with_an_empty_argv(argv: list[str]) -> None:
    with pytest.raises(pydantic.ValidationError, match="program 1 has an empty argv"):
        shell_command(["git", "status"], argv)


def test_a_command_refuses_a_nul_byte_in_an_argument() -> None:
    with pytest.raises(pydantic.ValidationError, match="program 0 has a NUL byte in an argument"):
        shell_command(["git", "commit", "-m", "fine\x00; rm -rf ~"])


def test_a_command_cannot_be_changed_once_made() -> None:
    command = shell_command(["git", "status"])
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        command.module = "Other.Step"  # type: ignore[misc]
    assert command.module == "Tests.Step"


def test_a_command_refuses_unknown_fields_naming_them() -> None:
    with pytest.raises(
        ValidationError, match=r"shell\.shell_string: Extra inputs are not permitted"
    ):
        parse_command({"module": "Tests.Step", "command": "shell", "shell_string": "git status"})


def test_a_command_of_an_older_shape_is_refused_naming_each_field_that_does_not_fit() -> None:
    older = {
        "module": "ComponentCodingSessions.Steps.RunTests",
        "command": "run_tests",
        "programs": [],
        "metadata": {"test_file": "tests/test_a.py", "cwd": "."},
    }

    with pytest.raises(ValidationError) as refused:
        parse_command(older, what="the command of interaction 7")

    message = str(refused.value)
    assert message.startswith("the command of interaction 7 has an unknown or older shape")
    for field in ("run_tests.test_file", "run_tests.cwd", "run_tests.metadata"):
        assert field in message


def test_a_command_of_an_unknown_kind_is_refused_naming_the_kinds_there_are() -> None:
    with pytest.raises(ValidationError, match=r"command: unknown kind 'teleport' \(known: shell,"):
        parse_command({"module": "Tests.Step", "command": "teleport"})


COMMANDS = [
    ShellCommand(module="S", programs=[["git", "switch", "b"]], branch_name="b"),
    CommitCommand(
        module="ContextCodingSessions.Steps.Finalize",
        stage=["git", "add", "--", "src/a b.py"],
        commit=["git", "commit", "-m", "x\n\n- Money"],
        then=[["git", "push", "origin", "b"]],
        files=["src/a b.py"],
        branch_name="code-context-coding-session-for-billing",
        only_if_changed=True,
        push=True,
    ),
    AgentCommand(module="G", prompt="write it", cwd="w", watch_files=["t.py"]),
    SpawnSessionsCommand(module="Spawn", child_session_ids=[3, 4]),
    PrepareWorkspaceCommand(
        module="I",
        branch_name="b--a",
        base_branch="b",
        worktree="w",
        merge_branches=["b--c"],
        test_file="t.py",
        code_file="a.py",
        read_files=["docs/a.md"],
    ),
    RunTestsCommand(module="R", test_file="t.py", code_file="a.py", cwd="w", require_red=True),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.command.value)
def test_every_kind_of_command_round_trips_through_json_unchanged(command: Command) -> None:
    again = parse_command(json.loads(json.dumps(command.model_dump(mode="json"))))
    assert type(again) is type(command)
    assert again == command
    assert again.id == command.id
    assert again.timestamp == command.timestamp


def test_a_commit_says_which_program_is_the_commit_so_a_re_run_can_leave_it_out() -> None:
    commit = COMMANDS[1]
    assert isinstance(commit, CommitCommand)
    push = ["git", "push", "origin", "b"]
    assert commit.programs_to_run(changed=True) == [commit.stage, commit.commit, push]
    assert commit.programs_to_run(changed=False) == [commit.stage, push]
    always = commit.model_copy(update={"only_if_changed": False})
    assert always.programs_to_run(changed=False) == always.programs


def test_a_spawn_command_is_awaited_asynchronously() -> None:
    assert COMMANDS[3].execution_strategy is ExecutionStrategy.ASYNC


def test_every_command_gets_its_own_id() -> None:
    assert shell_command(["true"]).id != shell_command(["true"]).id


# ---------------------------------------------------------------- JUnit reports


def test_a_real_pytest_junit_report_gives_counts_and_the_failing_test(tmp_path: Path) -> None:
    report = parse_junit_xml(run_pytest_with_junit(tmp_path, SAMPLE_TESTS))
    assert report.error is None
    assert (report.tests, report.failures, report.errors, report.skipped) == (2, 1, 0, 0)
    assert len(report.failed_cases) == 1
    failed = report.failed_cases[0]
    assert failed.test_id == "test_sample::test_fails"
    assert "boom: totals differ" in failed.message
    assert not report.passed
    assert report.summary() == (
        "1 passed, 1 failed · test_sample::test_fails: AssertionError: boom: totals differ"
    )


def test_a_real_pytest_report_counts_errors_and_skips_apart_from_failures(
    tmp_path: Path,
) -> None:
    source = """\
import pytest


@pytest.fixture
def broken():
    raise RuntimeError("database is down")


def test_uses_broken(broken):
    pass


@pytest.mark.skip(reason="later")
def test_skipped():
    pass


def test_passes():
    pass
"""
    report = parse_junit_xml(run_pytest_with_junit(tmp_path, source))
    assert (report.tests, report.failures, report.errors, report.skipped) == (3, 0, 1, 1)
    assert [case.test_id for case in report.failed_cases] == ["test_sample::test_uses_broken"]
    assert not report.passed


def test_a_report_where_everything_passed_says_so(tmp_path: Path) -> None:
    report = parse_junit_xml(
        run_pytest_with_junit(
            tmp_path, "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n"
        )
    )
    assert report.passed
    assert report.summary() == "2 passed"


@pytest.mark.parametrize("text", ["", "<testsuite", "not xml at all", "<testsuite></testcase>"])
def test_invalid_xml_gives_a_report_with_an_error_instead_of_raising(text: str) -> None:
    report = parse_junit_xml(text)
    assert report.error is not None
    assert report.error.startswith("test report is not valid JUnit XML")
    assert not report.passed
    assert report.summary() == report.error


def test_xml_that_is_not_a_junit_report_is_an_error() -> None:
    report = parse_junit_xml("<html><body>502 Bad Gateway</body></html>")
    assert report.error == "test report has an unexpected root element <html>"
    assert not report.passed


def test_an_empty_suite_is_not_a_pass() -> None:
    report = parse_junit_xml('<testsuites><testsuite name="pytest" tests="0"/></testsuites>')
    assert report == SuiteReport()
    assert not report.passed


# ---------------------------------------------------------------- the shell port


def test_arguments_are_passed_literally_and_never_through_a_shell(tmp_path: Path) -> None:
    done = SubprocessShell().run(["echo", "$(echo hi)", "; touch pwned", "`id`"], tmp_path)
    assert done.ok
    assert done.stdout == "$(echo hi) ; touch pwned `id`\n"
    assert list(tmp_path.iterdir()) == []


def test_a_program_runs_in_the_given_directory_with_its_stdin(tmp_path: Path) -> None:
    done = SubprocessShell().run(
        [sys.executable, "-c", "import os, sys; print(os.getcwd()); print(sys.stdin.read())"],
        tmp_path,
        stdin="from stdin",
    )
    assert done.ok
    assert done.stdout.splitlines() == [str(tmp_path), "from stdin"]


def test_a_missing_program_is_reported_as_not_found(tmp_path: Path) -> None:
    done = SubprocessShell().run(["codemyspec-no-such-program-xyz", "--version"], tmp_path)
    assert done.not_found
    assert not done.ok
    assert done.failure_reason() == "program not found: codemyspec-no-such-program-xyz"


def test_a_program_that_runs_too_long_is_stopped_and_reported_as_timed_out(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    done = SubprocessShell().run(
        [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, timeout=0.5
    )
    assert time.monotonic() - started < 10
    assert done.timed_out
    assert not done.ok
    assert "timed out after" in done.failure_reason()
    assert done.failure_reason().startswith(sys.executable)


def test_a_failing_program_reports_its_exit_code_and_last_error_line(tmp_path: Path) -> None:
    done = SubprocessShell().run(
        [
            sys.executable,
            "-c",
            "import sys; print('first', file=sys.stderr); print('fatal: last', file=sys.stderr);"
            " sys.exit(3)",
        ],
        tmp_path,
    )
    assert not done.ok
    assert done.returncode == 3
    assert done.failure_reason().endswith("exited with 3: fatal: last")
