"""E-mail to participants about their registrations, queued after commit, in their language."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task
from icalendar import Calendar, Event

from grannar.core.tasks import email_after_commit
from grannar.training.models import Registration, Session


def _language(person) -> str:
    user = getattr(person, "user", None)
    return user.language if user is not None and user.language in ("sv", "en") else "sv"


def session_ics(session: Session, *, cancelled: bool = False) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//Grannar//SE")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"session-{session.pk}@grannar")
    event.add("summary", session.course.title)
    event.add("dtstart", session.starts)
    event.add("dtend", session.ends)
    event.add("dtstamp", session.starts)
    if session.location:
        event.add("location", session.location)
    if session.online_url:
        event.add("url", session.online_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _send(registration: Registration, template: str, *, ics: str = "") -> None:
    person = registration.person
    with translation.override(_language(person)):
        context = {
            "registration": registration,
            "session": registration.session,
            "person": person,
            "site": settings.GRANNAR_SITE_URL,
        }
        subject, body = render_to_string(template, context).strip().split("\n", 1)
    email_after_commit(subject=subject.strip(), body=body.strip(), to=[person.email], ics=ics)


def registration_changed(registration: Registration) -> None:
    if registration.status == Registration.Status.CONFIRMED:
        _send(registration, "training/email/confirmed.txt", ics=session_ics(registration.session))
    elif registration.status == Registration.Status.WAITLISTED:
        _send(registration, "training/email/waitlisted.txt")


def registration_promoted(registration: Registration) -> None:
    _send(registration, "training/email/promoted.txt", ics=session_ics(registration.session))


def session_cancelled(registration: Registration) -> None:
    _send(
        registration,
        "training/email/session_cancelled.txt",
        ics=session_ics(registration.session, cancelled=True),
    )


def session_reminder(registration: Registration) -> None:
    _send(registration, "training/email/reminder.txt", ics=session_ics(registration.session))


REMINDER_BEFORE = dt.timedelta(days=2)


def schedule_reminder(session: Session) -> None:
    """Queue the reminder for two days before the start (where the queue can wait that long)."""
    run_after = session.starts - REMINDER_BEFORE
    if run_after <= timezone.now() or not send_session_reminders.get_backend().supports_defer:
        return
    expected = session.starts.isoformat()
    transaction.on_commit(
        lambda: send_session_reminders.using(run_after=run_after).enqueue(
            session_id=session.pk, expected_starts=expected
        )
    )


@task()
def send_session_reminders(*, session_id: int, expected_starts: str) -> int:
    """Remind everyone with a seat, once; a moved or cancelled session is left alone."""
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()
        if (
            session is None
            or session.reminded is not None
            or session.status == Session.Status.CANCELLED
            or session.starts.isoformat() != expected_starts
        ):
            return 0
        registrations = list(
            Registration.objects.with_scopes_disabled()
            .filter(session=session, status=Registration.Status.CONFIRMED)
            .select_related("person", "session__course")
        )
        for registration in registrations:
            session_reminder(registration)
        session.reminded = timezone.now()
        session.save(update_fields=["reminded"])
    return len(registrations)
