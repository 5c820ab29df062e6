"""Read design docs from markdown-it tokens, so every error can name its file and line."""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from codemyspec.components import ComponentType
from codemyspec.errors import ValidationError
from codemyspec.projects import check_relative_path, validate_module_name

_TYPES = ", ".join(kind.value for kind in ComponentType)
#: What people write under ``## Dependencies`` to say there are none.
NO_DEPENDENCIES = frozenset({"none", "nothing", "n/a", "-"})


@dataclass(frozen=True, slots=True)
class Dependency:
    """One ``- Context.Component`` line of a component doc, kept with where it was written."""

    module_name: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A ``### Context.Component`` entry of a context doc, plus its own doc's dependencies."""

    module_name: str
    type: ComponentType
    description: str | None
    priority: int | None
    path: str
    line: int
    dependencies: tuple[Dependency, ...] = ()
    code_path: str | None = None
    test_path: str | None = None


@dataclass(frozen=True, slots=True)
class ContextDoc:
    """A context doc: the context's name and purpose, and its components in doc order."""

    module_name: str
    description: str | None
    path: str
    line: int
    components: tuple[ComponentSpec, ...]
    #: Written with the app's own prefix (``# Shop.Billing``): its dependencies may be too.
    app_prefixed: bool = False
    #: The context module's own files, from a ``| code |``/``| test |`` table under its
    #: heading or in its ``## Purpose`` (else the layout's ``context_code``/``context_test``).
    code_path: str | None = None
    test_path: str | None = None


@dataclass(slots=True)
class _Section:
    level: int
    title: str
    line: int
    tokens: list[Token] = field(default_factory=list)


def location_error(path: str, line: int, message: str) -> ValidationError:
    """A ValidationError that starts with ``path:line`` so an editor can jump to it."""
    return ValidationError(f"{path}:{line}: {message}")


def _line(token: Token, default: int = 1) -> int:
    return token.map[0] + 1 if token.map else default


def _tokens(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def _sections(tokens: list[Token]) -> list[_Section]:
    """Cut the token stream at each heading; the first section (level 0) is the preamble."""
    sections = [_Section(level=0, title="", line=1)]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and token.level == 0:
            title = tokens[index + 1].content.strip().strip("`").strip()
            sections.append(_Section(level=int(token.tag[1:]), title=title, line=_line(token)))
            index += 3
            continue
        sections[-1].tokens.append(token)
        index += 1
    return sections


def _paragraphs(tokens: list[Token]) -> str | None:
    texts = [
        tokens[i + 1].content.strip()
        for i, token in enumerate(tokens)
        if token.type == "paragraph_open" and token.level == 0
    ]
    text = "\n\n".join(part for part in texts if part)
    return text or None


def _module_name(name: str, path: str, line: int, app: str | None = None) -> str:
    """A valid module name, without the app's own prefix (``Shop.Billing`` → ``Billing``)."""
    if app is not None and name.startswith(f"{app}."):
        name = name.removeprefix(f"{app}.")
    try:
        return validate_module_name(name)
    except ValidationError as exc:
        raise location_error(path, line, str(exc)) from exc


def _table_rows(tokens: list[Token]) -> tuple[int, int, dict[str, tuple[str, int]]] | None:
    """The first table's line, the index after it, and its body rows as field → (value, line)."""
    start = next((i for i, token in enumerate(tokens) if token.type == "table_open"), None)
    if start is None:
        return None
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "table_close")
    rows: dict[str, tuple[str, int]] = {}
    cells: list[str] = []
    row_line = _line(tokens[start])
    in_body = False
    for token in tokens[start:end]:
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tr_open":
            cells, row_line = [], _line(token, row_line)
        elif token.type == "inline":
            cells.append(token.content.strip())
        elif token.type == "tr_close" and in_body and cells:
            rows.setdefault(cells[0].lower(), (cells[1] if len(cells) > 1 else "", row_line))
    return _line(tokens[start]), end + 1, rows


