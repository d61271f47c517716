"""Attended registrations written directly, to test the counting rules on exact data; the
figures' rollups are recounted as the services would."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from grannar.training import rollups
from grannar.training.models import Attendance, Course, Registration, Session

_n = itertools.count(1)


def held(programme, *, on: dt.date, credited: str = "3", subgoals=(), host=None) -> Session:
    """A past session of a new course in `programme` (None: the regular catalogue)."""
    n = next(_n)
    course = Course.objects.create(
        programme=programme,
        code=f"rk-{n}",
        title=f"Kurs {n}",
        credited_hours=Decimal(credited),
        status=Course.Status.PUBLISHED,
    )
    if subgoals:
        course.subgoals.set(programme.subgoals.filter(number__in=subgoals))
    starts = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    return Session.objects.create(
        course=course,
        code=f"rt-{n}",
        starts=starts,
        ends=starts + dt.timedelta(hours=float(credited)),
        credited_hours=Decimal(credited),
        capacity=30,
        host_municipality=host,
    )


def attend(person, session, *, hours: str | None = None, status=Registration.Status.ATTENDED):
    registration = Registration.objects.with_scopes_disabled().create(
        session=session, person=person, municipality_id=person.municipality_id, status=status
    )
    if status == Registration.Status.ATTENDED:
        Attendance.objects.create(
            registration=registration,
            hours=Decimal(hours) if hours is not None else None,
            method=Attendance.Method.IMPORT,
        )
    programme = session.course.programme
    if programme is not None:
        rollups.refresh(programme, person_ids=[person.pk], session_ids=[session.pk])
    return registration
