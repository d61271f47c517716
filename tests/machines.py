"""Parts for tests/test_machines.py: a private PostgreSQL server, web processes as production
runs them (gunicorn), registrations over real HTTP, and the database's invariants in plain SQL.

The PostgreSQL server is a cluster of its own in a temporary folder on a free port, so that a
test may stop and restart it; the shared server (port 5432) is never touched.
"""

import contextlib
import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from grannar.core.webserver import gunicorn_options

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "grannar"
# Every request and wait in these tests is bounded.
REQUEST_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path:
    """The newest PostgreSQL server programs installed (Debian keeps them off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found: install PostgreSQL's server package (postgresql)")
    return Path(initdb).parent


class PrivateCluster:
    """A PostgreSQL cluster of its own: initdb in a temporary folder, started on a free port
    of 127.0.0.1, stopped and removed at the end. Run as the `postgres` user when the tests
    run as root (PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.bin = postgres_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="grannar-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, user="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            # A test server: losing it in a crash loses nothing of value.
            "-c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every open connection and rolls back every open transaction."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def create_database(self) -> None:
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def environment(database_url: str, var_dir: Path) -> dict:
    """What a web machine is given: the database, its own local folder, no secrets of ours."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "GRANNAR_VAR_DIR": str(var_dir),
        # Kept connections, as a busy production runs: they must survive a database restart.
        "GRANNAR_DB_CONN_MAX_AGE": "60",
        "GRANNAR_TASKS_BACKEND": "database",
        "GRANNAR_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "GRANNAR_LOG_LEVEL": "WARNING",
    }


def seed(database_url: str, *, people: int, seats: int, sessions: int) -> dict:
    """Migrate and load the programme, `people` participants signed in (their session keys)
    and `sessions` sessions (plus one to warm up) with `seats` seats, as the registration
    benchmark does. Returns {"warm": id, "sessions": [ids], "keys": [session keys]}."""
    var_dir = Path(tempfile.mkdtemp(prefix="grannar-seed-"))
    try:
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "registration_burst.py"),
                "--setup",
                str(people),
                str(seats),
                str(sessions),
            ],
            env=environment(database_url, var_dir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class WebProcess:
    """One web machine: gunicorn as production starts it, with its own local folder."""

    database_url: str
    port: int = field(default_factory=free_port)

    def start(self) -> None:
        self.var_dir = Path(tempfile.mkdtemp(prefix="grannar-web-"))
        self.log = (self.var_dir / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                *gunicorn_options(),
                # Two servers on one machine: no shared control socket in the home folder.
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            env=environment(self.database_url, self.var_dir),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_text()
            if get(self.port, "/healthz").status == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"the web process on {self.port} did not start:\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return (self.var_dir / "gunicorn.log").read_text()[-5000:]

    def stop(self) -> None:
        if not hasattr(self, "process"):
            return  # never started
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.var_dir, ignore_errors=True)


@dataclass
class Answer:
    status: int  # 0: no answer at all (connection refused or reset)
    headers: dict
    body: str
    port: int


def _request(port: int, method: str, path: str, headers: dict) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return Answer(response.status, dict(response.getheaders()), body, port)
    except OSError as error:
        return Answer(0, {}, repr(error), port)
    finally:
        connection.close()


def get(port: int, path: str) -> Answer:
    return _request(port, "GET", path, {"Host": f"127.0.0.1:{port}"})


def register(port: int, session_id: int, key: str) -> Answer:
    """Press "Anmäl mig" as the participant signed in with session `key`."""
    token = secrets.token_hex(16)
    return _request(
        port,
        "POST",
        f"/training/sessions/{session_id}/register/",
        {
            "Cookie": f"sessionid={key}; csrftoken={token}",
            "X-CSRFToken": token,
            "Host": f"127.0.0.1:{port}",
            "Content-Length": "0",
        },
    )


def state(cluster: PrivateCluster, session_id: int) -> dict:
    """What the database holds for one session, read in plain SQL past the application."""
    with cluster.connect() as connection:
        counts = dict(
            connection.execute(
                "SELECT status, count(*) FROM training_registration WHERE session_id = %s "
                "GROUP BY status",
                [session_id],
            ).fetchall()
        )
        seats_taken, capacity, code = connection.execute(
            "SELECT seats_taken, capacity, code FROM training_session WHERE id = %s",
            [session_id],
        ).fetchone()
        people = connection.execute(
            "SELECT count(DISTINCT person_id), count(*) FROM training_registration "
            "WHERE session_id = %s",
            [session_id],
        ).fetchone()
        # Each registration with exactly one audit entry for its outcome, and one queued
        # e-mail; and no audit entry or e-mail for a registration that is not there.
        unaudited = connection.execute(
            "SELECT count(*) FROM training_registration r WHERE r.session_id = %s AND 1 <> "
            "(SELECT count(*) FROM core_auditevent a WHERE a.target_type = "
            "'training.registration' AND a.target_id = r.id::text "
            "AND a.action = 'training.registration.' || r.status)",
            [session_id],
        ).fetchone()[0]
        orphan_audits = connection.execute(
            "SELECT count(*) FROM core_auditevent a WHERE a.action LIKE "
            "'training.registration.%%' AND a.data ->> 'session' = %s AND NOT EXISTS "
            "(SELECT 1 FROM training_registration r WHERE r.id::text = a.target_id)",
            [code],
        ).fetchone()[0]
        emails = connection.execute(
            "SELECT count(*), count(DISTINCT t.args_kwargs -> 'kwargs' ->> 'registration_id') "
            "FROM django_tasks_database_dbtaskresult t JOIN training_registration r "
            "ON r.id::text = t.args_kwargs -> 'kwargs' ->> 'registration_id' "
            "WHERE r.session_id = %s",
            [session_id],
        ).fetchone()
    return {
        "counts": counts,
        "seats_taken": seats_taken,
        "capacity": capacity,
        "people": people[0],
        "rows": people[1],
        "unaudited": unaudited,
        "orphan_audits": orphan_audits,
        "emails": emails[0],
        "emailed_registrations": emails[1],
    }