def _component(section: _Section, context: str, path: str, app: str | None) -> ComponentSpec:
    name = _module_name(section.title, path, section.line, app)
    if not name.startswith(f"{context}."):
        raise location_error(
            path, section.line, f"component {name!r} is not under the context {context!r}"
        )
    table = _table_rows(section.tokens)
    if table is None:
        raise location_error(
            path, section.line, f"component {name!r} has no '| field | value |' table"
        )
    table_line, after, rows = table
    if "type" not in rows:
        raise location_error(path, table_line, f"component {name!r} has no 'type' row")
    type_value, type_line = rows["type"]
    try:
        kind = ComponentType(type_value.strip("`").lower())
    except ValueError as exc:
        raise location_error(
            path, type_line, f"unknown component type {type_value!r} (expected one of {_TYPES})"
        ) from exc
    priority: int | None = None
    if "priority" in rows and rows["priority"][0]:
        value, priority_line = rows["priority"]
        try:
            priority = int(value)
        except ValueError as exc:
            raise location_error(
                path, priority_line, f"priority {value!r} of {name!r} is not a whole number"
            ) from exc
    return ComponentSpec(
        module_name=name,
        type=kind,
        description=_paragraphs(section.tokens[after:]),
        priority=priority,
        path=path,
        line=section.line,
        code_path=_explicit_path(rows, "code", name, path),
        test_path=_explicit_path(rows, "test", name, path),
    )


def _explicit_path(
    rows: dict[str, tuple[str, int]], field_name: str, name: str, path: str
) -> str | None:
    """A ``| code | src/x.py |`` row: a path relative to the project root, inside it."""
    if field_name not in rows or not rows[field_name][0].strip("`").strip():
        return None
    value, line = rows[field_name]
    try:
        return check_relative_path(value.strip("`").strip(), f"{field_name} path of {name!r}")
    except ValidationError as exc:
        raise location_error(path, line, str(exc)) from exc


def parse_context_doc(text: str, path: str, *, app: str | None = None) -> ContextDoc:
    """Parse a context doc; ``path`` (relative to the project root) is only for error messages.

    Module names may carry the app's own prefix (``app``, e.g. ``Shop``), as Elixir writes
    them: ``# Shop.Billing`` is the context ``Billing``. Only a doc whose heading carries it
    is read so: a context named like the app (``# Shop`` with ``### Shop.Cart``) is not.
    """
    sections = _sections(_tokens(text))
    heading = next((section for section in sections if section.level == 1), None)
    if heading is None:
        raise location_error(path, 1, "no '# <Context>' heading")
    named_app = app
    if app is not None and not heading.title.startswith(f"{app}."):
        app = None
    context = _module_name(heading.title, path, heading.line, app)
    if "." in context:
        first = context.split(".", 1)[0]
        prefixed = f" (or '# {named_app}.{first}')" if named_app else ""
        raise location_error(
            path,
            heading.line,
            f"a context is named by one segment: {context!r} reads as a component of "
            f"{first!r}; head this doc '# {first}'{prefixed} and list {context!r} under its "
            "## Components",
        )
    description: str | None = None
    own_rows: dict[str, tuple[str, int]] = {}
    components: list[ComponentSpec] = []
    seen: set[str] = set()
    chapter = ""
    for section in sections:
        if section.level <= 2:
            chapter = section.title.lower() if section.level == 2 else ""
            if chapter == "purpose":
                description = _paragraphs(section.tokens)
            if section is heading or chapter == "purpose":
                own_rows = own_rows or (_table_rows(section.tokens) or (0, 0, {}))[2]
        elif section.level == 3 and chapter == "components":
            component = _component(section, context, path, app)
            if component.module_name in seen:
                raise location_error(
                    path, section.line, f"duplicate component {component.module_name!r}"
                )
            seen.add(component.module_name)
            components.append(component)
    return ContextDoc(
        module_name=context,
        description=description,
        path=path,
        line=heading.line,
        components=tuple(components),
        app_prefixed=app is not None,
        code_path=_explicit_path(own_rows, "code", context, path),
        test_path=_explicit_path(own_rows, "test", context, path),
    )


def parse_component_dependencies(
    text: str, path: str, *, app: str | None = None
) -> tuple[Dependency, ...]:
    """The ``- Context.Component`` items of a component doc's ``## Dependencies`` section."""
    section = next(
        (s for s in _sections(_tokens(text)) if s.level == 2 and s.title.lower() == "dependencies"),
        None,
    )
    if section is None:
        return ()
    found: list[Dependency] = []
    tokens = section.tokens
    for index, token in enumerate(tokens):
        if token.type != "list_item_open" or token.level != 1:
            continue
        inline = tokens[index + 2] if index + 2 < len(tokens) else None
        if inline is None or inline.type != "inline" or not inline.content.strip():
            continue
        line = _line(token)
        name = inline.content.strip().strip("`").strip()
        if name.strip(".()").lower() in NO_DEPENDENCIES:
            continue
        found.append(Dependency(_module_name(name, path, line, app), path, line))
    return tuple(found)
