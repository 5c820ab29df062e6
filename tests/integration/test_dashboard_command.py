"""``codemyspec dashboard``: its refusals, its one-time link, and steering from its pages.

The dashboard runs in its own process in a test repository (as a user starts it); httpx
plays the browser. The browser itself is in ``tests/e2e/test_dashboard_browser.py``.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from codemyspec.bootstrap import bootstrap
from codemyspec.errors import AuthenticationError
from codemyspec.web import SESSION_COOKIE, csrf_token
from tests.support.cli_project import CliProject
from tests.support.cli_runs import Implementing, flat, invoke, record
from tests.support.dashboards import Dashboarding, dashboard
from tests.support.sample_project import BILLING

pytestmark = pytest.mark.slow


@contextmanager
def signed_in(link: str) -> Iterator[httpx.Client]:
    """A client that followed the dashboard's link, with the cookie it set."""
    with httpx.Client(timeout=30) as client:
        assert client.get(link).status_code == 303
        yield client


def test_outside_a_repository_the_dashboard_is_refused_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = invoke("dashboard", "--no-open")

    assert result.exit_code == 1
    assert f"no codemyspec.toml in {tmp_path} or above" in flat(result.output)
    assert "codemyspec init" in flat(result.output)


def test_a_port_in_use_is_refused_naming_it(project: CliProject) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = invoke("dashboard", "--no-open", "--port", str(port))

    assert result.exit_code == 1
    text = flat(result.output)
    assert f"port {port} on 127.0.0.1 is in use" in text
    assert "--port" in text


def test_the_link_listens_on_loopback_and_signs_in_once_with_a_strict_cookie(
    project: CliProject,
) -> None:
    with dashboard(project) as shown:
        assert shown.url.startswith("http://127.0.0.1:")
        first = httpx.get(shown.link, timeout=30)

        assert first.status_code == 303
        assert first.headers["location"] == "/sessions"
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie  # plain http on loopback: a Secure cookie is never sent
        token = first.cookies[SESSION_COOKIE]
        listed = httpx.get(f"{shown.url}/sessions", cookies={SESSION_COOKIE: token}, timeout=30)
        assert listed.status_code == 200
        assert "No sessions yet" in listed.text

        again = httpx.get(shown.link, timeout=30)

        assert again.status_code == 401
        assert "This sign-in link was used already" in again.text
        assert SESSION_COOKIE not in again.cookies


def test_its_cookie_stops_working_when_the_dashboard_stops(project: CliProject) -> None:
    with dashboard(project) as first:
        token = httpx.get(first.link, timeout=30).cookies[SESSION_COOKIE]
    with dashboard(project) as second:
        listed = httpx.get(f"{second.url}/sessions", cookies={SESSION_COOKIE: token}, timeout=30)

    assert listed.status_code == 303
    assert listed.headers["location"].startswith("/sign-in")


def test_a_retry_from_the_page_runs_here_and_completes_the_session(project: CliProject) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    project.set_script("Tax", {"write": BILLING["Tax"][0]})

    with dashboard(project) as shown, signed_in(shown.link) as client:
        csrf = csrf_token(client.cookies[SESSION_COOKIE])
        done = client.post(f"{shown.url}/sessions/1/retry", data={"csrf": csrf})

        assert done.status_code == 303
        assert done.headers["location"] == "/sessions/1"
        assert record(1)["status"] != "failed", "reopened before the page shows it"
        shown.run.wait_for("✓ Billing implemented", timeout=120)
        again = client.post(f"{shown.url}/sessions/1/retry", data={"csrf": csrf})

    assert record(1)["status"] == "complete"
    assert again.status_code == 409
    assert "session 1 is complete: there is nothing to retry" in again.text


def test_a_second_retry_while_the_first_runs_is_refused(project: CliProject) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})
    assert invoke("implement", "Billing").exit_code == 1
    project.set_script("Tax", {"write": BILLING["Tax"][0], "delay": 5})

    with dashboard(project) as shown, signed_in(shown.link) as client:
        csrf = csrf_token(client.cookies[SESSION_COOKIE])
        first = client.post(f"{shown.url}/sessions/1/retry", data={"csrf": csrf})
        second = client.post(f"{shown.url}/sessions/1/retry", data={"csrf": csrf})
        cancelled = client.post(f"{shown.url}/sessions/1/cancel", data={"csrf": csrf})
        shown.run.wait_for("interrupted:", timeout=120)

    assert first.status_code == 303
    assert second.status_code == 409
    assert "session 1 is running" in second.text
    assert cancelled.status_code == 303
    assert record(1)["status"] == "cancelled"


def test_a_run_in_another_terminal_is_refused_a_retry_naming_its_runner(
    project: CliProject, implementing: list[Implementing]
) -> None:
    project.set_script("Tax", {"write": BILLING["Tax"][0], "hang": 60})
    run = Implementing(project, "Billing")
    implementing.append(run)
    run.wait_for("Billing.Tax: GenerateImplementation started")
    assert invoke("sessions", "cancel", "1").exit_code == 0

    with dashboard(project) as shown, signed_in(shown.link) as client:
        csrf = csrf_token(client.cookies[SESSION_COOKIE])
        refused = client.post(f"{shown.url}/sessions/1/resume", data={"csrf": csrf})

    assert refused.status_code == 409
    assert "session 1 is being run by" in refused.text
    assert "resume it once that run has ended" in refused.text


def test_sigterm_stops_it_as_ctrl_c_does_and_revokes_its_token(project: CliProject) -> None:
    shown = Dashboarding(project)
    try:
        token = httpx.get(shown.link, timeout=30).cookies[SESSION_COOKIE]
        os.killpg(shown.run.proc.pid, signal.SIGTERM)
        code = shown.run.finish(timeout=60)
    finally:
        shown.run.kill()

    assert code == 0, shown.output
    assert "dashboard stopped; its sign-in link and cookie no longer work" in flat(shown.output)
    app = bootstrap(f"sqlite:///{project.root / '.codemyspec' / 'codemyspec.db'}")
    try:
        with pytest.raises(AuthenticationError, match="token revoked"), app.unit_of_work() as uow:
            uow.accounts.authenticate(token)
    finally:
        app.close()


def test_without_port_a_taken_default_port_gives_way_to_a_free_one(project: CliProject) -> None:
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past an earlier TIME_WAIT
        with suppress(OSError):  # held by something else already: taken all the same
            taken.bind(("127.0.0.1", 8765))
            taken.listen()
        with dashboard(project) as shown:
            listed = httpx.get(shown.link, timeout=30)

    assert not shown.url.endswith(":8765")
    assert listed.status_code == 303
