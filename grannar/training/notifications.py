"""E-mail to participants about their registrations, queued after commit, in their language."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task
from icalendar import Calendar, Event

from grannar.core.tasks import deliver_email, email_after_commit, enqueue_after_commit
from grannar.training.models import Registration, Session


def _language(person) -> str:
    user = getattr(person, "user", None)
    return user.language if user is not None and user.language in ("sv", "en") else "sv"


def session_url(session: Session) -> str:
    """The session's page as an absolute address, for e-mail and calendar entries."""
    return f"{settings.GRANNAR_SITE_URL}{reverse('training:session', args=[session.pk])}"


def _event(session: Session, *, stamp: dt.datetime, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@grannar")
    event.add("summary", session.course.title)
    # Local wall-clock times with their TZID (and the VTIMEZONE below), as calendars show them.
    event.add("dtstart", timezone.localtime(session.starts))
    event.add("dtend", timezone.localtime(session.ends))
    event.add("dtstamp", stamp)
    url = session_url(session)
    place = session.location or session.online_url
    lines = [(_("Where"), place)] if place else []
    if session.online_url and session.location:
        lines.append((_("Online"), session.online_url))
    lines.append((_("More about the session"), url))
    event.add("description", "\n".join(f"{label}: {value}" for label, value in lines))
    if session.location:
        event.add("location", session.location)
    event.add("url", session.online_url or url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar_ics(sessions, *, name: str = "", cancelled: bool = False) -> str:
    """An iCalendar (RFC 5545) document publishing `sessions`, times in Europe/Stockholm."""
    calendar = Calendar()
    calendar.add("prodid", "-//Grannar//SE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC)
    for session in sessions:
        calendar.add_component(_event(session, stamp=stamp, cancelled=cancelled))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def session_ics(session: Session, *, cancelled: bool = False) -> str:
    return calendar_ics([session], cancelled=cancelled)


def _compose(registration: Registration, template: str) -> tuple[str, str]:
    """Subject and body of an e-mail about `registration`, in its person's language."""
    person = registration.person
    with translation.override(_language(person)):
        context = {
            "registration": registration,
            "session": registration.session,
            "person": person,
            "site": settings.GRANNAR_SITE_URL,
        }
        subject, body = render_to_string(template, context).strip().split("\n", 1)
    return subject.strip(), body.strip()


def email_key(registration: Registration, what: str) -> str:
    """The idempotency key of one e-mail about `registration`: ids and the registration's last
    change, so registering again after cancelling is a new e-mail and a repeated job is not."""
    return f"training.registration:{registration.pk}:{what}:{registration.changed.isoformat()}"


def _send(registration: Registration, template: str, *, key: str, ics: str = "") -> None:
    subject, body = _compose(registration, template)
    email_after_commit(subject=subject, body=body, to=[registration.person.email], ics=ics, key=key)


# The e-mail for each outcome of a registration, and whether it carries the calendar file.
REGISTRATION_EMAILS = {
    Registration.Status.CONFIRMED: ("training/email/confirmed.txt", True),
    Registration.Status.WAITLISTED: ("training/email/waitlisted.txt", False),
}


def registration_changed(registration: Registration) -> None:
    """Queue the e-mail for a new registration's outcome. Only the id and the outcome are
    queued: the e-mail and its calendar file are written by the task, not by the request."""
    if registration.status in REGISTRATION_EMAILS:
        enqueue_after_commit(
            send_registration_email,
            registration_id=registration.pk,
            status=str(registration.status),
            key=email_key(registration, str(registration.status)),
        )


@task()
def send_registration_email(*, registration_id: int, status: str, key: str = "") -> int:
    """Write and send the e-mail for a registration's outcome `status` (as it was queued),
    once per `key` however often the job runs."""
    with scopes_disabled():
        registration = (
            Registration.objects.select_related("person__user", "session__course")
            .filter(pk=registration_id)
            .first()
        )
        if registration is None:
            return 0
        template, with_calendar = REGISTRATION_EMAILS[status]
        subject, body = _compose(registration, template)
        ics = session_ics(registration.session) if with_calendar else ""
        return deliver_email(
            subject=subject, body=body, to=[registration.person.email], ics=ics, key=key
        )


def registration_promoted(registration: Registration) -> None:
    _send(
        registration,
        "training/email/promoted.txt",
        key=email_key(registration, "promoted"),
        ics=session_ics(registration.session),
    )


def session_cancelled(registration: Registration) -> None:
    _send(
        registration,
        "training/email/session_cancelled.txt",
        key=f"training.session_cancelled:{registration.session_id}:{registration.pk}",
        ics=session_ics(registration.session, cancelled=True),
    )


def session_reminder(registration: Registration) -> None:
    _send(
        registration,
        "training/email/reminder.txt",
        key=f"training.reminder:{registration.pk}:{registration.session.starts.isoformat()}",
        ics=session_ics(registration.session),
    )


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
