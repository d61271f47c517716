"""Reads of the training catalogue, registrations and attendance, scoped to the asking user."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import ngettext

from grannar.core.plurals import plural_count
from grannar.core.rules import whole_hours
from grannar.people.models import Person, Role, User
from grannar.programmes.selectors import leaving_date_of
from grannar.training.facts import registration_hours
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


def access_session_for_registration(*, user: User, pk: int) -> Session:
    """`access_session` with only what registering needs: the course and its programme."""
    session = (
        Session.objects.select_related("course__programme")
        .filter(pk=pk, course__status=Course.Status.PUBLISHED)
        .first()
    )
    if session is None:
        raise Http404
    return session


@dataclass(frozen=True)
class RegistrationState:
    """What registering `person_id` for a session depends on, read before the transaction:
    the seat counters, the reservation state, the person's registration (its status, if any)
    and the leaving date of their municipality in the session's programme (if any)."""

    person_id: int
    release_at: dt.datetime | None
    reserved_free: int
    seats_taken: int
    capacity: int
    own_status: str | None
    left_day: dt.date | None


def _state_of(session: Session, person: Person) -> RegistrationState:
    return RegistrationState(
        person_id=person.pk,
        release_at=session.reservations_release_at,
        reserved_free=session.reserved_free,
        seats_taken=session.seats_taken,
        capacity=session.capacity,
        own_status=session.own_status,
        left_day=session.left_day,
    )


def registration_state(*, session_id: int, person: Person) -> RegistrationState:
    """The state registering `person` for the session depends on, in one query."""
    own = Registration.objects.with_scopes_disabled().filter(session=OuterRef("pk"), person=person)
    left = leaving_date_of(
        programme_id=OuterRef("course__programme_id"), municipality_id=person.municipality_id
    )
    session = (
        Session.objects.filter(pk=session_id)
        .only("reservations_release_at", "reserved_free", "seats_taken", "capacity")
        .annotate(own_status=Subquery(own.values("status")[:1]), left_day=Subquery(left))
        .get()
    )
    return _state_of(session, person)


# The one read behind a person's own registration, written out because it runs for every
# press of "Anmäl mig" and the ORM took longer to build it than the database to answer it:
# the session (only what the checks and the claim use), whether its course is published, the
# person's registration if any and their municipality's leaving date in the programme.
# `registration_state` is the same read through the ORM; the tests hold the two alike.
_SESSION_TO_REGISTER = """SELECT s."id", s."course_id", s."code", s."starts", s."status",
       s."registration_opens", s."registration_closes", s."reservations_release_at",
       s."reserved_free", s."seats_taken", s."capacity",
       (SELECT r."status" FROM "training_registration" r
         WHERE r."session_id" = s."id" AND r."person_id" = %s) AS "own_status",
       (SELECT m."left" FROM "programmes_membership" m
         WHERE m."programme_id" = c."programme_id" AND m."municipality_id" = %s
           AND m."left" IS NOT NULL) AS "left_day"
  FROM "training_session" s JOIN "training_course" c ON c."id" = s."course_id"
 WHERE s."id" = %s AND c."status" = %s
"""
_LEFT_DAY = models.DateField()


def access_session_to_register(
    *, user: User, pk: int, person: Person
) -> tuple[Session, RegistrationState]:
    """A published course's session and the `RegistrationState` for `person`, in one query:
    what a person's own registration reads. The session holds only what registering uses."""
    params = [person.pk, person.municipality_id, pk, Course.Status.PUBLISHED]
    session = next(iter(Session.objects.raw(_SESSION_TO_REGISTER, params)), None)
    if session is None:
        raise Http404
    session.left_day = _LEFT_DAY.to_python(session.left_day)
    return session, _state_of(session, person)


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
    return ngettext(
        "I attest that during the period %(first)s – %(last)s I took part in %(activities)s "
        "amounting to %(hours)s hour.",
        "I attest that during the period %(first)s – %(last)s I took part in %(activities)s "
        "amounting to %(hours)s hours.",
        plural_count(entry["hours"]),
    ) % {
        "first": f"{month:%Y-%m-%d}",
        "last": f"{last:%Y-%m-%d}",
        "activities": activities,
        "hours": entry["hours"],
    }


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local month as an interval of aware datetimes."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(month, dt.time.min, tzinfo=zone),
        dt.datetime.combine(following, dt.time.min, tzinfo=zone),
    )


