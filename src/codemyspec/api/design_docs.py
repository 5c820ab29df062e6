"""Component sync over HTTP: the client uploads its design docs, the server has no working tree."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from codemyspec.api.auth import AppDep, CallerScope
from codemyspec.api.errors import error_responses
from codemyspec.api.inputs import CheckedRoute
from codemyspec.api.params import ProjectId
from codemyspec.api.scoping import in_project
from codemyspec.components import ComponentType
from codemyspec.design_docs import SyncReport, sync_uploaded_design_docs

#: More files than any project's design folder holds; the body limit caps their total size.
MAX_FILES = 2000

router = APIRouter(route_class=CheckedRoute)


class DesignDocsIn(BaseModel):
    """Every design doc of the project, by path relative to its root; a sync replaces the tree."""

    model_config = ConfigDict(extra="forbid")

    files: dict[str, str] = Field(
        max_length=MAX_FILES,
        description="path (e.g. docs/design/shop/billing.md) → markdown text",
    )


class TreeNodeOut(BaseModel):
    """A synced context and its children's module names, in doc order."""

    module_name: str
    type: ComponentType
    children: list[str]


class SyncReportOut(BaseModel):
    """What the sync created, updated and deleted, and the tree the database now holds."""

    created: list[str]
    updated: list[str]
    deleted: list[str]
    tree: list[TreeNodeOut]

    @classmethod
    def of(cls, report: SyncReport) -> SyncReportOut:
        """The wire form of a ``SyncReport`` (tuples become lists)."""
        return cls(
            created=list(report.created),
            updated=list(report.updated),
            deleted=list(report.deleted),
            tree=[
                TreeNodeOut(module_name=n.module_name, type=n.type, children=list(n.children))
                for n in report.tree
            ],
        )


@router.post(
    "/api/projects/{project_id}/components/sync",
    response_model=SyncReportOut,
    tags=["components"],
    responses=error_responses(401, 404, 413, 422),
)
def sync_components(
    project_id: ProjectId, body: DesignDocsIn, scope: CallerScope, app: AppDep
) -> SyncReportOut:
    """Make the project's components match the uploaded docs; a bad doc changes nothing."""
    with app.unit_of_work() as uow:
        project_scope = in_project(uow, scope, project_id)
        project = uow.projects.get(project_scope, project_id)
        return SyncReportOut.of(sync_uploaded_design_docs(uow, project_scope, project, body.files))
