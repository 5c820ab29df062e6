"""Path and query parameters the routes share, bounded to what the database can hold.

Ids are 32-bit ``INTEGER`` columns (PostgreSQL's ``integer``), so an id past that range names
no row: it is refused as a 422 naming the parameter, before any query is built.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from codemyspec.projects import MAX_INT

ProjectId = Annotated[int, Path(ge=1, le=MAX_INT, description="a project of the caller's")]
ComponentId = Annotated[int, Path(ge=1, le=MAX_INT, description="a component of the project")]
SessionId = Annotated[int, Path(ge=1, le=MAX_INT, description="a session of the caller's")]
InteractionId = Annotated[int, Path(ge=1, le=MAX_INT, description="an interaction of the session")]

ProjectFilter = Annotated[
    int | None, Query(ge=1, le=MAX_INT, description="narrow the scope to one project")
]
ParentFilter = Annotated[
    int | None, Query(ge=1, le=MAX_INT, description="only the children of this session")
]
TypeFilter = Annotated[
    str | None, Query(min_length=1, max_length=100, description="only sessions of this type")
]
