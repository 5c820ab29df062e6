"""``[notify]`` and ``[forge]`` on real runs: a local webhook receiver, a notify command and
a stand-in ``gh`` on PATH get what a user's would; neither ever fails or blocks the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codemyspec.cli.settings import ForgeSettings, NotifySettings, load_settings
from codemyspec.errors import ConfigurationError
from codemyspec.notify import Notification, Notifier, NotifyEvent, Targets
from codemyspec.service_layer import ContextStart
from tests.support.cli_project import BRANCH, make_cli_project
from tests.support.cli_runs import flat, invoke, record, use
from tests.support.git_repos import git
from tests.support.receivers import (
    dead_url,
    stand_in,
    stand_in_calls,
    webhook_receiver,
)

PR_URL = "https://github.com/example/shop/pull/7"
GH = ["gh", "pr", "create", "--title", "{title}", "--body", "{body}", "--head", "{branch}"]


def on_path(monkeypatch: pytest.MonkeyPatch, bin_dir: Path) -> None:
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def test_a_completed_run_opens_a_pull_request_and_tells_the_webhook_and_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    gh = stand_in(bin_dir, "gh", prints=f"Creating pull request\n{PR_URL}\n")
    hook = stand_in(bin_dir, "on-done", reads_stdin=True)
    with webhook_receiver(200) as receiver:
        project = make_cli_project(
            tmp_path / "repo",
            ["Money", "Tax"],
            notify=NotifySettings(webhook=receiver.url, command=[str(hook), "--from", "test"]),
            forge=ForgeSettings(pull_request=[*GH, "--base", "{base}"]),
        )
        use(project, monkeypatch)
        on_path(monkeypatch, bin_dir)
        assert invoke("sync").exit_code == 0

        result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert f"pull request {PR_URL}" in text
    assert f"notified (complete): webhook {receiver.url}: delivered; command {hook}: delivered" in (
        text
    )
    # gh got the title, the body, the branch and the base as separate arguments.
    [call] = stand_in_calls(gh)
    argv = call["argv"]
    assert argv[:5] == ["pr", "create", "--title", "Implement Billing context", "--body"]
    assert argv[6:] == ["--head", BRANCH, "--base", "main"]
    body = argv[5]
    assert body.startswith("- Money\n- Tax\n")
    assert "- Money (tests/billing/test_money.py): 1 passed" in body
    # One JSON body, alike for the webhook and the command (on its stdin).
    [sent] = receiver.received
    [told] = stand_in_calls(hook)
    assert told["argv"] == ["--from", "test"]
    assert Notification.model_validate_json(told["stdin"]).model_dump(mode="json") == sent
    assert sent["event"] == "complete"
    assert sent["status"] == "complete"
    assert sent["context"] == "Billing"
    assert sent["branch"] == BRANCH
    assert sent["commit"] == git("rev-parse", BRANCH, cwd=project.root).strip()
    assert sent["pull_request_url"] == PR_URL
    assert sent["reasons"] == []
    # The record keeps the URL and the delivery; `sessions show` says both.
    state = record(1)["state"]
    assert state["pull_request_url"] == PR_URL
    assert state["notification"]["ok"] is True
    shown = flat(invoke("sessions", "show", "1").output)
    assert f"pull request {PR_URL}" in shown
    assert "notified (complete," in shown


def test_a_failed_validation_tells_the_webhook_why_a_person_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    gh = stand_in(bin_dir, "gh", prints=PR_URL)
    with webhook_receiver(200) as receiver:
        project = make_cli_project(
            tmp_path / "repo",
            ["Money", "Ledger"],
            notify=NotifySettings(webhook=receiver.url),
            forge=ForgeSettings(pull_request=GH),
        )
        use(project, monkeypatch)
        on_path(monkeypatch, bin_dir)
        assert invoke("sync").exit_code == 0
        project.set_script("Money", {"write": "def add(a, b):\n    return a - b\n"})

        result = invoke("implement", "Billing", "--max-fix-rounds", "0")

    assert result.exit_code == 1, result.output
    assert "notified (needs_person)" in flat(result.output)
    [sent] = receiver.received
    assert sent["event"] == "needs_person"
    assert sent["status"] == "active", "validation failed: the session waits for a decision"
    assert sent["commit"] is None
    kinds = {reason["kind"]: reason["message"] for reason in sent["reasons"]}
    assert set(kinds) == {"validation_failed", "dependency_cancelled"}
    assert "Money" in kinds["validation_failed"]
    assert "Ledger (dependency Money failed)" in kinds["dependency_cancelled"]
    assert stand_in_calls(gh) == [], "no pull request without a commit"


def test_a_failing_forge_and_a_dead_webhook_leave_the_run_complete_and_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "gh", fails_with="gh: To get started with GitHub CLI, run: gh auth login")
    url = dead_url()
    project = make_cli_project(
        tmp_path / "repo",
        ["Money"],
        notify=NotifySettings(webhook=url, tries=2, retry_seconds=0),
        forge=ForgeSettings(pull_request=GH),
    )
    use(project, monkeypatch)
    on_path(monkeypatch, bin_dir)
    assert invoke("sync").exit_code == 0

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "✓ Billing implemented" in text
    assert "pull request not opened: gh pr create exited with 1: gh: To get started" in text
    assert "run: gh auth login (the branch is pushed: open it by hand)" in text
    assert f"notification failed (complete): webhook {url}: ConnectError" in text
    assert "(after 2 tries)" in text
    session = record(1)
    assert session["status"] == "complete"
    assert session["state"].get("pull_request_url") is None
    assert "gh auth login" in session["state"]["pull_request_error"]
    assert session["state"]["notification"]["ok"] is False
    assert BRANCH in project.git.remote_branches()


def _notification() -> Notification:
    return Notification(
        event=NotifyEvent.COMPLETE, session_id=3, context="Billing", status="complete", reasons=[]
    )


def test_delivery_retries_with_backoff_until_the_receiver_takes_it(tmp_path: Path) -> None:
    slept: list[float] = []
    with webhook_receiver(500, 503, 200) as receiver:
        targets = Targets(webhook=receiver.url, tries=4, retry_seconds=1.5)
        delivered = Notifier(targets, tmp_path, sleep=slept.append).deliver(_notification())

    assert delivered.ok, delivered.detail
    assert len(receiver.received) == 3
    assert slept == [1.5, 3.0], "exponential backoff between tries"


def test_a_receiver_that_keeps_failing_is_reported_with_its_answer(tmp_path: Path) -> None:
    with webhook_receiver(500) as receiver:
        targets = Targets(webhook=receiver.url, command=["no-such-notifier"], tries=2)
        delivered = Notifier(targets, tmp_path, sleep=lambda _: None).deliver(_notification())

    assert not delivered.ok
    assert delivered.detail == (
        f"webhook {receiver.url}: HTTP 500 (after 2 tries); "
        "command no-such-notifier: program 'no-such-notifier' was not found (after 2 tries)"
    )


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[forge]\npull_request = ["gh", "pr", "create", "--title", "{titel}"]', "{titel}"),
        ("[forge]\npull_request = []", "pull request command is empty"),
        ('[notify]\nwebhook = "ftp://example.com"', "notify.webhook"),
        ('[notify]\ncommand = [""]', "notify.command"),
        ('[notify]\nevents = ["sometimes"]', "notify.events"),
    ],
)
def test_bad_notify_and_forge_settings_are_named(tmp_path: Path, toml: str, named: str) -> None:
    (tmp_path / "codemyspec.toml").write_text(
        f'[project]\nname = "shop"\npackage = "shop"\n\n{toml}\n', encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"codemyspec\.toml") as refused:
        load_settings(tmp_path)
    assert named in str(refused.value)


def test_the_api_refuses_a_pull_request_template_with_an_unknown_placeholder() -> None:
    with pytest.raises(ValueError, match=r"unknown placeholder \{head\}"):
        ContextStart(context="Billing", pull_request=["gh", "--head", "{head}"])


def test_an_only_run_and_the_rest_after_it_each_open_a_pull_request_titled_as_their_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run that implements what ``--only`` left starts on the first run's branch: its
    pull request goes into the branch the first one started from, never into itself."""
    bin_dir = tmp_path / "bin"
    gh = stand_in(bin_dir, "gh", prints=f"{PR_URL}\n")
    project = make_cli_project(
        tmp_path / "repo",
        ["Money", "Tax"],
        forge=ForgeSettings(pull_request=[*GH, "--base", "{base}"]),
    )
    use(project, monkeypatch)
    on_path(monkeypatch, bin_dir)
    assert invoke("sync").exit_code == 0

    first = invoke("implement", "Billing", "--only", "Money")
    rest = invoke("implement", "Billing")

    assert first.exit_code == 0, first.output
    assert rest.exit_code == 0, rest.output
    calls = [call["argv"] for call in stand_in_calls(gh)]
    assert [argv[argv.index("--title") + 1] for argv in calls] == [
        "Implement Money of Billing context",
        "Implement Tax of Billing context",
    ]
    assert [argv[argv.index("--base") + 1] for argv in calls] == ["main", "main"]
    assert {argv[argv.index("--head") + 1] for argv in calls} == {BRANCH}
