"""Background jobs of the core app. Jobs take plain values and are queued after commit."""

from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task
from django_tasks_db import DatabaseBackend


@task()
def send_email(*, subject: str, body: str, to: list[str], ics: str = "") -> int:
    message = EmailMessage(subject, body, to=to)
    if ics:
        message.attach("grannar.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    return message.send()


def enqueue_after_commit(job, **kwargs) -> None:
    """Queue `job` so that it runs only if the surrounding transaction commits.

    The database task backend keeps the queue in the same database: the job's row is written
    inside the transaction and commits or rolls back with the change, which saves a second
    transaction. Any other backend (RQ, immediate) is given the job after commit.
    """
    if (
        isinstance(job.get_backend(), DatabaseBackend)
        and transaction.get_connection().in_atomic_block
    ):
        job.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: job.enqueue(**kwargs))


def email_after_commit(*, subject: str, body: str, to: list[str], ics: str = "") -> None:
    """Queue an e-mail once the surrounding transaction has committed (never for a rollback)."""
    if to:
        enqueue_after_commit(send_email, subject=subject, body=body, to=to, ics=ics)
