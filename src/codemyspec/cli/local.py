"""The embedded mode: a repository's own database under ``.codemyspec/`` and its local account."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codemyspec.bootstrap import App, bootstrap
from codemyspec.cli.git import Git
from codemyspec.cli.settings import DATABASE_FILE, STATE_DIR, Settings, find_root, load_settings
from codemyspec.db import database_url
from codemyspec.errors import NotFoundError
from codemyspec.projects import MIX_FILE, Language, Project, ProjectAttrs, mix_app_module
from codemyspec.scope import Scope

LOCAL_ACCOUNT = "local"


@dataclass(frozen=True)
class Local:
    """An opened repository: its settings, app, scope and project row."""

    root: Path
    settings: Settings
    app: App
    scope: Scope
    project: Project

    @property
    def git(self) -> Git:
        """git in the repository, through the app's shell."""
        return Git(self.app.shell, self.root)


def read_mix_exs(root: Path) -> str:
    """The repository's mix.exs, or nothing when it has none (its app module is then the
    package's, camelized)."""
    path = root / MIX_FILE
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def project_attrs(root: Path, settings: Settings) -> ProjectAttrs:
    """The project row ``codemyspec.toml`` describes; an Elixir one's app module from mix.exs."""
    p = settings.project
    elixir = p.language is Language.ELIXIR
    return ProjectAttrs(
        name=p.name,
        root=str(root),
        package=p.package,
        language=p.language,
        code_repo=p.remote,
        design_root=p.design_root,
        test_command=p.test_command,
        layout=settings.layout,
        app_module=mix_app_module(read_mix_exs(root)) if elixir else None,
    )


def open_local(root: Path) -> Local:
    """Open the repository's database and make its project row match ``codemyspec.toml``."""
    settings = load_settings(root)
    (root / STATE_DIR).mkdir(exist_ok=True)
    app = bootstrap(database_url(root / STATE_DIR / DATABASE_FILE))
    attrs = project_attrs(root, settings)
    with app.unit_of_work() as uow:
        account = uow.accounts.get_or_create_account(LOCAL_ACCOUNT)
        scope = Scope(account_id=account.id)
        try:
            found = uow.projects.get_by_name(scope, attrs.name)
            project = uow.projects.update(scope, found.id, attrs)
        except NotFoundError:
            project = uow.projects.create(scope, attrs)
    return Local(root, settings, app, scope.for_project(project.id), project)


def open_here() -> Local:
    """The repository the current directory is in (``codemyspec.toml`` at or above it)."""
    return open_local(find_root(Path.cwd()))
