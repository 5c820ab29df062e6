"""What the generated ``codemyspec.toml`` says of a language profile: where code goes, how
tests run, what a fresh worktree may need. An Elixir project reads of ``lib/`` and mix."""

from __future__ import annotations

from dataclasses import dataclass

from codemyspec.projects import Language


@dataclass(frozen=True, slots=True)
class ProfileComments:
    """The comments (and commented-out lines) that differ between profiles."""

    package: str
    test_command: str
    layout: str
    worktree_setup: str


PROFILE_COMMENTS = {
    Language.PYTHON: ProfileComments(
        package="# the package your code lives in (src/<package>/...)",
        test_command='# test_command = ["python", "-m", "pytest"]   # default for python',
        layout="""\
# [layout]                     # where code and tests go; placeholders: {package}, {module},
#                              # {context}, {component} (underscored); defaults for python:
# code = "src/{package}/{module}.py"             # a flat package: "src/{package}/{component}.py"
# test = "tests/{context}/test_{component}.py"   # beside the code: "{package}/test_{component}.py"
# (a component's own `code` and `test` rows in its design doc win over these)""",
        worktree_setup="""\
# run in each fresh worktree before its agent (not `pip install -e .` into a shared venv:
# parallel installs overwrite each other; tests import each tree's src/ first anyway)""",
    ),
    Language.ELIXIR: ProfileComments(
        package="# the OTP app (mix.exs `app:`): lib/<package>/, lib/<package>_web/",
        test_command='# test_command = ["mix", "test"]   # default for elixir',
        layout="""\
# [layout]                     # where code and tests go; placeholders: {package}, {module},
#                              # {context}, {component} (underscored); defaults for elixir:
# code = "lib/{package}/{module}.ex"
# test = "test/{package}/{module}_test.exs"
# (<App>Web modules go to lib/<package>_web/: live/, controllers/, components/, channels/,
# by type, tested under test/<package>_web/; a component's own `code` and `test` rows in
# its design doc win over all of these)""",
        worktree_setup="""\
# run in each fresh worktree before its agent: each has its own deps/ and _build/, so a
# project with dependencies needs ["mix", "deps.get"] (or a step that copies them in)""",
    ),
}
