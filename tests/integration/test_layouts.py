"""Real repository layouts at sync: ``[layout]`` templates, a component's own paths, docs as
people write them (``- none``, an Elixir app's module prefix), and paths shown by
``components``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_project import CliProject
from tests.support.cli_runs import flat, invoke

DOC = "docs/design/shop/billing.md"


def component(name: str, *rows: str) -> str:
    extra = "".join(f"| {row} |\n" for row in rows)
    return (
        f"### Billing.{name}\n\n| field | value |\n| --- | --- |\n| type | other |\n{extra}\n"
        f"The {name} component.\n"
    )


def context(*components: str, heading: str = "Billing") -> str:
    return (
        f"# {heading}\n\n## Purpose\nBills customers.\n\n## Components\n\n"
        + "\n".join(components)
        + "\n## Dependencies\n\n- none\n"
    )


def files_of(module_name: str) -> dict[str, Any]:
    listed = invoke("components", "--json")
    assert listed.exit_code == 0, listed.output
    by_name = {c["module_name"]: c for c in json.loads(listed.stdout)}
    files: dict[str, Any] = by_name[module_name]["files"]
    return {kind: info["path"] for kind, info in files.items()}


def synced(project: CliProject, doc: str) -> str:
    project.git.write(DOC, doc)
    result = invoke("sync")
    assert result.exit_code == 0, result.output
    return result.output


def refused(project: CliProject, doc: str) -> str:
    before = invoke("components", "--json").stdout
    project.git.write(DOC, doc)
    result = invoke("sync")
    assert result.exit_code == 1, result.output
    assert invoke("components", "--json").stdout == before, "nothing of that sync written"
    return flat(result.stderr)


def test_a_component_s_own_code_and_test_rows_win_over_the_layout(project: CliProject) -> None:
    synced(
        project,
        context(
            component("Money", "code | `src/shop/_money.py`", "test | tests/test_money_all.py"),
            component("Tax"),
        ),
    )

    assert files_of("Billing.Money") == {
        "design": "docs/design/shop/billing/money.md",
        "code": "src/shop/_money.py",
        "test": "tests/test_money_all.py",
    }
    assert files_of("Billing.Tax")["code"] == "src/shop/billing/tax.py"
    shown = flat(invoke("components").output)
    for part in ("Billing.Money (other)", "code src/shop/_money.py ✗", "test_money_all.py ✗"):
        assert part in shown, shown


@pytest.mark.parametrize(
    "row", ["code | ../outside.py", "code | /etc/passwd", "test | tests\\windows.py"]
)
def test_an_explicit_path_outside_the_project_is_refused_naming_doc_and_line(
    project: CliProject, row: str
) -> None:
    error = refused(project, context(component("Money", row)))

    line = context(component("Money", row)).splitlines().index(f"| {row} |") + 1
    assert error.startswith(f"error: {DOC}:{line}: ")
    assert "must be a relative path inside the project root" in error


def test_two_components_owning_one_code_file_are_refused_naming_both(
    project: CliProject,
) -> None:
    error = refused(
        project,
        context(
            component("Money", "code | src/shop/money.py"),
            component("Tax", "code | src/shop/money.py"),
        ),
    )

    assert "'Billing.Tax' and 'Billing.Money'" in error
    assert "map to one code file, src/shop/money.py" in error


def test_none_under_dependencies_means_none(project: CliProject) -> None:
    project.git.write(
        "docs/design/shop/billing/tax.md", "# Billing.Tax\n\n## Dependencies\n\n- none\n"
    )

    synced(project, context(component("Money"), component("Tax")))

    listed = json.loads(invoke("components", "--json").stdout)
    assert {c["module_name"]: c["dependencies"] for c in listed}["Billing.Tax"] == []


def test_an_elixir_style_heading_with_the_app_prefix_is_the_context(
    project: CliProject,
) -> None:
    doc = context(component("Money"), heading="Shop.Billing").replace(
        "### Billing.Money", "### Shop.Billing.Money"
    )

    synced(project, doc)

    names = {c["module_name"] for c in json.loads(invoke("components", "--json").stdout)}
    assert names == {"Billing", "Billing.Money"}


def test_a_heading_of_two_segments_says_what_to_write_and_where(project: CliProject) -> None:
    error = refused(project, context(component("Money"), heading="Billing.Extra"))

    assert (
        "a context is named by one segment: 'Billing.Extra' reads as a component of "
        "'Billing'; head this doc '# Billing' (or '# Shop.Billing')"
    ) in error


def test_layout_templates_place_every_component(tmp_path: Path, project: CliProject) -> None:
    settings = project.root / "codemyspec.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + '\n[layout]\ncode = "src/{package}/{component}.py"\ntest = "tests/test_{component}.py"\n',
        encoding="utf-8",
    )

    synced(project, context(component("Money"), component("Tax")))

    assert files_of("Billing.Money") == {
        "design": "docs/design/shop/billing/money.md",
        "code": "src/shop/money.py",
        "test": "tests/test_money.py",
    }
    assert files_of("Billing")["code"] == "src/shop/__init__.py"


def test_an_unknown_placeholder_in_a_layout_is_a_clear_error(project: CliProject) -> None:
    settings = project.root / "codemyspec.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + '\n[layout]\ncode = "src/{pkg}/{module}.py"\n',
        encoding="utf-8",
    )

    result = invoke("sync")

    assert result.exit_code == 1
    assert "layout.code 'src/{pkg}/{module}.py': unknown placeholder {pkg}" in flat(result.output)


def test_a_context_named_like_the_package_keeps_its_components_names(
    project: CliProject,
) -> None:
    """humanize's one context is ``Humanize`` with ``Humanize.Lists``: no prefix to strip."""
    project.git.write(
        "docs/design/shop/shop.md",
        "# Shop\n\n## Components\n\n### Shop.Cart\n\n| field | value |\n| --- | --- |\n"
        "| type | other |\n\nThe cart.\n",
    )

    synced(project, context(component("Money")))

    names = {c["module_name"] for c in json.loads(invoke("components", "--json").stdout)}
    assert {"Shop", "Shop.Cart", "Billing", "Billing.Money"} <= names


def test_a_component_whose_test_is_its_context_s_own_says_how_to_part_them(
    project: CliProject,
) -> None:
    """python-dateutil's Parser.Parser is tested by tests/test_parser.py, the context's default."""
    error = refused(project, context(component("Money", "test | tests/test_billing.py")))

    assert "map to one test file, tests/test_billing.py (the context's own tests: set " in error
    assert "[layout] context_test, or give the component its own `| test |` row)" in error
