"""The task queue as operations see it: which backend runs the jobs, whether it answers, and
the recovery of jobs whose worker died (database and RQ backends alike).

A job is abandoned when the worker that took it is gone: on this machine, its process no longer
exists; on another, the database backend's task has run for GRANNAR_TASK_TIMEOUT seconds, and
RQ's worker has let its registration expire (no heartbeat) or its job outlived its lease. An
abandoned job goes back to the queue and runs again, so jobs must be idempotent (e-mail is, by
its key).
"""

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

BACKEND_NAMES = {
    "django_tasks_db.backend.DatabaseBackend": "database",
    "django_tasks_rq.backend.RQBackend": "rq",
    "django_tasks.backends.immediate.ImmediateBackend": "immediate",
    "django_tasks.backends.dummy.DummyBackend": "dummy",
}
# How long /healthz trusts one Redis answer: a load balancer polling often costs one PING a second.
HEALTH_CACHE_SECONDS = 1.0
_redis_health = {"checked": 0.0, "ok": False, "client": None, "url": None}


def task_backend(alias: str = DEFAULT_TASK_BACKEND_ALIAS):
    return task_backends[alias]


def task_backend_name(alias: str = DEFAULT_TASK_BACKEND_ALIAS) -> str:
    """`database`, `rq` or `immediate`: the GRANNAR_TASKS_BACKEND that is in force."""
    backend = type(task_backend(alias))
    path = f"{backend.__module__}.{backend.__qualname__}"
    return BACKEND_NAMES.get(path, path)


def _redis_client():
    """One client per process for the health check, with short timeouts."""
    from redis import Redis  # only where the RQ backend is in use

    url = settings.RQ_QUEUES["default"]["URL"]
    if _redis_health["client"] is None or _redis_health["url"] != url:
        _redis_health["client"] = Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, health_check_interval=0
        )
        _redis_health["url"] = url
        _redis_health["checked"] = 0.0
    return _redis_health["client"]


def task_backend_answers(*, database_ok: bool) -> bool:
    """Whether the queue takes jobs: the database backend is the database; RQ answers a PING
    (cached for a second)."""
    name = task_backend_name()
    if name == "database":
        return database_ok
    if name != "rq":
        return True
    from redis.exceptions import RedisError

    client = _redis_client()
    now = time.monotonic()
    if now - _redis_health["checked"] >= HEALTH_CACHE_SECONDS:
        try:
            _redis_health["ok"] = bool(client.ping())
        except (RedisError, OSError):
            _redis_health["ok"] = False
        _redis_health["checked"] = now
    return _redis_health["ok"]


def new_worker_id() -> str:
    """`host:pid:random`, so that a later worker on this machine can tell whether it lives."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        # A new worker that reuses a dead one's pid (a restarted container) is not that worker.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def worker_gone(hostname: str, pid: int | None) -> bool:
    return hostname == socket.gethostname() and pid is not None and _process_gone(pid)


def _stale(started, *, now=None) -> bool:
    now = now or timezone.now()
    return started is None or started < now - timedelta(seconds=settings.GRANNAR_TASK_TIMEOUT)


def recover_database_tasks(*, backend_name: str = DEFAULT_TASK_BACKEND_ALIAS) -> int:
    """Put tasks left RUNNING by a dead worker back in the queue; returns how many."""
    recovered = 0
    running = DBTaskResult.objects.filter(
        backend_name=backend_name, status=TaskResultStatus.RUNNING
    ).values_list("pk", "worker_ids", "started_at")
    for pk, worker_ids, started in running:
        hostname, _, rest = (worker_ids[-1] if worker_ids else "").partition(":")
        pid_text = rest.partition(":")[0]
        pid = int(pid_text) if pid_text.isdigit() else None
        # Here the process tells; of a worker elsewhere, only the time since it took the task.
        on_this_machine = hostname == socket.gethostname() and pid is not None
        if not (worker_gone(hostname, pid) if on_this_machine else _stale(started)):
            continue
        # Only if it is still the same claim: another worker may have recovered it already.
        if DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started
        ).update(status=TaskResultStatus.READY, started_at=None):
            recovered += 1
            logger.warning("Task %s was left running by a worker that is gone; queued again", pk)
    return recovered
