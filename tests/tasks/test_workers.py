"""The queue with real workers: a registration's confirmation goes out through RQ on Redis, and
a worker killed with SIGKILL in the middle of a job loses nothing and sends nothing twice."""

import pytest
from django_rq import get_queue
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rq.registry import FinishedJobRegistry

from grannar.core.models import EmailDelivery
from grannar.core.queue import recover_database_tasks
from grannar.core.rq_worker import rq_requeue_abandoned
from grannar.training.models import Registration
from grannar.training.services import registration_create
from tests.factories import make_session
from tests.redis_server import free_port
from tests.tasks.conftest import database_settings, rq_settings

pytestmark = pytest.mark.django_db(transaction=True)


def _register(world) -> Registration:
    session = make_session(programme=world["programme"])
    user = world["users"]["participant"]
    return registration_create(session=session, person=user.person, by=user)


def _confirmations(workers, registration) -> list:
    return [m for m in workers.delivered() if m["To"] == registration.person.email]


def test_rq_worker_in_burst_mode_delivers_the_confirmation(world, redis_url, workers):
    with rq_settings(redis_url):
        registration = _register(world)
        assert registration.status == Registration.Status.CONFIRMED
        assert get_queue("default").count == 1
        rq = workers("rq", redis_url)
        assert not rq.delivered()  # nothing is sent by the request itself
        done = rq.burst()
        assert done.returncode == 0, done.stderr
        assert get_queue("default").count == 0
        assert len(FinishedJobRegistry(queue=get_queue("default"))) == 1
    [message] = _confirmations(rq, registration)
    assert registration.session.course.title in message["Subject"]
    assert "grannar.ics" in message.as_string()
    assert EmailDelivery.objects.filter(key__contains=f":{registration.pk}:confirmed:").count() == 1


def test_rq_worker_without_redis_says_so_without_a_traceback(world, workers):
    done = workers("rq", f"redis://127.0.0.1:{free_port()}/0").burst()
    assert done.returncode == 1
    assert "Redis" in done.stderr
    assert "Traceback" not in done.stderr


def _run_after_kill(workers, backend, redis_url, world, point):
    """Register, kill the worker at `point` of the confirmation job, start a new worker."""
    worker_set = workers(backend, redis_url)
    registration = _register(world)
    worker = worker_set.start_paused(point)
    # The control: a job whose worker still lives is not taken back.
    if backend == "rq":
        assert rq_requeue_abandoned(get_queue("default")) == 0
    else:
        assert recover_database_tasks() == 0
    worker_set.kill(worker)
    sent_before_restart = len(_confirmations(worker_set, registration))
    done = worker_set.burst()
    assert done.returncode == 0, done.stderr
    return worker_set, registration, sent_before_restart


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_rq_job_of_a_killed_worker_runs_again_and_mails_once(world, redis_url, workers, point):
    with rq_settings(redis_url):
        rq, registration, before = _run_after_kill(workers, "rq", redis_url, world, point)
        queue = get_queue("default")
        assert queue.count == 0
        [job_id] = FinishedJobRegistry(queue=queue).get_job_ids()
        assert queue.fetch_job(job_id).get_status() == "finished"
    assert before == (1 if point == "after_send" else 0)
    assert len(_confirmations(rq, registration)) == 1


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_database_task_of_a_killed_worker_runs_again_and_mails_once(world, workers, point):
    with database_settings():
        database, registration, before = _run_after_kill(workers, "database", "", world, point)
    assert before == (1 if point == "after_send" else 0)
    assert len(_confirmations(database, registration)) == 1
    [result] = DBTaskResult.objects.all()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert len(result.worker_ids) == 2  # the dead worker's claim, then the new worker's
