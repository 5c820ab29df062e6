"""``init``, ``sync`` and ``components``: set a repository up and read its design docs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from codemyspec.bootstrap import default_shell
from codemyspec.cli.git import Git
from codemyspec.cli.local import Local, open_here, open_local, read_mix_exs
from codemyspec.cli.settings import (
    CONFIG_FILE,
    STATE_DIR,
    ProjectSettings,
    Settings,
    render_settings,
)
from codemyspec.components import Component, component_files
from codemyspec.errors import ConfigurationError
from codemyspec.projects import Language, app_module, mix_app

if TYPE_CHECKING:  # the design docs' parser (markdown-it) loads only for a sync
    from codemyspec.design_docs import SyncReport

console = Console()


def _package_name(root: Path, language: Language) -> str:
    """An Elixir project's OTP app (mix.exs ``app: :shop``), else the folder's name."""
    if language is Language.ELIXIR and (app := mix_app(read_mix_exs(root))) is not None:
        return app
    name = re.sub(r"[^a-z0-9_]", "_", root.name.lower()).strip("_") or "app"
    return f"_{name}" if name[0].isdigit() else name


def write_settings(root: Path, settings: Settings) -> None:
    """Write ``codemyspec.toml`` and git-ignore the state folder (its database is local)."""
    (root / CONFIG_FILE).write_text(render_settings(settings), encoding="utf-8")
    ignore = root / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    if f"{STATE_DIR}/" not in lines and STATE_DIR not in lines:
        ignore.write_text("\n".join([*lines, f"{STATE_DIR}/"]) + "\n", encoding="utf-8")


def init(
    language: Annotated[Language, typer.Option(help="the language profile")] = Language.PYTHON,
    package: Annotated[str | None, typer.Option(help="the package your code lives in")] = None,
) -> None:
    """Write codemyspec.toml and create the local database in this git repository."""
    shell = default_shell()  # no app yet: the database is made below
    top = Git(shell, Path.cwd()).output("rev-parse", "--show-toplevel")
    if top is None:
        raise ConfigurationError(f"not a git repository: {Path.cwd()} (run `git init` first)")
    root = Path(top)
    if (root / CONFIG_FILE).exists():
        raise ConfigurationError(f"already initialized: {root / CONFIG_FILE} exists")
    settings = Settings(
        project=ProjectSettings(
            name=root.name,
            package=package or _package_name(root, language),
            language=language,
            remote=Git(shell, root).output("remote", "get-url", "origin"),
        )
    )
    write_settings(root, settings)
    local = open_local(root)
    app = f", app module {app_module(local.project)}" if language is Language.ELIXIR else ""
    console.print(
        f"wrote {CONFIG_FILE} (package {settings.project.package!r}, "
        f"{settings.project.language.value}{app}); database in {STATE_DIR}/"
    )
    console.print(
        f"design docs go in {local.project.design_root}/{local.project.package}/; "
        "then run `codemyspec sync`"
    )


def sync_and_show(local: Local, out: Console | None = None) -> SyncReport:
    """Read the design docs into the component tree and print the tree and the changes."""
    from codemyspec.design_docs import sync_design_docs

    out = out or console
    with local.app.unit_of_work() as uow:
        report = sync_design_docs(uow, local.scope, local.project, local.root)
    tree = Tree(f"[bold]{local.project.name}[/]")
    for node in report.tree:
        branch = tree.add(f"{node.module_name} [dim]({node.type.value})[/]")
        for child in node.children:
            branch.add(child)
    out.print(tree)
    out.print(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.deleted)} deleted"
    )
    return report


def sync() -> None:
    """Read the design docs into the component tree and print it."""
    sync_and_show(open_here())


def _file_marks(files: dict[str, dict[str, object]]) -> str:
    """``code src/shop/billing/tax.py ✓  test tests/billing/test_tax.py ✗``."""
    return "  ".join(
        f"{kind} {escape(str(info['path']))} {'✓' if info['exists'] else '✗'}"
        for kind, info in files.items()
        if kind != "design"
    )


def components(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """The component tree with each component's design, code and test files."""
    local = open_here()
    with local.app.unit_of_work() as uow:
        rows = uow.components.list_components(local.scope)
    files: dict[int, dict[str, dict[str, object]]] = {}
    for component in rows:
        paths = component_files(component, local.project)
        files[component.id] = {
            kind: {"path": str(path), "exists": (local.root / path).is_file()}
            for kind, path in (("design", paths.design), ("code", paths.code), ("test", paths.test))
        }
    if as_json:
        records = [{**c.model_dump(mode="json"), "files": files[c.id]} for c in rows]
        typer.echo(json.dumps(records, indent=2))
        return
    children: dict[int | None, list[Component]] = {}
    for component in rows:
        children.setdefault(component.parent_component_id, []).append(component)

    def add(node: Tree, parent: int | None) -> None:
        for component in children.get(parent, []):
            label = f"{component.module_name} [dim]({component.type.value})[/]  "
            add(node.add(label + _file_marks(files[component.id])), component.id)

    tree = Tree(f"[bold]{local.project.name}[/]")
    add(tree, None)
    console.print(tree)
