"""``[forge] pull_request``: placeholders filled inside each argv element, the URL read back."""

from __future__ import annotations

import pytest

from codemyspec.components import Component, ComponentType
from codemyspec.context_coding_sessions import OpenPullRequest, check_template, pull_request_url
from codemyspec.context_coding_sessions.pull_request import fill
from codemyspec.context_coding_sessions.steps.open_pull_request import pull_request_text
from codemyspec.sessions import Result, ResultStatus, SessionStatus
from tests.support.recorded import recorded_session

URL = "https://github.com/example/shop/pull/7"


def test_placeholders_are_filled_inside_each_element_and_nothing_else_is() -> None:
    argv = ["gh", "pr", "create", "--title={title}", "--body", "{body}", "{base}..{branch}"]
    values = {"title": "Implement {x}", "body": "a; rm -rf /", "branch": "b", "base": "main"}
    assert fill(argv, values) == [
        "gh",
        "pr",
        "create",
        "--title=Implement {x}",
        "--body",
        "a; rm -rf /",
        "main..b",
    ]


def test_an_unknown_placeholder_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown placeholder \{titel\} in '--title=\{titel\}'"):
        check_template(["gh", "--title={titel}"])


def test_the_url_is_the_last_one_printed() -> None:
    out = "See https://docs.example.com for help\nCreating pull request\n" + URL + "\n"
    assert pull_request_url(out) == URL
    assert pull_request_url("nothing here") is None


def test_a_pull_request_opened_before_a_crash_is_recorded_not_opened_twice() -> None:
    session = recorded_session()
    already = Result.error(
        "gh pr create exited with 1",
        stderr=f'a pull request for branch "b" into branch "main" already exists:\n{URL}\n',
    )
    outcome = OpenPullRequest.handle_result(None, session, already)  # type: ignore[arg-type]
    assert outcome.result.status is ResultStatus.OK
    assert outcome.updates.status is SessionStatus.COMPLETE
    assert outcome.updates.state == {"pull_request_url": URL, "pull_request_error": None}


def _component(id_: int, name: str, kind: ComponentType) -> Component:
    return Component(
        id=id_, account_id=1, project_id=1, name=name, module_name=f"Billing.{name}", type=kind
    )


@pytest.mark.parametrize(
    ("only", "title"),
    [([], "Implement Billing context"), (["Billing.Tax"], "Implement Tax of Billing context")],
)
def test_the_title_is_the_commits_subject_a_partial_runs_included(
    only: list[str], title: str
) -> None:
    child = recorded_session(session_type="ComponentCodingSessions").model_copy(
        update={"id": 2, "component": _component(2, "Tax", ComponentType.OTHER)}
    )
    parent = recorded_session().model_copy(
        update={
            "component": _component(1, "Billing", ComponentType.CONTEXT),
            "child_sessions": [child],
            "state": {"only": only},
        }
    )
    assert pull_request_text(parent)[0] == title
