"""Background jobs of the core app. Jobs take plain values and are queued after commit."""

from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    return send_mail(subject, body, None, to)


def email_after_commit(*, subject: str, body: str, to: list[str]) -> None:
    """Queue an e-mail once the surrounding transaction has committed (never for a rollback)."""
    if to:
        transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))
