"""Typed commands: each stored command's ``metadata`` becomes the fields of its kind's model.

Until 0006 every command had one shape (``command``, ``programs`` and a free ``metadata``
dict); now each kind has its own fields (``codemyspec.commands``), and the commit a
Finalize step ran as a shell command is a ``commit`` command. The upgrade rewrites every
interaction's command, ``BATCH`` rows at a time, as plain JSON: it imports none of
codemyspec's models, which go on changing after it. A command in the new shape (no
``metadata``) is left alone, so a second run changes nothing. An old command it cannot map
is left as it was and named in a warning; reading it stays the ``ValidationError`` naming
its fields.

The downgrade writes the old shape back, exactly as the old steps wrote it but for one
value nothing read: a ``spawn_sessions`` command's ``metadata.timestamp``, which the old
step took a moment before the command's own and the new shape drops, comes back as the
command's own. What the old shape had no field for (a workspace's ``read_files``) goes into
``metadata``, which the old runner ignores beyond the keys it knows.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
log = logging.getLogger("codemyspec.migrations")

_interactions = sa.table(
    "interactions",
    sa.column("id", sa.Integer),
    sa.column("command", sa.JSON(none_as_null=True)),
)
_BASE = ("id", "module", "execution_strategy", "timestamp")
_OLD_KEYS = {*_BASE, "command", "programs", "metadata"}
_Json = dict[str, Any]
_FILES = {"test_file", "code_file"}


class UnmappableError(Exception):
    """Why one old command has no new shape."""


# ---- reading an old command's values, each checked for the type the new field needs


def _text(meta: _Json, key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value:
        raise UnmappableError(f"metadata.{key} is {value!r}, not a text")
    return value


def _optional_text(meta: _Json, key: str) -> str | None:
    value = meta.get(key)
    if value is not None and not isinstance(value, str):
        raise UnmappableError(f"metadata.{key} is {value!r}, not a text")
    return value


def _texts(meta: _Json, key: str) -> list[str]:
    value = meta.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UnmappableError(f"metadata.{key} is {value!r}, not a list of texts")
    return value


def _flag(meta: _Json, key: str, default: bool) -> bool:
    value = meta.get(key, default)
    if not isinstance(value, bool):
        raise UnmappableError(f"metadata.{key} is {value!r}, not true or false")
    return value


def _programs(old: _Json) -> list[list[str]]:
    programs = old.get("programs", [])
    runnable = isinstance(programs, list) and all(
        isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)
        for argv in programs
    )
    if not runnable:
        raise UnmappableError(f"programs is {programs!r}, not a list of argv lists")
    return list(programs)


def _git_subcommand(argv: list[str]) -> str | None:
    """``commit`` for ``git -C tree commit …``; None for a program that is not git's."""
    if argv[0] != "git":
        return None
    rest = argv[1:]
    while rest[:1] == ["-C"]:
        rest = rest[2:]
    return rest[0] if rest else None


def _only(meta: _Json, known: set[str]) -> None:
    """Nothing is dropped unseen: a key no old step wrote makes the command unmappable."""
    if unknown := sorted(set(meta) - known):
        raise UnmappableError(f"metadata has {', '.join(unknown)}, which no old step wrote")


# ---- old → new, one function per kind


