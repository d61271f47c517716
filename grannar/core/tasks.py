"""Background jobs of the core app. Jobs take plain values and are queued after commit."""

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task
from django_tasks_db import DatabaseBackend

from grannar.core.models import EmailDelivery


def pause_for_tests(point: str) -> None:
    """Stop here while the tests kill the worker (GRANNAR_TASK_PAUSE; production ignores it).

    The marker file tells the test that the job has reached `point`."""
    if point != settings.GRANNAR_TASK_PAUSE:
        return
    Path(settings.VAR_DIR, "task-paused").write_text(point)
    time.sleep(120)


def message_id(key: str) -> str:
    """The same Message-ID for every attempt of one e-mail, so a mail client shows it once."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "grannar"
    return f"<{digest}@{domain}>"


def deliver_email(*, subject: str, body: str, to: list[str], ics: str = "", key: str = "") -> int:
    """Send one e-mail; with a `key`, at most once per key (see docs/operations.md, "Queue").

    The delivery row is written in the transaction that is open while the mail server takes the
    message, and commits right after it: a job that dies before the hand-off leaves no row and
    sends on its next run; one that dies after the commit is not sent again. A second job with
    the same key waits on the row's unique key and then sends nothing."""
    headers = {"Message-ID": message_id(key)} if key else None
    message = EmailMessage(subject, body, to=to, headers=headers)
    if ics:
        message.attach("grannar.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    if not key:
        return message.send()
    pause_for_tests("before_send")
    with transaction.atomic():
        _, created = EmailDelivery.objects.get_or_create(key=key)
        sent = message.send() if created else 0
    pause_for_tests("after_send")
    return sent


@task()
def send_email(*, subject: str, body: str, to: list[str], ics: str = "", key: str = "") -> int:
    return deliver_email(subject=subject, body=body, to=to, ics=ics, key=key)


def enqueue_after_commit(job, **kwargs) -> None:
    """Queue `job` so that it runs only if the surrounding transaction commits.

    The database task backend keeps the queue in the same database: the job's row is written
    inside the transaction and commits or rolls back with the change, which saves a second
    transaction. Any other backend (RQ, immediate) is given the job after commit; should Redis
    not answer then, the change stands and the error is logged (a 500 would tell the person
    that their change failed).
    """
    if (
        isinstance(job.get_backend(), DatabaseBackend)
        and transaction.get_connection().in_atomic_block
    ):
        job.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: job.enqueue(**kwargs), robust=True)


def email_after_commit(
    *, subject: str, body: str, to: list[str], ics: str = "", key: str = ""
) -> None:
    """Queue an e-mail once the surrounding transaction has committed (never for a rollback).
    A `key` (ids only) makes it go out at most once, however often the job runs."""
    if to:
        enqueue_after_commit(send_email, subject=subject, body=body, to=to, ics=ics, key=key)
