"""Real `grannar` processes against the test database (or another one), for tests that need a
second process: a restore into a fresh database, a writer killed midway."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql


def database_url(name: str | Path | None = None) -> str:
    """DATABASE_URL of the test database, or of database `name` on the same server (SQLite: a
    file path)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name or database['NAME']}"
    user = quote(database["USER"] or "")
    password = f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or database['NAME']}"


def environment(url: str | None = None, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url or database_url(),
        **extra,
    }


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "grannar.cli", *args]


def grannar(*args: str, url: str | None = None, timeout: float = 180, **extra: str):
    """Run `grannar ARGS` to the end; the completed process (text output)."""
    return subprocess.run(
        command(*args),
        env=environment(url, **extra),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(*args: str, url: str | None = None, **extra: str) -> subprocess.Popen:
    """Start `grannar ARGS` in the background."""
    return subprocess.Popen(
        command(*args),
        env=environment(url, **extra),
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(marker: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until `marker` exists; fail with the process's output if it ends first."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"ended ({process.returncode}) before {marker.name}:\n{out}{err}")
        if time.monotonic() > deadline:
            kill(process)
            raise AssertionError(f"{marker.name} not reached in {timeout} s")
        time.sleep(0.05)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no handler, no clean-up, no rollback in the process itself."""
    process.send_signal(signal.SIGKILL)
    process.communicate()


@contextmanager
def fresh_databases(folder: Path):
    """Make empty databases of the test's vendor: `new(label)` gives one's DATABASE_URL (a new
    SQLite file in `folder`, or a new PostgreSQL database dropped afterwards)."""
    made: list[str] = []

    def new(label: str) -> str:
        if connection.vendor == "sqlite":
            return database_url(folder / f"{label}.sqlite3")
        name = f"{connection.settings_dict['NAME']}_{label}"
        with _server() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return database_url(name)

    try:
        yield new
    finally:
        if made:
            with _server() as server:
                for name in made:
                    server.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )


def _server() -> psycopg.Connection:
    url = database_url("postgres").replace("postgres://", "postgresql://", 1)
    return psycopg.connect(url, autocommit=True)


def open_database(url: str):
    """A plain DB-API connection to the database at `url` (SQLite or PostgreSQL)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1))
