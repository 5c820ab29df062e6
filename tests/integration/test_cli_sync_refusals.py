"""``codemyspec sync`` refuses design docs it cannot trust, naming the file, and writes nothing.

Each test starts from a synced repository (Money, Ledger using Money, Tax) and adds a valid
context doc next to the bad input: a sync that wrote as it read would write that one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codemyspec.design_docs import MAX_DESIGN_DOC_BYTES
from tests.support.cli_project import CliProject, context_doc
from tests.support.cli_runs import NAMES, invoke

DOC = "docs/design/shop/billing.md"
LEDGER_DOC = "docs/design/shop/billing/ledger.md"
ACCOUNTS_DOC = "docs/design/shop/accounts.md"
ACCOUNTS = (
    "# Accounts\n\n## Purpose\nWho pays.\n\n## Components\n\n### Accounts.Payer\n\n"
    "| field | value |\n| --- | --- |\n| type | other |\n\nA payer.\n"
)


def tree() -> list[dict[str, Any]]:
    listed = invoke("components", "--json")
    assert listed.exit_code == 0, listed.output
    parsed: list[dict[str, Any]] = json.loads(listed.stdout)
    return parsed


def assert_refused(project: CliProject, message: str) -> None:
    """``sync`` exits 1 with exactly ``message`` and the component tree is as it was."""
    project.git.write(ACCOUNTS_DOC, ACCOUNTS)
    before = tree()

    result = invoke("sync")

    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: {message}\n"
    assert tree() == before
    assert "Accounts" not in {c["module_name"] for c in before}


def write_bytes(project: CliProject, relative: str, data: bytes) -> None:
    path = project.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_a_byte_that_is_not_utf8_names_the_file_and_its_offset(project: CliProject) -> None:
    text = context_doc(NAMES).encode("utf-8")
    offset = text.index(b"Bills customers") + len("Bills ")
    write_bytes(project, DOC, text[:offset] + b"\xff" + text[offset:])

    assert_refused(project, f"{DOC}: not UTF-8 (byte 0xff at offset {offset})")


def test_latin1_in_a_component_doc_names_that_doc(project: CliProject) -> None:
    text = (project.root / LEDGER_DOC).read_text(encoding="utf-8")
    write_bytes(project, LEDGER_DOC, text.replace("component", "compon\u00e9nt").encode("latin-1"))
    offset = text.index("component") + len("compon")

    assert_refused(project, f"{LEDGER_DOC}: not UTF-8 (byte 0xe9 at offset {offset})")


def test_a_doc_over_the_size_limit_names_its_size_and_the_limit(project: CliProject) -> None:
    huge = context_doc(NAMES) + "\nFiller.\n" + "x" * (5 * 1024 * 1024)
    project.git.write(DOC, huge)
    size = len(huge.encode("utf-8"))

    assert_refused(
        project,
        f"{DOC}: {size} bytes, over the limit of {MAX_DESIGN_DOC_BYTES} bytes (256 KiB) "
        "for one design doc",
    )


def test_a_doc_of_exactly_the_size_limit_syncs(project: CliProject) -> None:
    text = context_doc(NAMES) + "\nFiller.\n"
    project.git.write(DOC, text + "x" * (MAX_DESIGN_DOC_BYTES - len(text.encode()) - 1) + "\n")
    assert (project.root / DOC).stat().st_size == MAX_DESIGN_DOC_BYTES

    result = invoke("sync")

    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 0 deleted" in result.output


def _move_out(project: CliProject, relative: str, outside: Path) -> Path:
    """Move ``relative`` to ``outside`` and leave a symlink to it in its place."""
    outside.parent.mkdir(parents=True, exist_ok=True)
    (project.root / relative).rename(outside)
    (project.root / relative).symlink_to(outside)
    return outside.resolve()


def test_a_doc_linked_to_a_file_outside_the_repository_is_refused(
    project: CliProject, tmp_path: Path
) -> None:
    target = _move_out(project, DOC, tmp_path / "elsewhere" / "billing.md")

    assert_refused(
        project,
        f"{DOC}: resolves to {target}, outside the project root {project.root.resolve()} "
        "(design docs must be files of the repository)",
    )


def test_a_design_folder_linked_outside_the_repository_is_refused(
    project: CliProject, tmp_path: Path
) -> None:
    target = _move_out(project, "docs/design/shop", tmp_path / "elsewhere" / "shop")
    (target / "accounts.md").write_text(ACCOUNTS, encoding="utf-8")
    before = tree()

    result = invoke("sync")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: docs/design/shop: resolves to {target}, outside the project root "
        f"{project.root.resolve()} (design docs must be files of the repository)\n"
    )
    assert tree() == before


def test_a_component_folder_linked_outside_names_the_component_doc(
    project: CliProject, tmp_path: Path
) -> None:
    folder = _move_out(project, "docs/design/shop/billing", tmp_path / "elsewhere" / "billing")

    assert_refused(
        project,
        f"{LEDGER_DOC}: resolves to {folder / 'ledger.md'}, outside the project root "
        f"{project.root.resolve()} (design docs must be files of the repository)",
    )


def test_a_doc_linked_to_a_file_inside_the_repository_syncs(project: CliProject) -> None:
    _move_out(project, DOC, project.root / "notes" / "billing.md")
    project.git.write(ACCOUNTS_DOC, ACCOUNTS)

    result = invoke("sync")

    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 deleted" in result.output
    assert {c["module_name"] for c in tree()} >= {"Billing.Ledger", "Accounts.Payer"}


def _section(name: str) -> str:
    return f"### {name}\n\n| field | value |\n| --- | --- |\n| type | other |\n\nIt {name}.\n\n"


def with_components(text: str, *names: str) -> str:
    """The context doc with ``names`` added at the end of its ``## Components``."""
    at = text.index("## Dependencies")
    return text[:at] + "".join(_section(name) for name in names) + text[at:]


def line_of(relative: str, heading: str) -> int:
    lines = (Path.cwd() / relative).read_text(encoding="utf-8").splitlines()
    return lines.index(heading) + 1


def test_two_components_whose_names_differ_only_by_case_are_refused(project: CliProject) -> None:
    project.git.write(DOC, with_components(context_doc(NAMES), "Billing.MONEY"))
    first, second = line_of(DOC, "### Billing.Money"), line_of(DOC, "### Billing.MONEY")

    assert_refused(
        project,
        f"{DOC}:{second}: 'Billing.MONEY' and 'Billing.Money' ({DOC}:{first}) differ only by "
        "case: on a case-insensitive filesystem their files and branches would be one",
    )


def test_two_contexts_whose_names_differ_only_by_case_name_both_docs(project: CliProject) -> None:
    other = "docs/design/shop/b_illing.md"
    project.git.write(other, "# BIlling\n\n## Purpose\nBills twice.\n")

    assert_refused(
        project,
        f"{DOC}:1: 'Billing' and 'BIlling' ({other}:1) differ only by case: on a "
        "case-insensitive filesystem their files and branches would be one",
    )


def test_two_children_whose_names_have_one_slug_are_refused_naming_the_branch(
    project: CliProject,
) -> None:
    project.git.write(DOC, with_components(context_doc(NAMES), "Billing.Steps.Money"))
    first, second = line_of(DOC, "### Billing.Money"), line_of(DOC, "### Billing.Steps.Money")

    assert_refused(
        project,
        f"{DOC}:{second}: 'Billing.Steps.Money' and 'Billing.Money' ({DOC}:{first}) would work "
        "on one branch, code-context-coding-session-for-billing--money",
    )
