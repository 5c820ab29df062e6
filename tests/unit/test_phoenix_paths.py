"""Where an Elixir project's modules go: the core app in ``lib/shop/``, the Phoenix web layer
in ``lib/shop_web/`` with a folder per kind, as ``mix phx.new`` lays them out."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from codemyspec.components import Component, ComponentType, component_files
from codemyspec.projects import (
    Language,
    Layout,
    Project,
    full_module_name,
    mix_app,
    mix_app_module,
)

SHOP = Project(id=1, account_id=1, name="shop", package="shop", language=Language.ELIXIR)
MIX_EXS = """\
defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", elixir: "~> 1.14"]
  end
end
"""


def component(module_name: str, kind: ComponentType, **fields: str) -> Component:
    return Component(
        id=1,
        account_id=1,
        project_id=1,
        name=module_name.rsplit(".", 1)[-1],
        module_name=module_name,
        type=kind,
        **fields,
    )


def files(module_name: str, kind: ComponentType, project: Project = SHOP) -> tuple[str, str]:
    paths = component_files(component(module_name, kind), project)
    return str(paths.code), str(paths.test)


@pytest.mark.parametrize(
    ("module_name", "kind", "code", "test"),
    [
        (
            "ShopWeb.UserLive",
            ComponentType.LIVEVIEW,
            "lib/shop_web/live/user_live.ex",
            "test/shop_web/live/user_live_test.exs",
        ),
        (
            "ShopWeb.UserLive.Index",
            ComponentType.LIVEVIEW,
            "lib/shop_web/live/user_live/index.ex",
            "test/shop_web/live/user_live/index_test.exs",
        ),
        (
            "ShopWeb.PageController",
            ComponentType.CONTROLLER,
            "lib/shop_web/controllers/page_controller.ex",
            "test/shop_web/controllers/page_controller_test.exs",
        ),
        (
            "ShopWeb.PageHTML",
            ComponentType.HTML,
            "lib/shop_web/controllers/page_html.ex",
            "test/shop_web/controllers/page_html_test.exs",
        ),
        (
            "ShopWeb.PageJSON",
            ComponentType.JSON,
            "lib/shop_web/controllers/page_json.ex",
            "test/shop_web/controllers/page_json_test.exs",
        ),
        (
            "ShopWeb.CoreComponents",
            ComponentType.COMPONENT,
            "lib/shop_web/components/core_components.ex",
            "test/shop_web/components/core_components_test.exs",
        ),
        (
            "ShopWeb.RoomChannel",
            ComponentType.CHANNEL,
            "lib/shop_web/channels/room_channel.ex",
            "test/shop_web/channels/room_channel_test.exs",
        ),
        (
            "ShopWeb.Router",
            ComponentType.OTHER,
            "lib/shop_web/router.ex",
            "test/shop_web/router_test.exs",
        ),
        ("ShopWeb", ComponentType.CONTEXT, "lib/shop_web.ex", "test/shop_web_test.exs"),
    ],
)
def test_a_web_module_lives_in_its_phoenix_folder_and_its_test_mirrors_it(
    module_name: str, kind: ComponentType, code: str, test: str
) -> None:
    assert files(module_name, kind) == (code, test)


@pytest.mark.parametrize(
    ("module_name", "kind", "code", "test"),
    [
        ("Billing", ComponentType.CONTEXT, "lib/shop/billing.ex", "test/shop/billing_test.exs"),
        (
            "Billing.Invoice",
            ComponentType.SCHEMA,
            "lib/shop/billing/invoice.ex",
            "test/shop/billing/invoice_test.exs",
        ),
        (
            "Billing.InvoiceRepository",
            ComponentType.REPOSITORY,
            "lib/shop/billing/invoice_repository.ex",
            "test/shop/billing/invoice_repository_test.exs",
        ),
        (
            "Billing.Ticker",
            ComponentType.GENSERVER,
            "lib/shop/billing/ticker.ex",
            "test/shop/billing/ticker_test.exs",
        ),
        (
            "Billing.Reconcile",
            ComponentType.TASK,
            "lib/shop/billing/reconcile.ex",
            "test/shop/billing/reconcile_test.exs",
        ),
        # A web kind outside <App>Web is a core module like any other.
        (
            "Billing.StatusLive",
            ComponentType.LIVEVIEW,
            "lib/shop/billing/status_live.ex",
            "test/shop/billing/status_live_test.exs",
        ),
    ],
)
def test_a_core_module_lives_under_lib_app(
    module_name: str, kind: ComponentType, code: str, test: str
) -> None:
    assert files(module_name, kind) == (code, test)


def test_the_web_prefix_is_the_app_module_mix_exs_names() -> None:
    project = SHOP.model_copy(update={"app_module": "MyShop"})

    assert files("MyShopWeb.UserLive", ComponentType.LIVEVIEW, project) == (
        "lib/shop_web/live/user_live.ex",
        "test/shop_web/live/user_live_test.exs",
    )
    assert files("ShopWeb.UserLive", ComponentType.LIVEVIEW, project)[0] == (
        "lib/shop/shop_web/user_live.ex"
    )
    assert full_module_name(project, "Billing.Ledger") == "MyShop.Billing.Ledger"


def test_a_python_project_has_no_web_layer() -> None:
    python = SHOP.model_copy(update={"language": Language.PYTHON})

    assert files("ShopWeb.UserLive", ComponentType.LIVEVIEW, python) == (
        "src/shop/shop_web/user_live.py",
        "tests/shop_web/test_user_live.py",
    )
    assert full_module_name(python, "Billing.Ledger") == "Billing.Ledger"


def test_the_project_s_layout_templates_win_over_the_web_folders() -> None:
    layout = Layout(code="lib/{module}.ex", test="test/{module}_test.exs")
    project = SHOP.model_copy(update={"layout": layout})

    assert files("ShopWeb.UserLive", ComponentType.LIVEVIEW, project) == (
        "lib/shop_web/user_live.ex",
        "test/shop_web/user_live_test.exs",
    )


def test_only_the_template_the_project_sets_wins() -> None:
    project = SHOP.model_copy(update={"layout": Layout(test="test/{component}_test.exs")})

    assert files("ShopWeb.UserLive", ComponentType.LIVEVIEW, project) == (
        "lib/shop_web/live/user_live.ex",
        "test/user_live_test.exs",
    )


def test_a_component_s_own_rows_win_over_the_web_folders() -> None:
    own = component(
        "ShopWeb.UserLive",
        ComponentType.LIVEVIEW,
        code_path="lib/shop_web/live/users.ex",
        test_path="test/users_test.exs",
    )

    paths = component_files(own, SHOP)

    assert (paths.code, paths.test) == (
        PurePosixPath("lib/shop_web/live/users.ex"),
        PurePosixPath("test/users_test.exs"),
    )


def test_a_web_module_s_design_doc_sits_beside_its_context_s() -> None:
    paths = component_files(component("ShopWeb.UserLive", ComponentType.LIVEVIEW), SHOP)

    assert paths.design == PurePosixPath("docs/design/shop/shop_web/user_live.md")


@pytest.mark.parametrize(
    ("module_name", "full"),
    [
        ("Billing.Ledger", "Shop.Billing.Ledger"),
        ("Billing", "Shop.Billing"),
        ("ShopWeb.UserLive", "ShopWeb.UserLive"),
        ("ShopWeb", "ShopWeb"),
        ("Shop.Cart", "Shop.Cart"),
    ],
)
def test_an_elixir_module_s_full_name_carries_the_app_module(module_name: str, full: str) -> None:
    assert full_module_name(SHOP, module_name) == full


def test_mix_exs_names_the_app_module_and_the_otp_app() -> None:
    assert mix_app_module(MIX_EXS) == "Shop"
    assert mix_app(MIX_EXS) == "shop"
    assert mix_app_module("defmodule My.Shop.Mixfile do\nend\n") == "My.Shop"
    assert mix_app_module("# no project here\n") is None
    assert mix_app("") is None


@pytest.mark.parametrize("spelled", ["live_view", "LiveView", "live-view", "liveview"])
def test_phoenix_s_spellings_of_a_liveview_are_one_type(spelled: str) -> None:
    assert ComponentType(spelled) is ComponentType.LIVEVIEW
