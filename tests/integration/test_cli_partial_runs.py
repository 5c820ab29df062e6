"""``implement --only``: a subset of a context's components, then the rest on top of it;
and the progress a context session carries (``sessions show``, ``--json``, the API)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from codemyspec.context_coding_sessions import CHILD_SESSION_TYPE, SESSION_TYPE
from tests.support.api_callers import Caller, post
from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import calls, flat, invoke, listed, record
from tests.support.git_repos import git
from tests.support.sample_project import code_path


def test_only_refuses_an_unknown_name_a_missing_dependency_and_nothing_changing_nothing(
    project: CliProject,
) -> None:
    head = git("rev-parse", "HEAD", cwd=project.root)
    unknown = invoke("implement", "Billing", "--only", "Money,Coupon")
    missing = invoke("implement", "Billing", "--only", "ledger")
    empty = invoke("implement", "Billing", "--only", " , ")

    assert unknown.exit_code == 1
    assert (
        "--only: 'Coupon' is not a component of Billing; its components: "
        "Billing.Money, Billing.Ledger, Billing.Tax"
    ) in flat(unknown.output)
    assert missing.exit_code == 1
    assert (
        "Billing.Ledger depends on Billing.Money, which is neither among the components this "
        "run implements nor complete at HEAD (src/shop/billing/money.py and "
        "tests/billing/test_money.py committed): add Billing.Money to --only"
    ) in flat(missing.output)
    assert empty.exit_code == 1
    assert "--only names no component of Billing" in flat(empty.output)
    assert listed() == [], "no session was created"
    assert git("rev-parse", "HEAD", cwd=project.root) == head
    assert git("branch", "--list", f"{BRANCH}*", cwd=project.root) == ""
    assert calls(project, "Money") == [], "no agent ran"


def test_only_commits_its_subset_and_a_later_run_implements_the_rest_on_top(
    project: CliProject,
) -> None:
    first = invoke("implement", "Billing", "--only", "money", "--only", "Billing.Tax")

    assert first.exit_code == 0, first.output
    assert "✓ Billing: Money, Tax implemented: 2 components in one commit" in flat(first.output)
    message = project.git.remote_log(BRANCH)[0]
    assert message.startswith("Implement Money, Tax of Billing context\n\n- Money\n- Tax")
    files = set(project.git.remote_files(BRANCH))
    assert {code_path("Money"), code_path("Tax")} <= files
    assert code_path("Ledger") not in files
    shown = record(1)
    assert shown["state"]["only"] == ["Billing.Money", "Billing.Tax"]
    assert shown["state"]["progress"] | {"cost_usd": 0} == {
        "total": 2,
        "complete": 2,
        "failed": 0,
        "cancelled": 0,
        "running": 0,
        "pending": 0,
        "fix_rounds": 0,
        "cost_usd": 0,
        "tokens": 0,
    }
    text = flat(invoke("sessions", "show", "1").output)
    assert "only Billing.Money, Billing.Tax" in text
    assert "2 of 2 components complete · 0 fix rounds · $0.00" in text
    again = invoke("implement", "Billing", "--only", "Money")
    assert again.exit_code == 1
    assert "Billing.Money is implemented already (session 1): leave it out of --only" in flat(
        again.output
    )

    rest = invoke("implement", "Billing")  # what --only left: Ledger, on Money at HEAD

    assert rest.exit_code == 0, rest.output
    assert "✓ Billing: Ledger implemented: 1 component in one commit" in flat(rest.output)
    assert len(calls(project, "Money")) == 1, "Money is not implemented again"
    assert len(calls(project, "Ledger")) == 1
    log = project.git.remote_log(BRANCH)
    assert log[0].startswith("Implement Ledger of Billing context")
    assert log[1].startswith("Implement Money, Tax of Billing context")
    assert {code_path(n) for n in ("Money", "Ledger", "Tax")} <= set(
        project.git.remote_files(BRANCH)
    )
    second = listed()[0]["id"]
    assert record(second)["state"]["only"] == ["Billing.Ledger"]
    done = invoke("implement", "Billing")
    assert done.exit_code == 1
    assert (
        "Billing is implemented already: every component was implemented by --only sessions "
        f"(1, {second})"
    ) in flat(done.output)


def test_a_failed_run_shows_its_progress_a_failure_a_cancellation_and_fix_rounds(
    project: CliProject,
) -> None:
    wrong = {"write": "def add(a: int, b: int) -> int:\n    return a - b\n"}
    project.set_script("Money", wrong, wrong)

    result = invoke("implement", "Billing", "--max-fix-rounds", "1")

    assert result.exit_code == 1, result.output
    progress = record(1)["state"]["progress"]
    assert {k: progress[k] for k in ("total", "complete", "failed", "cancelled", "fix_rounds")} == {
        "total": 3,
        "complete": 1,
        "failed": 1,
        "cancelled": 1,
        "fix_rounds": 1,
    }
    text = flat(invoke("sessions", "show", "1").output)
    assert "1 of 3 components complete · 1 failed · 1 cancelled · 1 fix round · $0.00" in text


def test_the_apis_session_carries_progress_and_a_start_refuses_an_unknown_only(
    client: TestClient, alice: Caller
) -> None:
    project = post(client, alice, "/api/projects", {"name": "shop", "package": "shop"})
    pid = project["id"]
    context = post(
        client,
        alice,
        f"/api/projects/{pid}/components",
        {"module_name": "Billing", "type": "context"},
    )
    post(
        client,
        alice,
        f"/api/projects/{pid}/components",
        {"module_name": "Billing.Money", "parent_component_id": context["id"]},
    )
    refused = client.post(
        f"/api/context-sessions?project_id={pid}",
        json={"context": "Billing", "only": ["Billing.Coupon"]},
        headers=alice.headers,
    )
    assert refused.status_code == 422
    assert "only: Billing.Coupon is not a component of Billing" in refused.text
    parent = post(client, alice, "/api/sessions", {"type": SESSION_TYPE, "project_id": pid})
    child = {"type": CHILD_SESSION_TYPE, "project_id": pid, "session_id": parent["id"]}
    done, failed, running, _waiting = (post(client, alice, "/api/sessions", child) for _ in "abcd")
    usage = {"cost_usd": 1.25, "input_tokens": 1000, "output_tokens": 200}
    changes = [
        (done, {"status": "complete", "state": {"agent_usage": usage, "fix_rounds": 2}}),
        (failed, {"status": "failed", "state": {"fix_rounds": 3}}),
        (running, {"state": {"worktree": ".codemyspec/worktrees/x"}}),
    ]
    for session, change in changes:
        patched = client.patch(f"/api/sessions/{session['id']}", json=change, headers=alice.headers)
        assert patched.status_code == 200, patched.text

    fetched = client.get(f"/api/sessions/{parent['id']}", headers=alice.headers).json()

    assert fetched["state"]["progress"] == {
        "total": 4,
        "complete": 1,
        "failed": 1,
        "cancelled": 0,
        "running": 1,
        "pending": 1,
        "fix_rounds": 5,
        "cost_usd": 1.25,
        "tokens": 1200,
    }


def test_a_missing_context_module_is_written_by_the_run_that_leaves_no_component_out(
    project: CliProject,
) -> None:
    module = "src/shop/billing/__init__.py"
    git("rm", "-q", module, cwd=project.root)
    git("commit", "-q", "-m", "Billing's own module is to be written", cwd=project.root)
    api = "from shop.billing.ledger import total\nfrom shop.billing.tax import tax\n"
    script = json.loads(project.script_path.read_text(encoding="utf-8"))
    tests = (
        "from shop.billing import tax, total\n\n\ndef test_the_public_api():\n"
        "    assert tax(total([50, 50])) == 20\n"
    )
    script[module] = [{"write": api, "also_write": {"tests/test_billing.py": tests}}]
    project.script_path.write_text(json.dumps(script), encoding="utf-8")

    first = invoke("implement", "Billing", "--only", "Money")
    assert first.exit_code == 0, first.output
    assert [c["component"]["name"] for c in record(1)["child_sessions"]] == ["Money"]
    assert module not in project.git.remote_files(BRANCH)

    rest = invoke("implement", "Billing")

    assert rest.exit_code == 0, rest.output
    second = record(listed()[0]["id"])
    assert [c["component"]["name"] for c in second["child_sessions"]] == [
        "Ledger",
        "Tax",
        "Billing",
    ]
    assert {module, code_path("Ledger")} <= set(project.git.remote_files(BRANCH))
