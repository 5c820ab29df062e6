"""An Elixir agent's prompt speaks Elixir: full module names, ExUnit, ``mix test``, and the
coding rules for its type (the repository's own, else the ones codemyspec ships)."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from codemyspec.bootstrap import App
from codemyspec.component_coding_sessions import GenerateImplementation
from codemyspec.component_coding_sessions.prompts import (
    MAX_GENERATE_PROMPT_CHARS,
    RULES_LIMIT,
    ImplementationBrief,
    generate_prompt,
)
from codemyspec.component_coding_sessions.rules import coding_rules, shipped_rules
from codemyspec.components import Component, ComponentType, component_files
from codemyspec.projects import Language, Project
from codemyspec.scope import Scope
from codemyspec.sessions import ExecutionMode, Session, SessionStatus, StepContext
from tests.support.recorded import prepared

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SCOPE = Scope(account_id=1, project_id=1, user_id=1)
SHIPPED = files("codemyspec.component_coding_sessions") / "rules"
ELIXIR_TYPES = [
    "context",
    "schema",
    "repository",
    "liveview",
    "controller",
    "genserver",
    "html",
    "json",
    "channel",
    "component",
    "task",
    "other",
]


def shop(root: Path, **fields: Any) -> Project:
    elixir = {"id": 1, "account_id": 1, "name": "shop", "package": "shop", "root": str(root)}
    return Project(**{**elixir, "language": Language.ELIXIR, **fields})


def component(module_name: str, kind: ComponentType, **fields: Any) -> Component:
    return Component(
        id=2,
        account_id=1,
        project_id=1,
        name=module_name.rsplit(".", 1)[-1],
        module_name=module_name,
        type=kind,
        **fields,
    )


def generate(app: App, project: Project, part: Component, **state: Any) -> str:
    session = Session(
        id=1,
        account_id=1,
        project_id=1,
        component_id=part.id,
        type="ComponentCodingSessions",
        status=SessionStatus.ACTIVE,
        execution_mode=ExecutionMode.AUTO,
        environment_type="local",
        state={"worktree": project.root, "branch_name": "b--part", **state},
        inserted_at=T0,
        updated_at=T0,
        component=part,
        project=project,
    )
    with app.unit_of_work() as uow:
        context = StepContext(uow.sessions, uow.components)
        ready = prepared(session, Path(str(project.root)))
        command = GenerateImplementation.get_command(SCOPE, ready, context=context)
    prompt: str = command.prompt
    return prompt


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def shipped(language: Language, kind: str) -> str:
    """The shipped rules as an agent of ``shop`` reads them."""
    rules = coding_rules(lambda _path: None, shop(Path(), language=language), kind)
    assert rules is not None
    return rules.text.strip()


def test_an_elixir_component_is_named_in_full_tested_with_exunit_and_run_with_mix_test(
    app: App, tmp_path: Path
) -> None:
    ledger = component("Billing.Ledger", ComponentType.SCHEMA, dependencies=["Billing.Money"])

    prompt = generate(app, shop(tmp_path), ledger)

    assert "of the project 'shop' (Elixir, app module Shop).\n" in prompt
    assert "- module: Shop.Billing.Ledger\n" in prompt
    assert (
        "- write the implementation in: lib/shop/billing/ledger.ex (module Shop.Billing.Ledger)"
    ) in prompt
    assert (
        "- write its ExUnit tests in: test/shop/billing/ledger_test.exs "
        "(module Shop.Billing.LedgerTest), from the design document's test assertions."
    ) in prompt
    assert "  - Shop.Billing.Money\n" in prompt
    assert (
        "## Coding rules for schema components\n\n" + shipped(Language.ELIXIR, "schema") in prompt
    )
    assert prompt.endswith(
        "Run its tests with `mix test test/shop/billing/ledger_test.exs` to check your work "
        "before you finish; fix any compiler warning in the files you wrote.\n"
    )
    for python_word in ("pytest", "package", ".py", "unit tests in"):
        assert python_word not in prompt


def test_a_liveview_keeps_its_web_module_name_and_gets_the_liveview_rules(
    app: App, tmp_path: Path
) -> None:
    write(tmp_path, "test/shop_web/live/user_live_test.exs", "defmodule ShopWeb.UserLiveTest\n")
    user_live = component("ShopWeb.UserLive", ComponentType.LIVEVIEW)

    prompt = generate(app, shop(tmp_path), user_live, test_file_existed=True)

    assert "- module: ShopWeb.UserLive\n" in prompt
    assert "in: lib/shop_web/live/user_live.ex (module ShopWeb.UserLive)" in prompt
    assert (
        "- its ExUnit tests already exist in: test/shop_web/live/user_live_test.exs — read "
        "them, make them pass, and do NOT change that file."
    ) in prompt
    assert shipped(Language.ELIXIR, "liveview") in prompt
    assert "Phoenix.LiveViewTest" in prompt
    assert "`mix test test/shop_web/live/user_live_test.exs`" in prompt


def test_the_app_module_from_mix_exs_prefixes_the_module(app: App, tmp_path: Path) -> None:
    project = shop(tmp_path, app_module="MyShop")

    prompt = generate(app, project, component("Billing.Ledger", ComponentType.OTHER))

    assert "(Elixir, app module MyShop)" in prompt
    assert "- module: MyShop.Billing.Ledger\n" in prompt


def test_the_project_s_test_command_is_the_one_the_agent_is_told_to_run(
    app: App, tmp_path: Path
) -> None:
    project = shop(tmp_path, test_command=["mix", "test", "--trace"])

    prompt = generate(app, project, component("Billing.Ledger", ComponentType.OTHER))

    assert "Run its tests with `mix test --trace test/shop/billing/ledger_test.exs`" in prompt


def test_the_context_s_own_module_is_named_in_full(app: App, tmp_path: Path) -> None:
    billing = component("Billing", ComponentType.CONTEXT)

    prompt = generate(app, shop(tmp_path), billing, write_context_module=True)

    assert "- write the implementation in: lib/shop/billing.ex (module Shop.Billing)" in prompt
    assert shipped(Language.ELIXIR, "context") in prompt


def test_the_repository_s_rules_for_a_type_win_over_the_shipped_ones(
    app: App, tmp_path: Path
) -> None:
    write(tmp_path, "docs/rules/liveview.md", "Our LiveViews use Surface.\n")

    prompt = generate(app, shop(tmp_path), component("ShopWeb.UserLive", ComponentType.LIVEVIEW))

    assert "## Coding rules for liveview components\n\nOur LiveViews use Surface.\n" in prompt
    assert "Phoenix.LiveViewTest" not in prompt


def test_an_empty_rules_file_in_the_repository_means_no_rules(app: App, tmp_path: Path) -> None:
    write(tmp_path, "docs/rules/other.md", "")

    prompt = generate(app, shop(tmp_path), component("Billing.Ledger", ComponentType.OTHER))

    assert "## Coding rules" not in prompt


def test_a_python_component_keeps_python_wording_and_gets_python_rules(
    app: App, tmp_path: Path
) -> None:
    project = shop(tmp_path, language=Language.PYTHON)

    prompt = generate(app, project, component("Billing.Ledger", ComponentType.OTHER))

    assert "of the project 'shop' (python, package 'shop').\n" in prompt
    assert "- module: Billing.Ledger\n" in prompt
    assert "- write the implementation in: src/shop/billing/ledger.py\n" in prompt
    assert "- write the unit tests in: tests/billing/test_ledger.py" in prompt
    assert shipped(Language.PYTHON, "other") in prompt
    assert prompt.endswith("Run the unit tests to check your work before you finish.\n")
    assert "ExUnit" not in prompt and "mix test" not in prompt


def test_rules_come_from_the_repository_first_then_from_codemyspec(tmp_path: Path) -> None:
    repository = {"docs/rules/schema.md": "Ours."}
    project = shop(tmp_path)

    own = coding_rules(repository.get, project, "schema")
    default = coding_rules(repository.get, project, "genserver")
    shared = coding_rules(repository.get, project, "coordination_context")
    python = shop(tmp_path, language=Language.PYTHON)

    assert own is not None and (own.text, own.source) == ("Ours.", "docs/rules/schema.md")
    assert default is not None and default.source == (
        "codemyspec's elixir rules for genserver components"
    )
    assert shared is not None and shared.text == shipped(Language.ELIXIR, "context") + "\n"
    assert coding_rules(repository.get, python, "liveview") is None


def test_shipped_rules_speak_of_the_project_s_own_app(tmp_path: Path) -> None:
    project = shop(tmp_path, app_module="MyShop")
    assert "MyApp" in str(shipped_rules(Language.ELIXIR, "liveview"))

    rules = coding_rules(lambda _path: None, project, "liveview")

    assert rules is not None
    assert "`use MyShopWeb, :live_view`" in rules.text
    assert "`lib/shop_web/live/`" in rules.text
    assert "MyApp" not in rules.text and "my_app" not in rules.text


@pytest.mark.parametrize("kind", ELIXIR_TYPES)
def test_codemyspec_ships_short_elixir_rules_for_every_phoenix_type(kind: str) -> None:
    text = str(shipped_rules(Language.ELIXIR, kind))

    assert ComponentType(kind).value == kind
    assert 200 < len(text) < RULES_LIMIT // 4
    assert "Tests" in text


def test_every_shipped_rules_file_is_for_a_known_type() -> None:
    for language in SHIPPED.iterdir():
        for rules in language.iterdir():
            assert rules.name.endswith(".md")
            ComponentType(rules.name.removesuffix(".md"))


def test_an_elixir_prompt_stays_bounded_with_every_input_at_its_largest(tmp_path: Path) -> None:
    longest = "Billing." + "AbCd" * 98
    project = shop(tmp_path, app_module="A" * 100, test_command=["mix", "test", "x" * 100_000])
    part = component(
        longest,
        ComponentType.LIVEVIEW,
        description="d" * 100_000,
        dependencies=[f"Billing.Dep{i}" + "X" * 380 for i in range(1_000)],
    )
    brief = ImplementationBrief(
        project=project,
        component=part,
        paths=component_files(part, project),
        design_text="D" * 1_000_000,
        test_file_exists=False,
        rules="R" * 1_000_000,
        rules_path="docs/rules/liveview.md",
        dependencies=part.dependencies,
        others=["lib/" + "o" * 400 + ".ex"] * 1_000,
        roots=["lib", "test"],
    )

    assert len(generate_prompt(brief)) <= MAX_GENERATE_PROMPT_CHARS
