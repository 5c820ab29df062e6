"""Input every route refuses before FastAPI parses it, each as a 422 naming the field.

- a body that is not UTF-8 JSON, or nests too deeply (FastAPI would answer a bare 400);
- a NUL character anywhere in the body (keys too) or the query: PostgreSQL stores none in
  text, and no command may carry one, so no text codemyspec keeps may hold it;
- a lone surrogate (``"\\ud800"`` is valid JSON but not text): no database, log or answer
  can encode it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from codemyspec.design_docs import not_utf8

NUL = "\x00"
#: Far deeper than any state or result codemyspec writes. From about 300 levels pydantic will
#: not serialize a state to store it, and past Python's recursion limit JSON does not parse.
MAX_DEPTH = 64

Loc = tuple[str | int, ...]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _problem(kind: str, loc: Loc, message: str) -> dict[str, Any]:
    """One 422 entry; a key that is not text itself is shown escaped, or no answer could be
    encoded."""
    shown = tuple(
        part if isinstance(part, int) or not_utf8(part) is None else _escaped(part) for part in loc
    )
    return {"type": kind, "loc": shown, "msg": message, "input": None}


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _walk(document: Any) -> Iterator[tuple[Loc, Any, int]]:
    """Every key and value of a JSON document with its location and depth, without recursion."""
    pending: list[tuple[Loc, Any, int]] = [((), document, 0)]
    while pending:
        loc, value, depth = pending.pop()
        yield loc, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                yield (*loc, key), key, depth + 1
                pending.append(((*loc, key), item, depth + 1))
        elif isinstance(value, list):
            pending.extend(((*loc, index), item, depth + 1) for index, item in enumerate(value))


def document_problems(document: Any) -> list[dict[str, Any]]:
    """NUL characters and nesting past ``MAX_DEPTH`` in a parsed body, located under ``body``."""
    problems: list[dict[str, Any]] = []
    for loc, value, depth in _walk(document):
        if depth > MAX_DEPTH:
            message = f"JSON nested deeper than {MAX_DEPTH} levels"
            return [*problems, _problem("json_too_deep", ("body", *loc), message)]
        if isinstance(value, str) and NUL in value:
            problems.append(_problem("nul_character", ("body", *loc), "contains a NUL character"))
        elif isinstance(value, str) and (unwritable := not_utf8(value)) is not None:
            problems.append(_problem("lone_surrogate", ("body", *loc), unwritable))
    return problems


def query_problems(request: Request) -> list[dict[str, Any]]:
    """Query parameters (names or values) holding a NUL character."""
    return [
        _problem("nul_character", ("query", name), "contains a NUL character")
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]


async def body_problems(request: Request) -> list[dict[str, Any]]:
    """What is wrong with a JSON body; parsing it here leaves FastAPI the cached result."""
    if not await request.body():
        return []
    try:
        document = await request.json()
    except json.JSONDecodeError:
        return []  # FastAPI answers this one itself, with the position of the error
    except (UnicodeDecodeError, RecursionError, ValueError) as error:
        return [_problem("json_invalid", ("body",), f"not a JSON document: {error}")]
    return document_problems(document)


class CheckedRoute(APIRoute):
    """An ``APIRoute`` that refuses the input above before its usual parsing and validation."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()
        takes_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            problems = query_problems(request)
            if takes_body:
                problems += await body_problems(request)
            if problems:
                raise RequestValidationError(problems)
            return await handle(request)

        return checked
