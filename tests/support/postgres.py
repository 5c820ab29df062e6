"""A real PostgreSQL server in a temp dir on a free loopback port, for the test session.

Debian's ``initdb``/``pg_ctl`` refuse to run as root, so when the suite runs as root (CI)
they run as the unprivileged ``postgres`` user through ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

POSTGRES_BIN_ROOT = Path("/usr/lib/postgresql")

# A module that sets ``pytestmark = on_both_databases`` runs each test that uses the
# database on SQLite and on PostgreSQL (conftest's ``pytest_generate_tests`` does it).
on_both_databases = pytest.mark.both_databases
BACKENDS = ("sqlite", "postgresql")


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when there is none."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    versions = sorted(
        (p for p in POSTGRES_BIN_ROOT.glob("*/bin") if (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """initdb + pg_ctl start in ``base``; ``database_url()`` makes a fresh database."""

    def __init__(self, base: Path, bin_dir: Path) -> None:
        self.base = base
        self.bin_dir = bin_dir
        self.data = base / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        done = subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            for parent in self.base.parents:  # postgres must reach its folder
                if parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | 0o011)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        self._pg_ctl_start()

    def _pg_ctl_start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "postgres.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def restart(self) -> None:
        """Stop (every connection cut) and start again on the same port, as an upgrade or a
        host's reboot does. Fast, not immediate: with ``synchronous_commit=off`` an immediate
        stop may lose the last commits, which a real crash with the defaults would keep."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self._pg_ctl_start()

    def database_url(self) -> str:
        """A new, empty database on this server, as a SQLAlchemy URL (psycopg 3)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def running_postgres() -> Iterator[PostgresServer | None]:
    """A started server in a fresh temp folder, or None when PostgreSQL is not installed."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        yield None
        return
    base = Path(tempfile.mkdtemp(prefix="codemyspec-postgres-"))
    server = PostgresServer(base / "cluster", bin_dir)
    try:
        server.start()
        yield server
    finally:
        with contextlib.suppress(RuntimeError):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
