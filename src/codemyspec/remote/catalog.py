"""Projects and components on a server: find the repository's project, upload its docs."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from codemyspec.components import Component
from codemyspec.projects import Project, ProjectAttrs
from codemyspec.remote.client import ServerClient

_projects = TypeAdapter(list[Project])
_components = TypeAdapter(list[Component])


class RemoteCatalog:
    """The server's projects and components, for a command line working in remote mode."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def project(self, attrs: ProjectAttrs) -> Project:
        """The caller's project of that name, created on first use (without a local root)."""
        for project in _projects.validate_python(self.client.call("GET", "/api/projects")):
            if project.name == attrs.name:
                return project
        created = attrs.model_copy(update={"root": None}).model_dump(mode="json")
        return Project.model_validate(self.client.call("POST", "/api/projects", json=created))

    def sync(self, project_id: int, files: dict[str, str]) -> dict[str, Any]:
        """Upload the docs: the server makes the components match, or refuses, changing nothing."""
        report: dict[str, Any] = self.client.call(
            "POST", f"/api/projects/{project_id}/components/sync", json={"files": files}
        )
        return report

    def components(self, project_id: int) -> list[Component]:
        data = self.client.call("GET", f"/api/projects/{project_id}/components")
        return _components.validate_python(data)
