"""Components: the repository, module-name rules, and where each component's files live."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from codemyspec.bootstrap import App
from codemyspec.components import (
    Component,
    ComponentAttrs,
    ComponentType,
    component_files,
    resolve_inside,
)
from codemyspec.errors import ValidationError
from codemyspec.projects import Language, Project, ProjectAttrs
from codemyspec.scope import Scope
from tests.support.factories import make_account, make_project
from tests.support.postgres import on_both_databases

pytestmark = on_both_databases


@pytest.fixture
def project_scope(app: App) -> tuple[Scope, Project]:
    return make_project(app, make_account(app), name="shop")


def _create(app: App, scope: Scope, attrs: ComponentAttrs) -> Component:
    with app.unit_of_work() as uow:
        return uow.components.create(scope, attrs)


def test_a_component_is_created_read_listed_and_updated(
    app: App, project_scope: tuple[Scope, Project]
) -> None:
    scope, project = project_scope
    context = _create(app, scope, ComponentAttrs(module_name="Billing", type=ComponentType.CONTEXT))
    made = _create(
        app,
        scope,
        ComponentAttrs(
            module_name="Billing.InvoiceCalculator",
            description="Totals an invoice.",
            priority=5,
            parent_component_id=context.id,
            dependencies=["Billing.Money"],
        ),
    )
    assert made.name == "InvoiceCalculator", "the name defaults to the last module segment"
    assert made.project_id == project.id
    assert made.account_id == scope.account_id
    assert made.type is ComponentType.OTHER

    with app.unit_of_work() as uow:
        assert uow.components.get(scope, made.id) == made
        assert uow.components.get_by_module_name(scope, "Billing.InvoiceCalculator") == made
        assert [c.module_name for c in uow.components.list_components(scope)] == [
            "Billing",
            "Billing.InvoiceCalculator",
        ]

    with app.unit_of_work() as uow:
        updated = uow.components.update(
            scope,
            made.id,
            ComponentAttrs(
                name="Invoice calculator",
                module_name="Billing.InvoiceTotals",
                type=ComponentType.SCHEMA,
                priority=1,
                parent_component_id=context.id,
            ),
        )
    assert updated.id == made.id
    with app.unit_of_work() as uow:
        stored = uow.components.get(scope, made.id)
    assert stored == updated
    assert stored.name == "Invoice calculator"
    assert stored.module_name == "Billing.InvoiceTotals"
    assert stored.type is ComponentType.SCHEMA
    assert stored.priority == 1
    assert stored.dependencies == []


def test_child_components_come_by_priority_descending_then_name_with_no_priority_last(
    app: App, project_scope: tuple[Scope, Project]
) -> None:
    scope, _ = project_scope
    context = _create(app, scope, ComponentAttrs(module_name="Billing", type=ComponentType.CONTEXT))
    other_context = _create(
        app, scope, ComponentAttrs(module_name="Shipping", type=ComponentType.CONTEXT)
    )
    _create(
        app,
        scope,
        ComponentAttrs(
            module_name="Shipping.Rate", priority=9, parent_component_id=other_context.id
        ),
    )
    for segment, priority in [
        ("Delta", None),
        ("Charlie", 1),
        ("Echo", -2),
        ("Alpha", 1),
        ("Beta", 3),
    ]:
        _create(
            app,
            scope,
            ComponentAttrs(
                module_name=f"Billing.{segment}", priority=priority, parent_component_id=context.id
            ),
        )

    with app.unit_of_work() as uow:
        children = uow.components.list_child_components(scope, context.id)
    assert [(c.name, c.priority) for c in children] == [
        ("Beta", 3),
        ("Alpha", 1),
        ("Charlie", 1),
        ("Echo", -2),
        ("Delta", None),
    ]


def test_a_valid_module_name_is_accepted() -> None:
    attrs = ComponentAttrs(module_name="Billing.InvoiceCalculator", dependencies=["Billing.Money"])
    assert attrs.module_name == "Billing.InvoiceCalculator"
    assert attrs.resolved_name() == "InvoiceCalculator"


@pytest.mark.parametrize(
    "module_name", ["", "billing", "Billing..X", "Billing/X", "../X", "Billing.X;rm", "Billing."]
)
def test_an_invalid_module_name_is_refused_naming_it(module_name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ComponentAttrs(module_name=module_name)
    assert f"invalid module name {module_name!r}" in str(raised.value)


def test_an_invalid_dependency_name_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"invalid module name 'Billing/Money'"):
        ComponentAttrs(module_name="Billing.Ledger", dependencies=["Billing/Money"])


def test_a_duplicate_module_name_in_a_project_is_refused_and_the_first_one_is_kept(
    app: App, project_scope: tuple[Scope, Project]
) -> None:
    scope, _ = project_scope
    with app.unit_of_work() as uow:
        first = uow.components.create(scope, ComponentAttrs(module_name="Billing.Money"))
        with pytest.raises(ValidationError, match=r"'Billing\.Money' already exists"):
            uow.components.create(scope, ComponentAttrs(module_name="Billing.Money"))
        # The refused write is undone on its own; the rest of the unit of work goes on.
        uow.components.create(scope, ComponentAttrs(module_name="Billing.Ledger"))

    with app.unit_of_work() as uow:
        stored = uow.components.list_components(scope)
    assert [c.module_name for c in stored] == ["Billing.Ledger", "Billing.Money"]
    assert stored[1].id == first.id


def test_a_unit_of_work_that_fails_keeps_none_of_its_components(
    app: App, project_scope: tuple[Scope, Project]
) -> None:
    scope, _ = project_scope
    with pytest.raises(RuntimeError, match="abandon"), app.unit_of_work() as uow:
        uow.components.create(scope, ComponentAttrs(module_name="Billing"))
        uow.components.create(scope, ComponentAttrs(module_name="Billing.Money"))
        raise RuntimeError("abandon the unit of work")

    with app.unit_of_work() as uow:
        assert uow.components.list_components(scope) == []


def test_renaming_a_component_onto_an_existing_module_name_is_refused(
    app: App, project_scope: tuple[Scope, Project]
) -> None:
    scope, _ = project_scope
    _create(app, scope, ComponentAttrs(module_name="Billing.Money"))
    ledger = _create(app, scope, ComponentAttrs(module_name="Billing.Ledger"))

    with (
        pytest.raises(ValidationError, match=r"'Billing\.Money' already exists"),
        app.unit_of_work() as uow,
    ):
        uow.components.update(scope, ledger.id, ComponentAttrs(module_name="Billing.Money"))

    with app.unit_of_work() as uow:
        assert uow.components.get(scope, ledger.id).module_name == "Billing.Ledger"


def test_the_same_module_name_may_exist_in_two_projects(app: App) -> None:
    account = make_account(app)
    shop, _ = make_project(app, account, name="shop")
    store, _ = make_project(app, account, name="store")

    in_shop = _create(app, shop, ComponentAttrs(module_name="Billing.Money"))
    in_store = _create(app, store, ComponentAttrs(module_name="Billing.Money"))

    assert in_shop.id != in_store.id
    assert in_shop.project_id != in_store.project_id


# --- where the files live -------------------------------------------------------------------


def _project(app: App, language: Language = Language.PYTHON) -> tuple[Scope, Project]:
    scope = make_account(app)
    with app.unit_of_work() as uow:
        project = uow.projects.create(
            scope, ProjectAttrs(name=f"shop-{language.value}", package="shop", language=language)
        )
    return scope.for_project(project.id), project


def _component(
    app: App, scope: Scope, module_name: str, kind: ComponentType = ComponentType.OTHER
) -> Component:
    return _create(app, scope, ComponentAttrs(module_name=module_name, type=kind))


def test_python_files_of_a_component_follow_the_src_layout(app: App) -> None:
    scope, project = _project(app)
    paths = component_files(_component(app, scope, "Billing.InvoiceCalculator"), project)

    assert paths.code == PurePosixPath("src/shop/billing/invoice_calculator.py")
    assert paths.test == PurePosixPath("tests/billing/test_invoice_calculator.py")
    assert paths.design == PurePosixPath("docs/design/shop/billing/invoice_calculator.md")


def test_acronyms_become_one_snake_case_word(app: App) -> None:
    scope, project = _project(app)
    paths = component_files(_component(app, scope, "Billing.APIClient"), project)

    assert paths.code == PurePosixPath("src/shop/billing/api_client.py")
    assert paths.test == PurePosixPath("tests/billing/test_api_client.py")


def test_deeper_modules_nest_their_directories(app: App) -> None:
    scope, project = _project(app)
    paths = component_files(_component(app, scope, "Billing.Invoices.LineItem"), project)

    assert paths.code == PurePosixPath("src/shop/billing/invoices/line_item.py")
    assert paths.test == PurePosixPath("tests/billing/invoices/test_line_item.py")
    assert paths.design == PurePosixPath("docs/design/shop/billing/invoices/line_item.md")


def test_a_context_lives_in_its_package_init(app: App) -> None:
    scope, project = _project(app)
    context = _component(app, scope, "Billing", ComponentType.CONTEXT)
    coordination = _component(app, scope, "Orders", ComponentType.COORDINATION_CONTEXT)

    assert component_files(context, project).code == PurePosixPath("src/shop/billing/__init__.py")
    assert component_files(coordination, project).code == PurePosixPath(
        "src/shop/orders/__init__.py"
    )


def test_elixir_files_of_a_component_follow_the_mix_layout(app: App) -> None:
    scope, project = _project(app, Language.ELIXIR)
    paths = component_files(_component(app, scope, "Billing.InvoiceCalculator"), project)

    assert paths.code == PurePosixPath("lib/shop/billing/invoice_calculator.ex")
    assert paths.test == PurePosixPath("test/shop/billing/invoice_calculator_test.exs")


@pytest.mark.parametrize("language", [Language.PYTHON, Language.ELIXIR])
def test_every_component_path_is_relative_and_inside_the_project_root(
    app: App, tmp_path: Path, language: Language
) -> None:
    scope, project = _project(app, language)
    root = tmp_path / "checkout"
    root.mkdir()
    components = [
        _component(app, scope, "Billing", ComponentType.CONTEXT),
        _component(app, scope, "Billing.InvoiceCalculator"),
        _component(app, scope, "Billing.APIClient"),
        _component(app, scope, "Billing.Invoices.LineItem"),
        _component(app, scope, "X"),
    ]
    for component in components:
        paths = component_files(component, project)
        for path in (paths.code, paths.test, paths.design):
            assert not path.is_absolute(), path
            assert ".." not in path.parts, path
            assert resolve_inside(root, str(path)).is_relative_to(root.resolve()), path


def test_resolve_inside_joins_a_relative_path_to_the_root(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, "src/shop/money.py") == tmp_path.resolve() / "src/shop/money.py"
    assert resolve_inside(tmp_path, "src/../README.md") == tmp_path.resolve() / "README.md"


@pytest.mark.parametrize(
    "relative", ["../etc/passwd", "/etc/passwd", "src/../../outside.py", "src/shop/../../../x"]
)
def test_resolve_inside_refuses_a_path_that_escapes_the_root(tmp_path: Path, relative: str) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    with pytest.raises(ValidationError, match="escapes the project root") as raised:
        resolve_inside(root, relative)
    assert repr(relative) in str(raised.value)


def test_resolve_inside_refuses_a_symlink_that_points_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)

    with pytest.raises(ValidationError, match="escapes the project root"):
        resolve_inside(root, "link/secret.py")
