"""Design docs: the seed doc syncs into a component tree; malformed docs name file and line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codemyspec.bootstrap import App
from codemyspec.components import Component, ComponentType
from codemyspec.design_docs import SyncReport, TreeNode, sync_design_docs
from codemyspec.errors import ValidationError
from codemyspec.projects import Project, ProjectAttrs
from codemyspec.scope import Scope

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "context_coding_sessions.md"
CONTEXT = "ContextCodingSessions"
DOC = "docs/design/code_my_spec/context_coding_sessions.md"
COMPONENT_DIR = "docs/design/code_my_spec/context_coding_sessions"
CHILDREN = [
    f"{CONTEXT}.Orchestrator",
    f"{CONTEXT}.Steps.Initialize",
    f"{CONTEXT}.Steps.SpawnComponentCodingSessions",
    f"{CONTEXT}.Steps.Finalize",
]


@dataclass(frozen=True)
class DocProject:
    app: App
    scope: Scope
    project: Project
    root: Path

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def sync(self) -> SyncReport:
        with self.app.unit_of_work() as uow:
            return sync_design_docs(uow, self.scope, self.project, self.root)

    def components(self) -> list[Component]:
        with self.app.unit_of_work() as uow:
            return uow.components.list_components(self.scope)

    def by_name(self) -> dict[str, Component]:
        return {c.module_name: c for c in self.components()}


@pytest.fixture
def docs(app: App, account_scope: Scope, tmp_path: Path) -> DocProject:
    root = tmp_path / "project"
    with app.unit_of_work() as uow:
        project = uow.projects.create(
            account_scope,
            ProjectAttrs(name="code_my_spec", root=str(root), package="code_my_spec"),
        )
    made = DocProject(app, account_scope.for_project(project.id), project, root)
    made.write(DOC, SEED.read_text(encoding="utf-8"))
    return made


def _component_doc(name: str, dependencies: list[str]) -> str:
    items = "\n".join(f"- {dependency}" for dependency in dependencies)
    return f"# {name}\n\nDoes one thing.\n\n## Dependencies\n{items}\n"


def test_the_seed_doc_syncs_into_one_context_with_four_components(docs: DocProject) -> None:
    report = docs.sync()

    components = docs.by_name()
    assert sorted(components) == sorted([CONTEXT, *CHILDREN])
    context = components[CONTEXT]
    assert context.type is ComponentType.CONTEXT
    assert context.parent_component_id is None
    assert context.description is not None
    assert context.description.startswith("Orchestrates the implementation")
    for name in CHILDREN:
        assert components[name].type is ComponentType.OTHER
        assert components[name].parent_component_id == context.id
        assert components[name].dependencies == []
    assert components[f"{CONTEXT}.Steps.Initialize"].name == "Initialize"
    assert components[f"{CONTEXT}.Steps.Finalize"].description == (
        "Completes the context coding session by committing all implementation code."
    )
    assert sorted(report.created) == sorted([CONTEXT, *CHILDREN])
    assert report.updated == ()
    assert report.deleted == ()
    assert report.tree == (TreeNode(CONTEXT, ComponentType.CONTEXT, tuple(CHILDREN)),)


def test_syncing_again_without_changes_touches_nothing(docs: DocProject) -> None:
    docs.sync()
    before = docs.components()

    report = docs.sync()

    assert (report.created, report.updated, report.deleted) == ((), (), ())
    assert docs.components() == before


def test_a_component_doc_sets_the_component_dependencies(docs: DocProject) -> None:
    deps = [f"{CONTEXT}.Steps.Initialize", f"{CONTEXT}.Steps.Finalize"]
    docs.write(f"{COMPONENT_DIR}/orchestrator.md", _component_doc("Orchestrator", deps))
    docs.write(
        f"{COMPONENT_DIR}/steps/finalize.md",
        _component_doc("Finalize", [f"{CONTEXT}.Steps.Initialize"]),
    )

    docs.sync()

    components = docs.by_name()
    assert components[f"{CONTEXT}.Orchestrator"].dependencies == deps
    assert components[f"{CONTEXT}.Steps.Finalize"].dependencies == [f"{CONTEXT}.Steps.Initialize"]
    assert components[f"{CONTEXT}.Steps.Initialize"].dependencies == []


def test_changing_a_priority_updates_only_that_component(docs: DocProject) -> None:
    docs.sync()
    text = docs.read(DOC).replace(
        "| type  | other |\n\nPrepares", "| type  | other |\n| priority | 3 |\n\nPrepares"
    )
    docs.write(DOC, text)

    report = docs.sync()

    assert report.updated == (f"{CONTEXT}.Steps.Initialize",)
    assert (report.created, report.deleted) == ((), ())
    assert docs.by_name()[f"{CONTEXT}.Steps.Initialize"].priority == 3


def test_renaming_a_component_in_the_doc_renames_it_in_the_database(docs: DocProject) -> None:
    docs.sync()
    docs.write(DOC, docs.read(DOC).replace(f"### {CONTEXT}.Steps.Finalize", f"### {CONTEXT}.Done"))

    report = docs.sync()

    assert report.created == (f"{CONTEXT}.Done",)
    assert report.deleted == (f"{CONTEXT}.Steps.Finalize",)
    components = docs.by_name()
    assert f"{CONTEXT}.Steps.Finalize" not in components
    assert components[f"{CONTEXT}.Done"].parent_component_id == components[CONTEXT].id


def test_removing_a_component_from_the_doc_deletes_it(docs: DocProject) -> None:
    docs.sync()
    text = docs.read(DOC)
    start = text.index(f"### {CONTEXT}.Steps.SpawnComponentCodingSessions")
    docs.write(DOC, text[:start] + text[text.index(f"### {CONTEXT}.Steps.Finalize") :])

    report = docs.sync()

    assert report.deleted == (f"{CONTEXT}.Steps.SpawnComponentCodingSessions",)
    assert sorted(docs.by_name()) == sorted(
        [CONTEXT, *[c for c in CHILDREN if not c.endswith("SpawnComponentCodingSessions")]]
    )


def test_removing_a_context_doc_deletes_the_context_and_its_children(docs: DocProject) -> None:
    docs.sync()
    (docs.root / DOC).unlink()

    report = docs.sync()

    assert report.deleted[-1] == CONTEXT
    assert sorted(report.deleted) == sorted([CONTEXT, *CHILDREN])
    assert docs.components() == []


def test_two_context_docs_sync_side_by_side(docs: DocProject) -> None:
    docs.write(
        "docs/design/code_my_spec/billing.md",
        "# Billing\n\n## Purpose\nBills.\n\n## Components\n### Billing.Invoice\n\n"
        "| field | value |\n| --- | --- |\n| type | schema |\n| priority | 2 |\n\nAn invoice.\n",
    )

    report = docs.sync()

    components = docs.by_name()
    assert components["Billing.Invoice"].type is ComponentType.SCHEMA
    assert components["Billing.Invoice"].priority == 2
    assert components["Billing.Invoice"].parent_component_id == components["Billing"].id
    assert [node.module_name for node in report.tree] == ["Billing", CONTEXT]


Mutation = Callable[[str], str]
LineOf = Callable[[str], int]


def _drop_h1(text: str) -> str:
    return text.replace(f"# {CONTEXT}\n", "", 1)


def _drop_table(text: str) -> str:
    table = "| field | value |\n| ----- | ----- |\n| type  | other |\n\nPrepares"
    return text.replace(table, "Prepares", 1)


def _initialize_rows(rows: str) -> Mutation:
    def mutate(text: str) -> str:
        return text.replace("| type  | other |\n\nPrepares", f"{rows}\n\nPrepares", 1)

    return mutate


def _rename(old: str, new: str) -> Mutation:
    return lambda text: text.replace(f"### {old}\n", f"### {new}\n", 1)


def _line_of(needle: str, occurrence: int = 1, shift: int = 0) -> LineOf:
    def find(text: str) -> int:
        lines = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == needle]
        return lines[occurrence - 1] + shift

    return find


MALFORMED: dict[str, tuple[Mutation, LineOf, str]] = {
    "no h1": (_drop_h1, lambda _text: 1, "no '# <Context>' heading"),
    "a heading without a table": (
        _drop_table,
        _line_of(f"### {CONTEXT}.Steps.Initialize"),
        "has no '| field | value |' table",
    ),
    "a table without a type": (
        _initialize_rows("| owner | me |"),
        _line_of("| owner | me |", shift=-2),
        "has no 'type' row",
    ),
    "an unknown type": (
        _initialize_rows("| type | widget |"),
        _line_of("| type | widget |"),
        "unknown component type 'widget'",
    ),
    "a priority that is not a number": (
        _initialize_rows("| type | other |\n| priority | high |"),
        _line_of("| priority | high |"),
        "priority 'high'",
    ),
    "a duplicate module name": (
        _rename(f"{CONTEXT}.Steps.Finalize", f"{CONTEXT}.Steps.Initialize"),
        _line_of(f"### {CONTEXT}.Steps.Initialize", occurrence=2),
        f"duplicate component '{CONTEXT}.Steps.Initialize'",
    ),
    "a component outside the context": (
        _rename(f"{CONTEXT}.Steps.Finalize", "Other.Finalize"),
        _line_of("### Other.Finalize"),
        f"'Other.Finalize' is not under the context '{CONTEXT}'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_context_doc_names_file_and_line_and_writes_nothing(
    docs: DocProject, case: str
) -> None:
    mutate, line_of, message = MALFORMED[case]
    docs.sync()
    before = docs.components()
    text = mutate(docs.read(DOC))
    assert text != docs.read(DOC)
    docs.write(DOC, text)
    # A valid doc sorted first would be written first if parsing and writing were interleaved.
    docs.write("docs/design/code_my_spec/billing.md", "# Billing\n\n## Purpose\nNew.\n")

    with pytest.raises(ValidationError) as raised:
        docs.sync()

    assert f"{DOC}:{line_of(text)}: " in str(raised.value)
    assert message in str(raised.value)
    assert docs.components() == before


CYCLE_DOCS = {
    "steps/initialize.md": [f"{CONTEXT}.Steps.Finalize"],
    "steps/finalize.md": [f"{CONTEXT}.Orchestrator"],
    "orchestrator.md": [f"{CONTEXT}.Steps.Initialize"],
}


@pytest.mark.parametrize(
    ("component_docs", "path", "line", "message"),
    [
        pytest.param(
            {"orchestrator.md": [f"{CONTEXT}.Steps.Initialize", f"{CONTEXT}.Steps.Missing"]},
            f"{COMPONENT_DIR}/orchestrator.md",
            7,
            f"'{CONTEXT}.Orchestrator' depends on unknown component '{CONTEXT}.Steps.Missing'",
            id="an unknown dependency",
        ),
        pytest.param(
            CYCLE_DOCS,
            f"{COMPONENT_DIR}/orchestrator.md",
            6,
            f"dependency cycle: {CONTEXT}.Orchestrator -> {CONTEXT}.Steps.Initialize -> "
            f"{CONTEXT}.Steps.Finalize -> {CONTEXT}.Orchestrator",
            id="a dependency cycle",
        ),
        pytest.param(
            {"steps/finalize.md": ["not a module"]},
            f"{COMPONENT_DIR}/steps/finalize.md",
            6,
            "invalid module name 'not a module'",
            id="a dependency that is not a module name",
        ),
    ],
)
def test_a_bad_component_doc_names_file_and_line_and_writes_nothing(
    docs: DocProject, component_docs: dict[str, list[str]], path: str, line: int, message: str
) -> None:
    docs.sync()
    before = docs.components()
    for relative, dependencies in component_docs.items():
        docs.write(f"{COMPONENT_DIR}/{relative}", _component_doc("Component", dependencies))

    with pytest.raises(ValidationError) as raised:
        docs.sync()

    assert f"{path}:{line}: " in str(raised.value)
    assert message in str(raised.value)
    assert docs.components() == before


def test_a_context_doc_in_the_wrong_file_is_refused(docs: DocProject) -> None:
    docs.write("docs/design/code_my_spec/billing.md", "# Shipping\n\n## Purpose\nShips.\n")

    with pytest.raises(ValidationError, match=r"billing\.md:1: .*'Shipping' belongs in"):
        docs.sync()

    assert docs.components() == []


@pytest.mark.parametrize("where", ["under its heading", "in its purpose"])
def test_a_context_s_own_code_and_test_rows_place_its_module(docs: DocProject, where: str) -> None:
    """A library whose top module is the context (``lib/decimal.ex``) names its files, as a
    component can; a doc without the rows keeps the layout's ``context_code``."""
    rows = "| field | value |\n| --- | --- |\n"
    rows += "| code | lib/decimal.ex |\n| test | test/d_test.exs |\n"
    text = docs.read(DOC)
    head, purpose = "# ContextCodingSessions\n", "## Purpose\n"
    if where == "under its heading":
        text = text.replace(head, f"{head}\n{rows}\n", 1)
    else:
        text = text.replace(purpose, f"{purpose}\n{rows}\n", 1)
    docs.write(DOC, text)

    docs.sync()

    context = docs.by_name()[CONTEXT]
    assert (context.code_path, context.test_path) == ("lib/decimal.ex", "test/d_test.exs")
    assert context.description is not None and "Orchestrates" in context.description
    docs.write(DOC, docs.read(DOC).replace(rows, ""))
    report = docs.sync()
    assert report.updated == (CONTEXT,)
    assert docs.by_name()[CONTEXT].code_path is None
