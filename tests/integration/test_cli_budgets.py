"""``implement --budget/--deadline`` and ``[runner] budget_*``: recorded on the session, the
command line winning; a bad value is refused naming the option and the value, and creates
nothing. (The limits stopping real agents: tests/e2e/test_claude_code_budgets.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from codemyspec.cli.budgets import parse_budgets
from codemyspec.cli.settings import RunnerSettings
from codemyspec.clock import utcnow
from tests.support.cli_project import CliProject, make_cli_project
from tests.support.cli_runs import flat, invoke, listed, record, use

NAMES = ["Money", "Tax"]


REFUSED = [
    (
        ["--budget", "lots"],
        "--budget 'lots': expected dollars (5, 5.50, $5, 5usd) or tokens "
        "(200ktokens, 2M-tokens, 150000 tokens)",
    ),
    (["--budget", "0"], "--budget '0': a budget must be more than 0"),
    (["--budget", "200k"], "--budget '200k': expected dollars"),
    (["--budget", "5", "--budget", "$6"], "--budget '$6': a dollar budget was given already"),
    (["--deadline", "soon"], "--deadline 'soon': expected a duration (90s, 45m, 2h, 1h30m)"),
    (["--deadline", "2020-01-01T00:00Z"], "'2020-01-01T00:00Z': that time has passed already"),
    (["--deadline", "2099-01-01T00:00"], "--deadline '2099-01-01T00:00': give the time's zone"),
]


def test_a_bad_budget_or_deadline_is_refused_and_nothing_is_created(project: CliProject) -> None:
    for options, message in REFUSED:
        result = invoke("implement", "Billing", *options)

        assert result.exit_code == 1, options
        assert message in flat(result.output)
    retried = invoke("sessions", "retry", "1", "--budget", "-3")
    assert retried.exit_code == 1
    assert "--budget '-3': expected dollars" in flat(retried.output)
    assert listed() == []


def test_a_bad_deadline_in_the_settings_names_the_file_and_the_field(
    project: CliProject,
) -> None:
    settings = project.root / "codemyspec.toml"
    text = settings.read_text(encoding="utf-8").replace('# deadline = "2h"', 'deadline = "2 days"')
    settings.write_text(text, encoding="utf-8")

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    assert "runner.deadline: Value error, '2 days' is not a duration" in flat(result.output)


def test_the_limits_are_recorded_the_command_line_winning_and_the_report_shows_the_spend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = RunnerSettings(budget_usd=1.0, budget_tokens=300_000, deadline="10m")
    made = make_cli_project(tmp_path, NAMES, runner=configured)
    use(made, monkeypatch)
    assert invoke("sync").exit_code == 0
    before = utcnow()

    result = invoke("implement", "Billing", "--budget", "$5.50", "--deadline", "1h30m")

    assert result.exit_code == 0, result.output
    limits = record(1)["state"]["limits"]
    deadline = datetime.fromisoformat(limits.pop("deadline"))
    assert limits == {"budget_usd": 5.5, "budget_tokens": 300_000, "deadline_given": "1h30m"}
    assert before + timedelta(minutes=90) <= deadline <= utcnow() + timedelta(minutes=90)
    text = flat(result.output)
    # The scripted CLI agent reports no cost: only claude_code's runs are counted.
    assert "spent $0.00 of $5.50 · 0 tokens of 300,000 Money: $0.00, 0 tokens" in text


def test_every_spelling_of_a_budget_reads_as_dollars_or_tokens() -> None:
    spellings = {
        "5": (5.0, None),
        "5.50": (5.5, None),
        "$5": (5.0, None),
        "5usd": (5.0, None),
        "200ktokens": (None, 200_000),
        "2M-tokens": (None, 2_000_000),
        "150000 tokens": (None, 150_000),
    }
    for text, read in spellings.items():
        assert parse_budgets([text]) == read, text
    assert parse_budgets(["$5", "1.5m tokens"]) == (5.0, 1_500_000)