def attestation_overview(
    *,
    programme_id: int | None = None,
    municipality_id: int | None = None,
    month: dt.date | None = None,
    signed: bool | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Every person, programme and month with attended hours or a signed attestation: the whole
    attended hours now, and the attestation if one is signed; newest month first."""
    registrations = (
        Registration.objects.with_scopes_disabled()
        .filter(
            status=Status.ATTENDED,
            session__course__programme__isnull=False,
            session__starts__lte=now or timezone.now(),
        )
        .order_by()
    )
    attestations = MonthlyAttestation.objects.select_related(
        "person__municipality", "programme", "attested_by"
    )
    if programme_id:
        registrations = registrations.filter(session__course__programme_id=programme_id)
        attestations = attestations.filter(programme_id=programme_id)
    if municipality_id:
        registrations = registrations.filter(person__municipality_id=municipality_id)
        attestations = attestations.filter(person__municipality_id=municipality_id)
    if month:
        first, following = _month_bounds(month)
        registrations = registrations.filter(
            session__starts__gte=first, session__starts__lt=following
        )
        attestations = attestations.filter(month=month)
    zone = timezone.get_current_timezone()
    grouped = (
        registrations.annotate(month_start=TruncMonth("session__starts", tzinfo=zone))
        .values(
            "person_id",
            "person__first_name",
            "person__last_name",
            "person__municipality__name",
            "session__course__programme_id",
            "session__course__programme__name",
            "month_start",
        )
        .annotate(sessions=Count("id"), hours=Sum(registration_hours()))
    )
    rows: dict[tuple, dict] = {}
    for values in grouped:
        start = values["month_start"]
        month = (timezone.localtime(start, zone) if timezone.is_aware(start) else start).date()
        key = (values["person_id"], values["session__course__programme_id"], month)
        rows[key] = {
            "person_id": key[0],
            "name": f"{values['person__first_name']} {values['person__last_name']}",
            "last_name": values["person__last_name"],
            "municipality": values["person__municipality__name"],
            "programme_id": key[1],
            "programme": values["session__course__programme__name"],
            "month": month,
            "hours": int(values["hours"]),
            "sessions": values["sessions"],
            "attestation": None,
        }
    for attestation in attestations:
        key = (attestation.person_id, attestation.programme_id, attestation.month)
        person = attestation.person
        row = rows.setdefault(
            key,
            {
                "person_id": person.pk,
                "name": person.full_name,
                "last_name": person.last_name,
                "municipality": person.municipality.name,
                "programme_id": attestation.programme_id,
                "programme": attestation.programme.name,
                "month": attestation.month,
                "hours": 0,
                "sessions": 0,
            },
        )
        row["attestation"] = attestation
    result = [
        row for row in rows.values() if signed is None or (row["attestation"] is not None) == signed
    ]
    result.sort(key=lambda row: (row["last_name"], row["name"], row["programme"]))
    result.sort(key=lambda row: row["month"], reverse=True)
    return result


def evidence_sessions(
    *,
    programme_id: int | None = None,
    month: dt.date | None = None,
    person_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """Sessions that have started, with how many were marked present and absent; newest first."""
    marked = Q(registrations__status__in=[Status.ATTENDED, Status.NO_SHOW])
    sessions = (
        Session.objects.filter(starts__lte=now or timezone.now())
        .select_related("course__programme", "host_municipality")
        .annotate(
            present=Count("registrations", filter=Q(registrations__status=Status.ATTENDED)),
            absent=Count("registrations", filter=Q(registrations__status=Status.NO_SHOW)),
            marked=Count("registrations", filter=marked),
        )
        .filter(marked__gt=0)
        .order_by("-starts", "code")
    )
    if programme_id:
        sessions = sessions.filter(course__programme_id=programme_id)
    if month:
        first, following = _month_bounds(month)
        sessions = sessions.filter(starts__gte=first, starts__lt=following)
    if person_id:
        sessions = sessions.filter(
            pk__in=Registration.objects.with_scopes_disabled()
            .filter(person_id=person_id, status__in=[Status.ATTENDED, Status.NO_SHOW])
            .values("session_id")
        )
    return sessions


def session_evidence(session: Session) -> dict:
    """A session's attendance evidence: everyone who held a seat, with the hours, how and when
    they were recorded and by whom, and the signed monthly attestations covering them."""
    rows = list(
        Registration.objects.with_scopes_disabled()
        .filter(session=session, status__in=Registration.HOLDS_SEAT)
        .select_related(
            "person__municipality", "person__workplace", "attendance__recorded_by__person"
        )
        .order_by("person__last_name", "person__first_name")
    )
    attestations = {}
    if session.course.programme_id is not None:
        attestations = {
            a.person_id: a
            for a in MonthlyAttestation.objects.filter(
                programme_id=session.course.programme_id,
                month=session_month(session),
                person_id__in=[r.person_id for r in rows],
            ).select_related("person")
        }
    for row in rows:
        attendance = getattr(row, "attendance", None)
        row.evidence_attendance = attendance
        row.whole_hours = (
            whole_hours(attendance.hours, session.credited_hours) if attendance else None
        )
        attestation = attestations.get(row.person_id)
        row.covering = (
            attestation
            if attestation is not None
            and attendance is not None
            and attestation.attested >= attendance.recorded
            else None
        )
    covering = sorted(attestations.values(), key=lambda a: (a.person.last_name, a.person_id))
    return {"rows": rows, "attestations": covering}


def session_month(session: Session) -> dt.date:
    """The first day of the local month a session starts in: the month an attestation covers."""
    return timezone.localtime(session.starts).date().replace(day=1)


def covering_attestation(registration: Registration) -> MonthlyAttestation | None:
    """The signed monthly attestation that includes this attended registration, if any: the
    person's attestation for the session's programme and month, signed after the attendance
    was recorded."""
    attendance = getattr(registration, "attendance", None)
    programme_id = registration.session.course.programme_id
    if registration.status != Status.ATTENDED or attendance is None or programme_id is None:
        return None
    return MonthlyAttestation.objects.filter(
        person_id=registration.person_id,
        programme_id=programme_id,
        month=session_month(registration.session),
        attested__gte=attendance.recorded,
    ).first()


def covered_registration_ids(session: Session, registrations) -> set[int]:
    """Which of a session's registrations a signed monthly attestation covers (one query)."""
    attended = [
        r
        for r in registrations
        if r.status == Status.ATTENDED and getattr(r, "attendance", None) is not None
    ]
    if not attended or session.course.programme_id is None:
        return set()
    signed = dict(
        MonthlyAttestation.objects.filter(
            programme_id=session.course.programme_id,
            month=session_month(session),
            person_id__in=[r.person_id for r in attended],
        ).values_list("person_id", "attested")
    )
    return {
        r.pk
        for r in attended
        if r.person_id in signed and signed[r.person_id] >= r.attendance.recorded
    }


def _with_line_position(registrations: QuerySet) -> QuerySet:
    """Annotate `line_position`, the place in its session's waiting line (1 is first in line);
    it means something for waitlisted registrations only."""
    ahead = (
        Registration.objects.with_scopes_disabled()
        .filter(
            session=OuterRef("session"), status=Status.WAITLISTED, queued__lt=OuterRef("queued")
        )
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return registrations.annotate(line_position=Coalesce(Subquery(ahead), 0) + 1)


def municipality_bookings(
    *, municipality_ids: list[int], now: dt.datetime | None = None
) -> list[dict]:
    """Coming sessions where staff of `municipality_ids` have a seat or wait, with who (one
    query): `[{"session", "booked": [registration…], "waiting": [registration…]}]` by start."""
    registrations = _with_line_position(
        Registration.objects.with_scopes_disabled()
        .filter(
            person__municipality_id__in=municipality_ids,
            status__in=[Status.CONFIRMED, Status.WAITLISTED],
            session__status=Session.Status.SCHEDULED,
            session__ends__gte=now or timezone.now(),
        )
        .select_related("session__course", "person__workplace", "person__staff_category")
        .order_by("session__starts", "session_id", "person__last_name", "person__first_name")
    )
    sessions: dict[int, dict] = {}
    for registration in registrations:
        entry = sessions.setdefault(
            registration.session_id,
            {"session": registration.session, "booked": [], "waiting": []},
        )
        key = "waiting" if registration.status == Status.WAITLISTED else "booked"
        entry[key].append(registration)
    for entry in sessions.values():
        entry["waiting"].sort(key=lambda registration: registration.line_position)
    return list(sessions.values())


def person_training(*, person_id: int) -> QuerySet:
    """Every registration of `person_id`, newest session first, with its attendance,
    certificate and place in the waiting line."""
    return _with_line_position(
        Registration.objects.with_scopes_disabled()
        .filter(person_id=person_id)
        .select_related("session__course", "attendance", "certificate")
        .order_by("-session__starts", "-id")
    )
