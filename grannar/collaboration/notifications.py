"""The reminder to a routine's owner that its follow-up is due: queued for the due date where
the task backend can wait, and sent by a daily sweep otherwise; `Routine.reminded` makes it once."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from django_tasks import task

from grannar.collaboration.models import Routine
from grannar.core.tasks import email_after_commit

REMINDER_HOUR = 8


def _language(person) -> str:
    user = getattr(person, "user", None)
    return user.language if user is not None and user.language in ("sv", "en") else "sv"


def _remind(routine: Routine, today: dt.date) -> bool:
    """E-mail the owner (if any) and mark the routine reminded; within the caller's lock."""
    owner = routine.owner.person if routine.owner_id else None
    if owner is not None:
        with translation.override(_language(owner)):
            text = render_to_string(
                "collaboration/email/follow_up_due.txt",
                {"routine": routine, "person": owner, "site": settings.GRANNAR_SITE_URL},
            )
        subject, body = text.strip().split("\n", 1)
        email_after_commit(
            subject=subject.strip(),
            body=body.strip(),
            to=[owner.email],
            key=f"collaboration.routine_follow_up:{routine.pk}:{today.isoformat()}",
        )
    routine.reminded = today
    routine.save(update_fields=["reminded"])
    return owner is not None


def _due(today: dt.date):
    return Routine.objects.filter(
        status=Routine.Status.ADOPTED, follow_up_due__lte=today, reminded__isnull=True
    )


def schedule_routine_reminder(routine: Routine) -> None:
    """Queue the owner's reminder for the morning of the due date (where the queue can wait)."""
    if not send_routine_reminder.get_backend().supports_defer:
        return
    due = routine.follow_up_due
    run_after = timezone.make_aware(dt.datetime.combine(due, dt.time(REMINDER_HOUR)))
    if run_after <= timezone.now():
        return
    routine_id, expected = routine.pk, due.isoformat()
    transaction.on_commit(
        lambda: send_routine_reminder.using(run_after=run_after).enqueue(
            routine_id=routine_id, expected_due=expected
        )
    )


@task()
def send_routine_reminder(*, routine_id: int, expected_due: str) -> bool:
    """Remind the owner once; a routine followed up, retired or re-adopted meanwhile is left."""
    today = dt.date.today()
    with scopes_disabled(), transaction.atomic():
        routine = (
            _due(today)
            .select_for_update()
            .filter(pk=routine_id, follow_up_due=dt.date.fromisoformat(expected_due))
            .order_by("pk")
            .first()
        )
        if routine is None:
            return False
        routine = Routine.objects.select_related("owner__person__user", "workshop").get(
            pk=routine_id
        )
        return _remind(routine, today)


@task()
def send_due_routine_reminders() -> int:
    """The daily sweep: remind the owner of every routine whose follow-up is due and that has not
    been reminded yet. Running it twice sends nothing twice."""
    today = dt.date.today()
    sent = 0
    with scopes_disabled(), transaction.atomic():
        ids = list(_due(today).select_for_update().values_list("pk", flat=True))
        for routine in Routine.objects.select_related("owner__person__user", "workshop").filter(
            pk__in=ids
        ):
            sent += _remind(routine, today)
    return sent
