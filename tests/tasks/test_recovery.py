"""Which running jobs a starting worker takes back: those whose worker is gone, no others."""

import datetime as dt
import os
import socket
import subprocess

import pytest
from django.test import override_settings
from django.utils import timezone
from django_rq import get_queue
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp

from grannar.core.queue import new_worker_id, recover_database_tasks
from grannar.core.rq_worker import rq_requeue_abandoned
from grannar.core.tasks import send_email
from tests.tasks.conftest import database_settings, rq_settings

pytestmark = pytest.mark.django_db

HOST = socket.gethostname()


def _dead_pid() -> int:
    """The pid of a process that has ended."""
    ended = subprocess.Popen(["true"])  # noqa: S607 - coreutils
    ended.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(ended.pid, 0)
    return ended.pid


def _running(worker_id: str, *, started_ago: dt.timedelta = dt.timedelta(0)) -> DBTaskResult:
    with database_settings():
        send_email.enqueue(subject="s", body="b", to=["a@test.example"], key="k")
    result = DBTaskResult.objects.get()
    result.claim(worker_id)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - started_ago)
    return result


def _status(result) -> str:
    return DBTaskResult.objects.get(pk=result.pk).status


def test_worker_ids_name_the_host_and_process():
    host, pid, _ = new_worker_id().split(":")
    assert host == HOST[:40]
    assert int(pid) == os.getpid()
    assert len(new_worker_id()) <= 64


def test_a_task_of_a_dead_process_on_this_machine_is_queued_again():
    result = _running(f"{HOST}:{_dead_pid()}:abcdefgh")
    assert recover_database_tasks() == 1
    assert _status(result) == TaskResultStatus.READY
    assert recover_database_tasks() == 0


@override_settings(GRANNAR_TASK_TIMEOUT=600)
def test_a_task_of_a_live_process_stays_running_however_long_it_takes():
    result = _running(f"{HOST}:{os.getppid()}:abcdefgh", started_ago=dt.timedelta(hours=2))
    assert recover_database_tasks() == 0
    assert _status(result) == TaskResultStatus.RUNNING


@override_settings(GRANNAR_TASK_TIMEOUT=600)
def test_a_task_on_another_machine_is_taken_back_only_after_the_timeout():
    recent = _running("elsewhere:123:abcdefgh", started_ago=dt.timedelta(seconds=599))
    assert recover_database_tasks() == 0
    assert _status(recent) == TaskResultStatus.RUNNING
    DBTaskResult.objects.filter(pk=recent.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=601)
    )
    assert recover_database_tasks() == 1
    assert _status(recent) == TaskResultStatus.READY


def _started_rq_job(redis_url, *, worker_name: str, expires_in: int):
    with rq_settings(redis_url):
        result = send_email.enqueue(subject="s", body="b", to=["a@test.example"], key="k")
        queue = get_queue("default")
        job = queue.fetch_job(result.id)
        queue.connection.lrem(queue.key, 0, job.id)
        job.worker_name = worker_name
        job.save()
        registry = StartedJobRegistry(queue=queue)
        queue.connection.zadd(registry.key, {f"{job.id}:exec1": current_timestamp() + expires_in})
    return job


def _register_worker(connection, name: str, *, hostname: str, pid: int) -> None:
    connection.hset(f"rq:worker:{name}", mapping={"hostname": hostname, "pid": pid})


def test_rq_jobs_are_taken_back_from_dead_and_silent_workers_only(redis_url):
    with rq_settings(redis_url):
        queue = get_queue("default")
        connection = queue.connection
        _register_worker(connection, "live", hostname=HOST, pid=os.getppid())
        _register_worker(connection, "dead", hostname=HOST, pid=_dead_pid())
        _register_worker(connection, "far", hostname="elsewhere", pid=1)
        live = _started_rq_job(redis_url, worker_name="live", expires_in=60)
        far = _started_rq_job(redis_url, worker_name="far", expires_in=60)
        dead = _started_rq_job(redis_url, worker_name="dead", expires_in=60)
        silent = _started_rq_job(redis_url, worker_name="unregistered", expires_in=60)
        expired = _started_rq_job(redis_url, worker_name="far", expires_in=-1)
        assert rq_requeue_abandoned(queue) == 3
        assert set(queue.get_job_ids()) == {dead.id, silent.id, expired.id}
        assert set(StartedJobRegistry(queue=queue).get_job_ids()) == {live.id, far.id}
        assert rq_requeue_abandoned(queue) == 0
