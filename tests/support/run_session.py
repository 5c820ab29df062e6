"""Run (or resume) a session in its own process, as the command line will: for signal tests.

usage: python -m tests.support.run_session DB_URL ACCOUNT_ID PROJECT_ID SESSION_ID run|resume
The agent is the scripted CLI agent (its script named by SCRIPTED_AGENT_SCRIPT).
"""

from __future__ import annotations

import sys
import threading

from codemyspec.agents import CommandAgent
from codemyspec.bootstrap import bootstrap
from codemyspec.runner import RunnerConfig, stop_on_signals
from codemyspec.scope import Scope
from codemyspec.sessions import SessionStatus
from tests.support.sample_project import scripted_agent_argv


def main(argv: list[str]) -> int:
    database_url, account_id, project_id, session_id, mode = argv
    app = bootstrap(database_url)
    scope = Scope(account_id=int(account_id), project_id=int(project_id))
    with app.unit_of_work() as uow:
        project = uow.projects.get(scope, int(project_id))
    cancel = threading.Event()
    agents = {"scripted": CommandAgent("scripted", scripted_agent_argv())}
    runner = app.runner(project, RunnerConfig(), agents=agents, cancel=cancel)
    with stop_on_signals(cancel):
        drive = runner.resume if mode == "resume" else runner.run
        final = drive(scope, int(session_id))
    print(f"session {final.id} {final.status.value}", flush=True)
    if cancel.is_set():
        return 130
    return 0 if final.status is SessionStatus.COMPLETE else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
