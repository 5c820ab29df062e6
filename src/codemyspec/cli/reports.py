"""How a run ended, told so the user knows what happened and what to do next."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape

from codemyspec.cli.git import Git
from codemyspec.cli.progress import session_label, step_label
from codemyspec.cli.refusal_reports import (
    branch_kept,
    print_branch_kept,
    print_push_failure,
    push_failed,
)
from codemyspec.cli.spend import spend_lines
from codemyspec.commands import ResultStatus
from codemyspec.component_coding_sessions import ComponentState, total_agent_usage
from codemyspec.context_coding_sessions import (
    ContextState,
    SpawnChecked,
    ValidationReport,
    broken_lines,
    child_work,
    newest_spawn_result,
    preexisting_lines,
    usage_tokens,
)
from codemyspec.sessions import Interaction, Session, SessionStatus


def usage_line(session: Session) -> str | None:
    """The children's summed agent cost, tokens and turns, when any were recorded."""
    total = total_agent_usage(session.child_sessions)
    if not total:
        return None
    tokens = usage_tokens(total)
    return (
        f"${total.get('cost_usd', 0.0):.2f}, {tokens:,.0f} tokens, "
        f"{total.get('turns', 0.0):.0f} turns"
    )


def wait_lines(session: Session) -> list[str]:
    """Each child whose agents waited for a busy model: waits, not errors."""
    return [
        f"{session_label(child)} waited {waits.describe()}"
        for child in session.child_sessions
        if (waits := ComponentState.of(child).model_waits)
    ]


#: A baseline summary of a file whose every test passed (``12 passed``).
PASSING = re.compile(r"\d+ passed")


def baseline_lines(session: Session) -> list[str]:
    """What each existing test file did before the run (pre-flight's baseline)."""
    baseline = ContextState.of(session).baseline
    if not baseline:
        return []
    lines = ["baseline (the existing tests on the tree before this run):"]
    passing = [test for test, summary in baseline.items() if PASSING.fullmatch(summary)]
    lines += [
        f"  {test}: {summary}" for test, summary in sorted(baseline.items()) if test not in passing
    ]
    if passing:  # a whole suite's worth of "12 passed" hides the lines that matter
        files = "file" if len(passing) == 1 else "files"
        more = " more" if len(lines) > 1 else ""
        said = f"  {len(passing)}{more} test {files}: every test passed"
        lines.append(f"{said} (`sessions show ID --json` lists each)")
    return lines


def newest_validation(session: Session) -> ValidationReport | None:
    """What the newest validation found (None before the first one)."""
    judged = newest_spawn_result(session)
    return SpawnChecked.of(judged).validation if judged is not None else None


def own_tests_lines(session: Session) -> list[str]:
    """The context's own and configured tests as the last validation found them: each test
    broken by this run, and each already failing before it (never a component's fault)."""
    report = newest_validation(session)
    if report is None:
        return []
    return [*broken_lines(report.broken_tests), *preexisting_lines(report.preexisting_failures)]


def flaky_lines(session: Session) -> list[str]:
    """The flaky tests the newest validation found: shown whether they were let pass or not."""
    report = newest_validation(session)
    return [f"{v.describe()} in {v.component}'s tests" for v in report.flaky] if report else []


def last_error(session: Session) -> Interaction | None:
    """The newest interaction that ended in an error."""
    return next(
        (
            i
            for i in session.interactions
            if i.result is not None and i.result.status is ResultStatus.ERROR
        ),
        None,
    )


def session_ref(session_id: int, server: str | None) -> str:
    """How to name the session in a suggested command: with ``--server`` when remote."""
    return f"{session_id} --server {server}" if server else str(session_id)


