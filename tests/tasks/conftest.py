"""Real task workers in subprocesses, against the test database and a real redis-server."""

import contextlib
import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tests.redis_server import redis_server

WORKER_SECONDS = 60


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


def database_url() -> str:
    """The test database as DATABASE_URL, for a worker in another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def rq_settings(url: str):
    """This process queues on RQ, as web servers configured with GRANNAR_TASKS_BACKEND=rq do."""
    return override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": url, "DEFAULT_TIMEOUT": 60}},
    )


def database_settings():
    return override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _descendants(pid: int) -> list[int]:
    """The processes below `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Workers:
    """Starts `grannar worker` as production does, with mail written to files."""

    def __init__(self, directory: Path, backend: str, redis_url: str = ""):
        self.directory = directory
        self.mail = directory / "mail"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url(),
            "GRANNAR_VAR_DIR": str(directory / "var"),
            "GRANNAR_TASKS_BACKEND": backend,
            "GRANNAR_REDIS_URL": redis_url,
            "GRANNAR_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "GRANNAR_EMAIL_FILE_PATH": str(self.mail),
            "GRANNAR_TASK_PAUSE": "",
        }
        self.command = [sys.executable, "-m", "grannar.cli", "worker", "-v", "0"]

    @property
    def marker(self) -> Path:
        return self.directory / "var" / "task-paused"

    def burst(self) -> subprocess.CompletedProcess:
        """Run the queued jobs and stop."""
        return subprocess.run(
            [*self.command, "--burst"],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=WORKER_SECONDS,
        )

    def start_paused(self, point: str) -> subprocess.Popen:
        """A worker that stops its job at `point` (in its own process group, to be killed)."""
        worker = subprocess.Popen(
            self.command,
            env={**self.env, "GRANNAR_TASK_PAUSE": point},
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + WORKER_SECONDS
        while not self.marker.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                self.kill(worker)
                raise AssertionError(f"the worker never reached {point}: {worker.stderr.read()}")
            time.sleep(0.05)
        return worker

    @staticmethod
    def kill(worker: subprocess.Popen) -> None:
        """SIGKILL to the worker and everything it started, as a crash of its machine does.
        RQ's work horse runs in a session of its own, so it is found by its parent."""
        doomed = [worker.pid, *_descendants(worker.pid)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)
        worker.stderr.close()
        for pid in doomed[1:]:
            while Path(f"/proc/{pid}").exists() and _state(pid) not in ("Z", "X", ""):
                time.sleep(0.01)

    def delivered(self) -> list[email.message.Message]:
        """Every message the workers handed to the (file) mail backend."""
        messages = []
        for path in sorted(self.mail.glob("*.log")) if self.mail.exists() else []:
            for part in path.read_text().split("-" * 79 + "\n"):
                if part.strip():
                    messages.append(email.message_from_string(part))
        return messages


@pytest.fixture
def workers(tmp_path):
    def make(backend: str, redis_url: str = "") -> Workers:
        return Workers(tmp_path, backend, redis_url)

    return make
