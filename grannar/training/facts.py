"""What the counting rules are applied to: each person's attended registrations in a programme.

One query gives one row per person with the aggregates the rules need; `grannar.reporting`
counts them, and evaluation uses the same facts for its breakdowns.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.rules import UNKNOWN, WholeHours, age_band, gender_key
from grannar.programmes.models import Programme
from grannar.programmes.selectors import leaving_dates
from grannar.training.models import Registration


def registration_hours() -> WholeHours:
    """Whole hours of one registration row (joined to its attendance and session)."""
    return WholeHours(F("attendance__hours"), F("session__credited_hours"))


@dataclass(frozen=True)
class Scope:
    """What a set of figures covers: a programme, optionally a period (by session start, local
    dates, both ends included) and the municipality of the person's current record."""

    programme: Programme
    start: dt.date | None = None
    end: dt.date | None = None
    municipality_id: int | None = None

    def period_q(self, starts: str = "session__starts") -> Q:
        """The period as a filter on the field holding a session's start."""
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{starts}__gte": _local_midnight(self.start)})
        if self.end is not None:
            q &= Q(**{f"{starts}__lt": _local_midnight(self.end + dt.timedelta(1))})
        return q

    @cached_property
    def leaving_dates(self) -> dict[int, dt.date]:
        return leaving_dates(self.programme)

    def member_q(self, person: str = "person", starts: str = "session__starts") -> Q:
        """Registrations made while the person's municipality was a member: not at a session
        starting after the day it left the programme."""
        q = Q()
        for municipality_id, left in self.leaving_dates.items():
            q &= ~Q(
                **{
                    f"{person}__municipality_id": municipality_id,
                    f"{starts}__gte": _local_midnight(left + dt.timedelta(1)),
                }
            )
        return q

    @staticmethod
    def programme_q(course: str = "session__course", starts: str = "session__starts") -> Q:
        """Sessions that belong to the programme: not those of a course handed over to the
        regular catalogue that start after the day of the handover."""
        return Q(**{f"{course}__handed_over_on__isnull": True}) | Q(
            LessThanOrEqual(
                TruncDate(starts, tzinfo=timezone.get_current_timezone()),
                F(f"{course}__handed_over_on"),
            )
        )

    def counted_q(self, person: str = "person", session: str = "session") -> Q:
        """Registrations that count in the programme's figures: made while the person's
        municipality was a member, at a session that belongs to the programme."""
        starts = f"{session}__starts"
        return self.member_q(person, starts) & self.programme_q(f"{session}__course", starts)

    @cached_property
    def report_date(self) -> dt.date:
        """The day the figures describe: the period's end, or today."""
        return self.end if self.end is not None else timezone.localdate()


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def attended_registrations(scope: Scope) -> QuerySet:
    """Every attended registration in the programme (support resources included), for the
    scope's municipality but for the whole programme period: a person's age band and entry date
    come from their first attended session, whatever the period shown. Sessions after the
    person's municipality left the programme, and sessions of a course after its handover to
    the regular catalogue, do not count."""
    rows = Registration.objects.filter(
        scope.counted_q(),
        session__course__programme=scope.programme,
        status=Registration.Status.ATTENDED,
    )
    if scope.municipality_id is not None:
        rows = rows.filter(person__municipality_id=scope.municipality_id)
    return rows


@dataclass(frozen=True)
class PersonFacts:
    """One person's figures in a scope: their current record and their attended sessions."""

    person_id: int
    support_resource: bool
    municipality: str
    workplace_id: int | None
    staff_category_id: int | None
    staff_category: str
    sector: str
    gender: str
    age_band: str
    entry: dt.date  # first attended session in the programme
    exit: dt.date  # last attended session in the programme
    first_in_period: dt.date
    hours: int  # whole attended hours in the period


def person_facts(scope: Scope) -> list[PersonFacts]:
    """Everyone with at least one attended registration in the scope's period, in one query."""
    in_period = scope.period_q()
    with scopes_disabled():
        rows = (
            attended_registrations(scope)
            .values(
                "person_id",
                "person__support_resource",
                "person__municipality__code",
                "person__workplace_id",
                "person__staff_category_id",
                "person__staff_category__code",
                "person__staff_category__sector__code",
                "person__gender",
                "person__birth_year",
            )
            .annotate(
                entry=Min("session__starts"),
                exit=Max("session__starts"),
                first_in_period=Min("session__starts", filter=in_period),
                hours=Sum(registration_hours(), filter=in_period),
            )
            .filter(first_in_period__isnull=False)
            .order_by()
        )
        facts = []
        for row in rows.iterator(chunk_size=5000):
            entry = timezone.localtime(row["entry"]).date()
            facts.append(
                PersonFacts(
                    person_id=row["person_id"],
                    support_resource=row["person__support_resource"],
                    municipality=row["person__municipality__code"],
                    workplace_id=row["person__workplace_id"],
                    staff_category_id=row["person__staff_category_id"],
                    staff_category=row["person__staff_category__code"] or UNKNOWN,
                    sector=row["person__staff_category__sector__code"] or UNKNOWN,
                    gender=gender_key(row["person__gender"]),
                    age_band=age_band(birth_year=row["person__birth_year"], first_year=entry.year),
                    entry=entry,
                    exit=timezone.localtime(row["exit"]).date(),
                    first_in_period=timezone.localtime(row["first_in_period"]).date(),
                    hours=row["hours"] or 0,
                )
            )
    return facts
