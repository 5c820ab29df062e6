"""A Phoenix user's first steps on a real ``mix new shop`` project: ``init --language elixir``,
``sync`` of a core context (``# Billing``) and of the web layer (``# ShopWeb``), and the paths
``components`` shows for each type."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.cli_runs import flat, invoke
from tests.support.git_repos import git

pytestmark = pytest.mark.skipif(shutil.which("mix") is None, reason="Elixir is not installed")

WEB = {
    "ShopWeb.UserLive": ("live_view", "lib/shop_web/live/user_live.ex"),
    "ShopWeb.PageController": ("controller", "lib/shop_web/controllers/page_controller.ex"),
    "ShopWeb.PageHTML": ("html", "lib/shop_web/controllers/page_html.ex"),
    "ShopWeb.PageJSON": ("json", "lib/shop_web/controllers/page_json.ex"),
    "ShopWeb.CoreComponents": ("component", "lib/shop_web/components/core_components.ex"),
    "ShopWeb.RoomChannel": ("channel", "lib/shop_web/channels/room_channel.ex"),
    "ShopWeb.Router": ("other", "lib/shop_web/router.ex"),
}
CORE = {
    "Billing.Invoice": ("schema", "lib/shop/billing/invoice.ex"),
    "Billing.InvoiceRepository": ("repository", "lib/shop/billing/invoice_repository.ex"),
    "Billing.Ledger": ("other", "lib/shop/billing/ledger.ex"),
    "Billing.RateCache": ("genserver", "lib/shop/billing/rate_cache.ex"),
    "Billing.Reconcile": ("task", "lib/shop/billing/reconcile.ex"),
}


def context_doc(heading: str, components: dict[str, tuple[str, str]]) -> str:
    sections = "\n".join(
        f"### {name}\n\n| field | value |\n| --- | --- |\n| type | {kind} |\n\nThe {name}.\n"
        for name, (kind, _) in components.items()
    )
    return f"# {heading}\n\n## Purpose\nPart of the shop.\n\n## Components\n\n{sections}"


def mirrored_test(code: str) -> str:
    """``lib/shop_web/live/user_live.ex`` → ``test/shop_web/live/user_live_test.exs``."""
    return "test/" + code.removeprefix("lib/").removesuffix(".ex") + "_test.exs"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["mix", "new", "shop"], cwd=tmp_path, check=True, capture_output=True)
    root = tmp_path / "shop"
    git("init", "-q", "-b", "main", cwd=root)
    monkeypatch.chdir(root)
    return root


def files_by_module() -> dict[str, dict[str, str]]:
    listed = invoke("components", "--json")
    assert listed.exit_code == 0, listed.output
    return {
        c["module_name"]: {kind: info["path"] for kind, info in c["files"].items()}
        | {"type": c["type"]}
        for c in json.loads(listed.stdout)
    }


def test_init_writes_settings_that_speak_of_lib_and_mix_not_python(shop: Path) -> None:
    result = invoke("init", "--language", "elixir")

    assert result.exit_code == 0, result.output
    assert "(package 'shop', elixir, app module Shop)" in flat(result.output)
    settings = (shop / "codemyspec.toml").read_text(encoding="utf-8")
    assert 'language = "elixir"' in settings
    assert "lib/<package>/, lib/<package>_web/" in settings
    assert '# code = "lib/{package}/{module}.ex"' in settings
    assert '# test_command = ["mix", "test"]' in settings
    for python_word in ("src/<package>", "pytest", "pip install", ".py", "src/"):
        assert python_word not in settings


def test_sync_and_components_place_the_core_app_and_the_web_layer(shop: Path) -> None:
    assert invoke("init", "--language", "elixir").exit_code == 0
    (shop / "docs/design/shop").mkdir(parents=True)
    (shop / "docs/design/shop/billing.md").write_text(context_doc("Billing", CORE))
    (shop / "docs/design/shop/shop_web.md").write_text(context_doc("ShopWeb", WEB))

    synced = invoke("sync")

    assert synced.exit_code == 0, synced.output
    assert "ShopWeb (context)" in synced.output
    assert "14 created" in synced.output
    files = files_by_module()
    assert files["ShopWeb"] == {
        "design": "docs/design/shop/shop_web.md",
        "code": "lib/shop_web.ex",
        "test": "test/shop_web_test.exs",
        "type": "context",
    }
    assert files["Billing"]["code"] == "lib/shop/billing.ex"
    assert files["Billing"]["test"] == "test/shop/billing_test.exs"
    for name, (_, code) in {**WEB, **CORE}.items():
        assert (files[name]["code"], files[name]["test"]) == (code, mirrored_test(code)), name
    assert files["ShopWeb.UserLive"]["type"] == "liveview"
    assert files["ShopWeb.UserLive"]["design"] == "docs/design/shop/shop_web/user_live.md"
    shown = flat(invoke("components").output)
    assert "ShopWeb.UserLive (liveview) code lib/shop_web/live/user_live.ex ✗" in shown
    assert "test test/shop_web/live/user_live_test.exs ✗" in shown


def test_the_web_layer_is_named_after_the_app_module_mix_exs_declares(shop: Path) -> None:
    mix_exs = shop / "mix.exs"
    mix_exs.write_text(mix_exs.read_text().replace("Shop.MixProject", "Storefront.MixProject"))
    assert invoke("init", "--language", "elixir").exit_code == 0
    (shop / "docs/design/shop").mkdir(parents=True)
    web = {"StorefrontWeb.UserLive": ("liveview", "")}
    (shop / "docs/design/shop/storefront_web.md").write_text(context_doc("StorefrontWeb", web))

    assert invoke("sync").exit_code == 0

    files = files_by_module()
    assert files["StorefrontWeb"]["code"] == "lib/shop_web.ex"
    assert files["StorefrontWeb.UserLive"]["code"] == "lib/shop_web/live/user_live.ex"
    assert files["StorefrontWeb.UserLive"]["test"] == "test/shop_web/live/user_live_test.exs"


def test_an_unknown_type_names_the_phoenix_types(shop: Path) -> None:
    assert invoke("init", "--language", "elixir").exit_code == 0
    (shop / "docs/design/shop").mkdir(parents=True)
    doc = context_doc("ShopWeb", {"ShopWeb.UserLive": ("live_component", "")})
    (shop / "docs/design/shop/shop_web.md").write_text(doc)

    refused = invoke("sync")

    assert refused.exit_code == 1
    error = flat(refused.stderr)
    assert "unknown component type 'live_component'" in error
    for kind in ("liveview", "html", "json", "channel", "component", "task"):
        assert kind in error
