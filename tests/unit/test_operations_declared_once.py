"""Every operation of ``SessionsApi`` has the same parameters in process, in the HTTP client
and on its API route, so the three cannot drift apart again."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from codemyspec.api import create_api
from codemyspec.bootstrap import bootstrap
from codemyspec.remote import RemoteSessions
from codemyspec.service_layer import ROUTES, SessionsApi, SessionsService

OPERATIONS = sorted(
    {
        name
        for base in SessionsApi.__mro__
        if getattr(base, "_is_protocol", False)
        for name, member in vars(base).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
)


def _shape(function: Any) -> list[tuple[str, Any, Any]]:
    """Each parameter's name, kind and default (mypy compares the types)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_every_operation_has_a_route_and_every_route_an_operation() -> None:
    assert sorted(ROUTES) == OPERATIONS
    assert "release_session" in OPERATIONS  # the runner's part is in the declaration too


@pytest.mark.parametrize("implementation", [SessionsService, RemoteSessions])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_implementation_takes_the_declared_parameters(
    implementation: type, operation: str
) -> None:
    declared = getattr(SessionsApi, operation)
    implemented = getattr(implementation, operation)
    assert implemented is not declared, f"{implementation.__name__}.{operation} is missing"
    assert _shape(implemented) == _shape(declared)


def _refs(schema: dict[str, Any]) -> list[str]:
    """The component names a body schema points to (``anyOf`` for an optional body)."""
    found = [schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else []
    for option in schema.get("anyOf", []):
        found += _refs(option)
    return found


def _route_inputs(schema: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """What a served operation reads, by name: its path and query parameters and its body's
    fields, as its OpenAPI document says (what a user of the API sees)."""
    inputs = {p["name"] for p in operation.get("parameters", [])}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    for name in _refs(body.get("schema", {})):
        inputs |= set(schema["components"]["schemas"][name].get("properties", {}))
    return inputs


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = bootstrap(f"sqlite:///{tmp_path_factory.mktemp('api') / 'codemyspec.db'}")
    try:
        return create_api(app).openapi()
    finally:
        app.close()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operations_route_reads_every_parameter_it_declares(
    openapi: dict[str, Any], operation: str
) -> None:
    declared = ROUTES[operation]
    served = openapi["paths"].get(declared.path, {}).get(declared.method.lower())
    assert served is not None, f"{declared.method} {declared.path} is not served"
    inputs = _route_inputs(openapi, served)
    hints = typing.get_type_hints(getattr(SessionsApi, operation))
    for name in inspect.signature(getattr(SessionsApi, operation)).parameters:
        if name in ("self", "scope"):
            continue
        kind = hints[name]
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            missing = set(kind.model_fields) - inputs
            assert not missing, f"{operation}: the route's body lacks {sorted(missing)}"
        else:
            assert name in inputs, f"{operation}: the route does not read {name!r}"
    assert "project_id" in inputs, f"{operation}: the route cannot narrow to a project"
