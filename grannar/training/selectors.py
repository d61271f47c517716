"""Reads of the training catalogue, registrations and attendance, scoped to the asking user."""

import calendar
import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grannar.core.rules import whole_hours
from grannar.people.models import Role, User
from grannar.training.models import Course, MonthlyAttestation, Registration, Session

Status = Registration.Status
# Self check-in is open from a while before the start until the end of the session.
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)


def catalogue(
    *,
    subgoal: int | None = None,
    category_id: int | None = None,
    municipality_id: int | None = None,
    month: dt.date | None = None,
    free_only: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet:
    """Coming sessions of published courses, with their waiting-line length, filtered."""
    sessions = (
        Session.objects.filter(
            course__status=Course.Status.PUBLISHED,
            status=Session.Status.SCHEDULED,
            ends__gte=now or timezone.now(),
        )
        .select_related("course__format", "course__programme", "host_municipality")
        .annotate(waiting=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)))
        .order_by("starts")
    )
    if subgoal:
        sessions = sessions.filter(course__subgoals__number=subgoal)
    if category_id:
        sessions = sessions.filter(course__target_categories=category_id)
    if municipality_id:
        sessions = sessions.filter(host_municipality_id=municipality_id)
    if month:
        sessions = sessions.filter(starts__year=month.year, starts__month=month.month)
    if free_only:
        sessions = sessions.filter(seats_taken__lt=F("capacity") - F("reserved_free"))
    return sessions.distinct()


def access_session(*, user: User, pk: int) -> Session:
    """A session anyone signed in may look at: a published course's."""
    session = (
        Session.objects.select_related("course__programme", "course__format", "host_municipality")
        .filter(pk=pk, course__status=Course.Status.PUBLISHED)
        .first()
    )
    if session is None:
        raise Http404
    return session


def access_trained_session(*, user: User, pk: int) -> Session:
    """A session `user` trains (or any, for an admin); otherwise 404."""
    sessions = Session.objects.select_related("course__programme")
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        sessions = sessions.filter(trainers=user)
    session = sessions.filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def waiting_count(session: Session) -> int:
    return (
        Registration.objects.with_scopes_disabled()
        .filter(session=session, status=Status.WAITLISTED)
        .count()
    )


def registration_of(*, session: Session, person_id: int | None) -> Registration | None:
    if person_id is None:
        return None
    return (
        Registration.objects.with_scopes_disabled()
        .filter(session=session, person_id=person_id)
        .first()
    )


def person_registrations(*, person_id: int) -> QuerySet:
    return (
        Registration.objects.with_scopes_disabled()
        .filter(person_id=person_id)
        .exclude(status=Status.CANCELLED)
        .select_related("session__course", "attendance")
        .order_by("-session__starts")
    )


def attendance_list(session: Session) -> QuerySet:
    """Who has a seat on `session`: what the trainer marks."""
    return (
        Registration.objects.with_scopes_disabled()
        .filter(session=session, status__in=[Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW])
        .select_related("person__workplace", "attendance")
        .order_by("person__last_name", "person__first_name")
    )


def checkin_sessions(*, code: str, now: dt.datetime | None = None) -> QuerySet:
    """Sessions open for self check-in now with this code."""
    now = now or timezone.now()
    return Session.objects.filter(
        checkin_code=code.strip().upper(),
        status=Session.Status.SCHEDULED,
        starts__lte=now + CHECKIN_OPENS_BEFORE,
        ends__gte=now,
    )


def attestable_months(*, person_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Per programme and month: the attended activities, their whole hours, and any attestation.
    A course's sessions after its handover to the regular catalogue are not the programme's."""
    now = now or timezone.now()
    attended = (
        Registration.objects.with_scopes_disabled()
        .filter(person_id=person_id, status=Status.ATTENDED, session__starts__lte=now)
        .select_related("session__course__programme", "attendance")
        .order_by("session__starts")
    )
    months: dict[tuple[int, dt.date], dict] = {}
    for registration in attended:
        session = registration.session
        programme = session.course.programme
        local = timezone.localtime(session.starts)
        handed_over = session.course.handed_over_on
        if programme is None or (handed_over is not None and local.date() > handed_over):
            continue
        month = local.date().replace(day=1)
        entry = months.setdefault(
            (programme.pk, month),
            {"programme": programme, "month": month, "activities": [], "hours": 0},
        )
        attendance = getattr(registration, "attendance", None)
        hours = whole_hours(attendance.hours if attendance else None, session.credited_hours)
        entry["activities"].append({"session": session, "date": local.date(), "hours": hours})
        entry["hours"] += hours
    attested = {
        (a.programme_id, a.month): a for a in MonthlyAttestation.objects.filter(person_id=person_id)
    }
    for key, entry in months.items():
        entry["attestation"] = attested.get(key)
        entry["statement"] = attestation_statement(entry)
    return sorted(months.values(), key=lambda entry: entry["month"], reverse=True)


def attestation_statement(entry: dict) -> str:
    """The sentence the participant attests, exactly as stored with the attestation."""
    month = entry["month"]
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    activities = ", ".join(
        f"{a['session'].course.title} ({a['date']:%Y-%m-%d})" for a in entry["activities"]
    )
    return _(
        "I attest that during the period %(first)s – %(last)s I took part in %(activities)s "
        "amounting to %(hours)s hours."
    ) % {
        "first": f"{month:%Y-%m-%d}",
        "last": f"{last:%Y-%m-%d}",
        "activities": activities,
        "hours": entry["hours"],
    }


def attestation_list() -> QuerySet:
    return MonthlyAttestation.objects.select_related(
        "person__municipality", "programme", "attested_by"
    ).order_by("-month", "person__last_name")