def _shell(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    """An environment's setup (Initialize); its ``environment_type`` shows in its programs."""
    _only(meta, {"branch_name", "repo_url", "working_dir", "environment_type"})
    return {
        "command": "shell",
        "programs": programs,
        "branch_name": _optional_text(meta, "branch_name"),
        "repo_url": _optional_text(meta, "repo_url"),
        "working_dir": _optional_text(meta, "working_dir"),
    }


def _commit(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    """A Finalize's ``git add``, ``git commit``, then a push or ``rev-parse HEAD``."""
    _only(meta, {"branch_name", "files", "committed_files", "commit_only_if_changed", "push"})
    commits = [i for i, argv in enumerate(programs) if _git_subcommand(argv) == "commit"]
    if commits != [1] or _git_subcommand(programs[0]) != "add":
        raise UnmappableError("its programs are not one git add, one git commit, then the rest")
    then = programs[2:]
    pushes = any(_git_subcommand(argv) == "push" for argv in then)
    return {
        "command": "commit",
        "stage": programs[0],
        "commit": programs[1],
        "then": then,
        "files": _texts(meta, "files"),
        "branch_name": _text(meta, "branch_name"),
        "only_if_changed": _flag(meta, "commit_only_if_changed", False),
        "push": _flag(meta, "push", pushes),
    }


def _agent(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    _only(meta, {"agent", "prompt", "cwd", "resume_conversation_id", "watch_files"})
    return {
        "command": "agent",
        "agent": _optional_text(meta, "agent"),
        "prompt": _text(meta, "prompt"),
        "cwd": _text(meta, "cwd"),
        "resume_conversation_id": _optional_text(meta, "resume_conversation_id"),
        "watch_files": _texts(meta, "watch_files"),
    }


def _spawn(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    _only(meta, {"child_session_ids", "timestamp"})
    ids = meta.get("child_session_ids")
    if not isinstance(ids, list) or not all(type(i) is int for i in ids):
        raise UnmappableError(f"metadata.child_session_ids is {ids!r}, not a list of ids")
    return {"command": "spawn_sessions", "child_session_ids": ids}


def _prepare(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    # read_files: no old step wrote it, but the downgrade keeps it there.
    _only(meta, {"branch_name", "base_branch", "worktree", "merge_branches", "read_files"} | _FILES)
    return {
        "command": "prepare_workspace",
        "branch_name": _text(meta, "branch_name"),
        "base_branch": _text(meta, "base_branch"),
        "worktree": _text(meta, "worktree"),
        "merge_branches": _texts(meta, "merge_branches"),
        "test_file": _text(meta, "test_file"),
        "code_file": _text(meta, "code_file"),
        "read_files": _texts(meta, "read_files"),
    }


def _tests(old: _Json, meta: _Json, programs: list[list[str]]) -> _Json:
    _only(meta, {"cwd", "require_red"} | _FILES)
    return {
        "command": "run_tests",
        "test_file": _text(meta, "test_file"),
        "code_file": _text(meta, "code_file"),
        "cwd": _text(meta, "cwd"),
        "require_red": _flag(meta, "require_red", False),
    }


_Mapping = Callable[[_Json, _Json, list[list[str]]], _Json]
_TYPED: dict[str, _Mapping] = {
    "shell": _shell,
    "agent": _agent,
    "spawn_sessions": _spawn,
    "prepare_workspace": _prepare,
    "run_tests": _tests,
}


def typed(old: Any) -> _Json | None:
    """The new shape of an old command; None when it has the new shape already."""
    if not isinstance(old, dict):
        raise UnmappableError(f"it is {type(old).__name__}, not an object")
    if "metadata" not in old:
        return None
    if unknown := sorted(set(old) - _OLD_KEYS):
        raise UnmappableError(f"it has {', '.join(unknown)}, which the old shape had not")
    meta, kind, programs = old["metadata"], old.get("command"), _programs(old)
    if not isinstance(meta, dict):
        raise UnmappableError(f"metadata is {meta!r}, not an object")
    if kind == "shell" and any(_git_subcommand(argv) == "commit" for argv in programs):
        mapping: _Mapping = _commit
    elif kind in _TYPED:
        mapping = _TYPED[kind]
    else:
        raise UnmappableError(f"its kind {kind!r} is none this migration knows")
    if kind != "shell" and programs:
        raise UnmappableError(f"a {kind} command has programs, which it has no field for now")
    return {**{k: old[k] for k in _BASE if k in old}, **mapping(old, meta, programs)}


# ---- new → old


def _old_metadata(new: _Json) -> tuple[str, list[list[str]], _Json]:
    """The old ``command`` kind, ``programs`` and ``metadata`` of a new command."""
    kind = new["command"]
    fields = {k: v for k, v in new.items() if k not in _BASE and k != "command"}
    match kind:
        case "shell":
            programs = fields.pop("programs")
            clones = programs[0][:2] == ["git", "clone"]
            return "shell", programs, {**fields, "environment_type": "clone" if clones else "local"}
        case "commit":
            programs = [fields["stage"], fields["commit"], *fields["then"]]
            meta: _Json = {"branch_name": fields["branch_name"]}
            if fields.get("only_if_changed"):  # the context's Finalize wrote these
                meta |= {"committed_files": len(fields["files"]), "files": fields["files"]}
                meta |= {"commit_only_if_changed": True, "push": fields.get("push", False)}
            else:  # a component's Finalize wrote these
                meta["files"] = fields["files"]
                meta |= {"push": True} if fields.get("push") else {}
            return "shell", programs, meta
        case "spawn_sessions":
            return kind, [], {**fields, "timestamp": _offset_timestamp(new.get("timestamp"))}
        case "prepare_workspace" if not fields.get("read_files"):
            return kind, [], {k: v for k, v in fields.items() if k != "read_files"}
    return kind, [], fields


def _offset_timestamp(stamp: Any) -> Any:
    """The command's timestamp as the old step wrote its own (``+00:00``, not ``Z``)."""
    if isinstance(stamp, str) and stamp.endswith("Z"):
        return stamp[:-1] + "+00:00"
    return stamp


def untyped(new: Any) -> _Json | None:
    """The old shape of a new command; None when it has the old shape already."""
    if not isinstance(new, dict):
        raise UnmappableError(f"it is {type(new).__name__}, not an object")
    if "metadata" in new:
        return None
    if new.get("command") not in {*_TYPED, "commit"}:
        raise UnmappableError(f"its kind {new.get('command')!r} is none this migration knows")
    kind, programs, meta = _old_metadata(new)
    base = {k: new[k] for k in _BASE if k in new}
    old = {"id": base.pop("id", None), "module": base.pop("module", None), "command": kind}
    return {**old, "programs": programs, "metadata": meta, **base}


# ---- the rows


def _rewrite(convert: Callable[[Any], _Json | None], left_in: str) -> None:
    """Every interaction's command through ``convert``, ``BATCH`` rows at a time by id."""
    connection = op.get_bind()
    after = 0
    while rows := connection.execute(
        sa.select(_interactions.c.id, _interactions.c.command)
        .where(_interactions.c.id > after)
        .order_by(_interactions.c.id)
        .limit(BATCH)
    ).all():
        changed = []
        for row_id, command in rows:
            try:
                converted = convert(command)
            except (UnmappableError, KeyError, IndexError, TypeError) as exc:
                module = command.get("module") if isinstance(command, dict) else None
                reason = exc if isinstance(exc, UnmappableError) else repr(exc)
                log.warning(
                    "interaction %s (%s): its command is left in %s: %s",
                    row_id,
                    module or "no step",
                    left_in,
                    reason,
                )
                continue
            if converted is not None:
                changed.append({"row_id": row_id, "converted": converted})
        if changed:
            connection.execute(
                _interactions.update()
                .where(_interactions.c.id == sa.bindparam("row_id"))
                .values(command=sa.bindparam("converted")),
                changed,
            )
        after = rows[-1].id


def upgrade() -> None:
    _rewrite(typed, "the older shape, which this codemyspec cannot read")


def downgrade() -> None:
    _rewrite(untyped, "the typed shape, which an older codemyspec cannot read")