def print_outcome(
    git: Git,
    session: Session,
    console: Console,
    *,
    interrupted: bool = False,
    server: str | None = None,
) -> None:
    """Success with branch, commit and remote; or what failed and the next steps."""
    ident = session_ref(session.id, server)
    if interrupted:
        console.print(
            f"[yellow]interrupted:[/] running components were stopped and marked cancelled; "
            f"nothing recorded is lost. Continue with `codemyspec sessions resume {ident}`.",
            highlight=False,
        )
        return
    if session.status is SessionStatus.COMPLETE:
        print_success(git, session, console)
        print_spend(session, console, ident)
        return
    failed = last_error(session)
    if failed is not None and push_failed(failed):
        print_push_failure(git, session, failed, console, ident)
        return
    console.print(
        f"[red bold]✗ {session_label(session)} was not implemented[/] (session {ident})",
        highlight=False,
    )
    checked = SpawnChecked.of(failed.result) if failed and failed.result else SpawnChecked()
    if checked.validation is not None:
        if runner_error := checked.runner_error:  # integration, a push: the runner's own
            console.print(f"  {runner_error}", highlight=False, markup=False, soft_wrap=True)
        print_validation(checked.validation, console)
    elif failed is not None and failed.result is not None:
        console.print(
            f"{step_label(failed)} failed: {failed.result.error_message or 'no reason recorded'}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    for line in wait_lines(session):
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    print_spend(session, console, ident)
    if failed is not None and branch_kept(failed):
        print_branch_kept(failed, console, ident)
    else:
        print_next_steps(session, console, ident)


def print_spend(session: Session, console: Console, ident: str) -> None:
    """What the agents spent, on what, against the budget (when the run has limits)."""
    for line in spend_lines(session, ident):
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def print_success(git: Git, session: Session, console: Console) -> None:
    state = ContextState.of(session)
    branch = state.branch_name or ""
    commit = git.output("log", "-1", "--format=%h %s", branch) if branch else None
    names = len(session.child_sessions)
    # --only, or what earlier --only runs left: which of the context's components this was
    which = f": {', '.join(m.rpartition('.')[2] for m in state.only)}" if state.only else ""
    console.print(
        f"[green bold]✓ {session_label(session)}{which} implemented[/]: "
        f"{names} component{'s' if names != 1 else ''} in one commit",
        highlight=False,
    )
    console.print(f"  branch  {branch}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"  commit  {commit or 'unknown'}", highlight=False, markup=False, soft_wrap=True)
    if not state.push:
        console.print(
            f"  remote  not pushed (--no-push): `git push --set-upstream origin {branch}`",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    else:
        url = git.output("remote", "get-url", "origin")
        console.print(
            f"  remote  pushed to origin ({url})", highlight=False, markup=False, soft_wrap=True
        )
    if usage := usage_line(session):
        console.print(f"  agents  {usage}", highlight=False, markup=False, soft_wrap=True)
    for line in pull_request_lines(session):  # [forge]
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    checked = [*baseline_lines(session), *own_tests_lines(session), *flaky_lines(session)]
    for line in [*file_lines(session), *wait_lines(session), *checked]:
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def pull_request_lines(session: Session) -> list[str]:
    """The pull request ``[forge]`` opened, or why the forge CLI did not."""
    state = ContextState.of(session)
    if state.pull_request_url:
        return [f"pull request  {state.pull_request_url}"]
    if state.pull_request_error:
        return [
            f"pull request  not opened: {state.pull_request_error} (the branch is pushed: "
            "open it by hand)"
        ]
    return []


def file_lines(session: Session) -> list[str]:
    """Each component and the files it brought in (its helpers and deletions included)."""
    lines = []
    for child in session.child_sessions:
        work = child_work(session, child)
        files = [*work.present, *(f"{path} (deleted)" for path in work.deleted)]
        if files:
            lines.append(f"files of {work.name}: {', '.join(files)}")
    return lines


def print_validation(report: ValidationReport, console: Console) -> None:
    """Each failed or cancelled child with its reason, missing files and failing tests."""
    labelled = (("failed", report.failed), ("cancelled", report.cancelled))
    for label, problems in (*labelled, ("running", report.running)):
        for problem in problems:
            reason = problem.reason or "no reason recorded"
            console.print(
                f"  {problem.component} {label} (session {problem.session_id}): {reason}",
                highlight=False,
                markup=False,
            )
    for path in report.missing_files:
        console.print(f"  missing file: {path}", highlight=False, markup=False, soft_wrap=True)
    for failing in report.failing_tests:
        what = "flaky tests, counted as failures," if failing.only_flaky else "tests failing"
        console.print(
            f"  {what} for {failing.component} ({failing.test_file}): {failing.summary}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        for case in failing.failed_cases[:5]:
            console.print(f"    {case.test_id}: {case.message}", highlight=False, markup=False)
    blocking = report.preexisting_failures if report.preexisting_block else []
    for line in [*broken_lines(report.broken_tests), *preexisting_lines(blocking)]:
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    if blocking:
        console.print(
            "  tests failing before this run block it ([validation] preexisting_failures = "
            '"block", as recorded when the run started): fix them in your working tree, then '
            "`codemyspec sessions resume` validates again",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    for culprit in report.culprits:  # every child passed alone: which one breaks the whole
        console.print(f"  {culprit.message()}", highlight=False, markup=False, soft_wrap=True)


def print_next_steps(session: Session, console: Console, ident: str) -> None:
    stopped = (SessionStatus.FAILED, SessionStatus.CANCELLED)
    kept = [
        f"{session_label(c)}: {worktree}"
        for c in session.child_sessions
        if c.status in stopped and (worktree := ComponentState.of(c).worktree)
    ]
    console.print("What to do next:", highlight=False)
    console.print(
        f"  • `codemyspec sessions retry {ident}` runs the failed and cancelled components "
        "again from scratch, then validates the whole context",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"  • `codemyspec sessions resume {ident}` continues from where it stopped "
        "(after an interruption or a fix outside codemyspec)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"  • fix by hand: the completed components are in your working tree, uncommitted; "
        f"`codemyspec sessions show {ident}` has the full record",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for worktree in kept:
        console.print(
            f"    kept for inspection: {worktree}", highlight=False, markup=False, soft_wrap=True
        )


def print_server_gone(
    session_id: int, how: str, gone: Exception, console: Console, server: str
) -> None:
    """The server stayed away past ``[server] wait_seconds``: the run stopped, resumable."""
    again = (
        f"codemyspec join {session_id} --server {server}"
        if how == "join"
        else f"codemyspec sessions resume {session_id} --server {server}"
    )
    console.print(
        f"[yellow]stopped:[/] {escape(str(gone))}. The agents were stopped and nothing "
        "recorded is lost: the sessions are as the server last recorded them. Once the "
        f"server is back, `{again}` continues.",
        highlight=False,
        soft_wrap=True,
    )


def print_joined(session: Session, console: Console, *, interrupted: bool = False) -> None:
    """After ``join``: where the parent's children stand; the driving runner does the rest."""
    counts: dict[str, int] = {}
    for child in session.child_sessions:
        counts[child.status.value] = counts.get(child.status.value, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no children"
    verb = "interrupted; left" if interrupted else "done with"
    console.print(
        f"{verb} session {session.id} ({session_label(session)}): children {summary}. "
        "The runner driving it validates, commits and pushes.",
        highlight=False,
    )
