"""A throwaway PostgreSQL server on a loopback port, for the history tests.

`running_postgres` runs Debian's ``initdb`` into a new temporary directory,
starts ``postgres`` with ``pg_ctl`` on a free 127.0.0.1 port (its socket in
that directory, password authentication over TCP), yields the server, and
on every way out stops it and removes the directory. PostgreSQL refuses to
run as root: as root, every server command runs as the ``postgres`` system
user (created by the package) through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import psycopg
from psycopg import sql

SUPERUSER: Final = "screening_test"
START_TIMEOUT_SECONDS: Final = 60


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: PATH first, then Debian's versioned directories."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl") and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda d: int(Path(d).parent.name) if Path(d).parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in candidates:
        if all(os.access(Path(directory) / b, os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    return None


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    port: int
    password: str = field(repr=False)
    directory: Path
    _databases: int = 0

    def dsn(self, database: str = "postgres") -> str:
        return (
            f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"
            "?connect_timeout=5"
        )

    def create_database(self) -> str:
        """A new empty database; its DSN."""
        self._databases += 1
        name = f"history_{self._databases}"
        with psycopg.connect(self.dsn(), autocommit=True) as db:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root needs runuser to start PostgreSQL as 'postgres'")
    return [runuser, "-u", "postgres", "--", *command]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(path, account.pw_uid, account.pw_gid)


def _setup(what: str, log: Path, command: list[str]) -> None:
    """Run one setup command; a failure says what the command and the server said."""
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError as error:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        said = error.stderr.decode(errors="replace")
        raise RuntimeError(f"{what} failed: {said}\n{server_log}") from None


@contextmanager
def running_postgres(bindir: Path) -> Iterator[PostgresServer]:
    directory = Path(tempfile.mkdtemp(prefix="screening-pg-"))
    data = directory / "data"
    log = directory / "server.log"
    password = secrets.token_hex(16)
    started = False
    try:
        _give_to_server_user(directory)
        password_file = directory / "password"
        password_file.write_text(password + "\n", encoding="ascii")
        _give_to_server_user(password_file)
        _setup(
            "initdb",
            log,
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "--pgdata",
                    str(data),
                    "--username",
                    SUPERUSER,
                    "--pwfile",
                    str(password_file),
                    "--auth-local",
                    "trust",
                    "--auth-host",
                    "scram-sha-256",
                    "--encoding",
                    "UTF8",
                    "--no-instructions",
                ]
            ),
        )
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={directory} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        started = True
        _setup(
            "pg_ctl start",
            log,
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "--wait",
                    f"--timeout={START_TIMEOUT_SECONDS}",
                    "--pgdata",
                    str(data),
                    "--log",
                    str(log),
                    "-o",
                    options,
                ]
            ),
        )
        yield PostgresServer(port=port, password=password, directory=directory)
    finally:
        if started:
            subprocess.run(
                _as_server_user(
                    [str(bindir / "pg_ctl"), "stop", "--pgdata", str(data), "-m", "immediate"]
                ),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(directory, ignore_errors=True)
