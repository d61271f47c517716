"""Background jobs of the core app. Jobs take plain values and are queued after commit."""

from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str], ics: str = "") -> int:
    message = EmailMessage(subject, body, to=to)
    if ics:
        message.attach("grannar.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    return message.send()


def email_after_commit(*, subject: str, body: str, to: list[str], ics: str = "") -> None:
    """Queue an e-mail once the surrounding transaction has committed (never for a rollback)."""
    if to:
        transaction.on_commit(
            lambda: send_email.enqueue(subject=subject, body=body, to=to, ics=ics)
        )
