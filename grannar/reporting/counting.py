"""The counting rules of DESIGN.md, in one place; every output uses these functions.

The rules themselves are small pure functions (`whole_hours`, `age_band`, ...). `figures()` applies
them to a programme's data with a fixed number of queries whatever its size: one row per person
with the aggregates the rules need, counted in Python, plus two small GROUP BY queries.
"""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Func, IntegerField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.programmes.models import Programme
from grannar.training.models import Registration

UNKNOWN = "okand"
AGE_BANDS = ("<25", "25-54", ">54", UNKNOWN)
GENDERS = ("kvinna", "man", "annat", UNKNOWN)


def whole_hours(attended: Decimal | None, credited: Decimal) -> int:
    """Hours an attendance counts for ESF figures: attended hours rounded down to whole hours;
    an attendance with no recorded hours counts the session's credited hours (also rounded down).
    """
    return math.floor(attended if attended is not None else credited)


def age_band(*, birth_year: int | None, first_year: int) -> str:
    """ESF age band by age in the year of the person's first attended session."""
    if birth_year is None:
        return UNKNOWN
    age = first_year - birth_year
    if age < 25:
        return "<25"
    if age <= 54:
        return "25-54"
    return ">54"


def gender_key(gender: str | None) -> str:
    """The reported gender; anything not given counts as `okand`."""
    return gender if gender in GENDERS else UNKNOWN


def identity(email: str) -> str:
    """A person is identified by e-mail, compared trimmed and case-insensitive."""
    return email.strip().casefold()


def cofinancing(hours_by_category: dict[int | None, int], rates: dict[int, Decimal], default):
    """Σ whole hours × the hourly rate of the staff category (the programme's default rate where
    the category sets none)."""
    total = Decimal(0)
    for category_id, hours in hours_by_category.items():
        rate = rates.get(category_id) if category_id is not None else None
        total += hours * (rate if rate is not None else Decimal(default or 0))
    return total


def hourly_rates(programme: Programme) -> dict[int, Decimal]:
    """The programme's rate per staff category id, for categories that set one."""
    return {
        category_id: rate
        for category_id, rate in programme.programme_categories.values_list(
            "category_id", "hourly_rate_sek"
        )
        if rate is not None
    }


class WholeHours(Func):
    """`whole_hours` in SQL: floor of a non-negative decimal as an integer, on every database.
    SQLite has no FLOOR without its math extension; a cast truncates, which for hours (never
    negative) is the same."""

    output_field = IntegerField()
    template = "CAST(FLOOR(%(expressions)s) AS INTEGER)"

    def __init__(self, attended, credited, **extra):
        super().__init__(Coalesce(attended, credited), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)")


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


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def attended_registrations(scope: Scope) -> QuerySet:
    """Every attended registration in the programme (support resources included), for the
    scope's municipality but for the whole programme period: a person's age band and entry date
    come from their first attended session, whatever the period shown."""
    rows = Registration.objects.filter(
        session__course__programme=scope.programme, status=Registration.Status.ATTENDED
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


@dataclass
class Figures:
    """The programme's figures for one scope; every output shows these."""

    programme: str
    target_participants: int
    participants: int = 0
    support_resources: int = 0
    sessions_held: int = 0
    attended_hours: int = 0
    cofinancing_sek: Decimal = Decimal(0)
    by_municipality: dict[str, int] = field(default_factory=dict)
    by_staff_category: dict[str, int] = field(default_factory=dict)
    by_gender: dict[str, int] = field(default_factory=dict)
    by_age_band: dict[str, int] = field(default_factory=dict)
    by_subgoal: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    reached_by_month: dict[str, int] = field(default_factory=dict)  # new participants per month

    @property
    def attainment(self) -> float:
        """Participants / target, three decimals."""
        if not self.target_participants:
            return 0.0
        return round(self.participants / self.target_participants, 3)

    def as_summary(self) -> dict:
        """The JSON summary of DESIGN.md (unsuppressed: for programme admins)."""
        return {
            "programme": self.programme,
            "target_participants": self.target_participants,
            "participants": self.participants,
            "attainment": self.attainment,
            "support_resources": self.support_resources,
            "sessions_held": self.sessions_held,
            "attended_hours": self.attended_hours,
            "cofinancing_sek": sek(self.cofinancing_sek),
            "by_municipality": self.by_municipality,
            "by_staff_category": self.by_staff_category,
            "by_gender": self.by_gender,
            "by_age_band": self.by_age_band,
            "by_subgoal": self.by_subgoal,
        }


def sek(amount: Decimal) -> int | float:
    """An amount for JSON: whole kronor as an integer, otherwise to the öre."""
    amount = amount.quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _ordered(counter: Counter, order=None) -> dict[str, int]:
    """Zero counts left out; a known order first (age bands, genders), otherwise by key."""
    keys = [k for k in order if k in counter] if order else sorted(counter, key=_natural)
    return {k: counter[k] for k in keys if counter[k]}


def _natural(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def figures(scope: Scope) -> Figures:
    """All figures for a scope, by the counting rules."""
    programme = scope.programme
    result = Figures(programme=programme.code, target_participants=programme.target_participants)
    facts = person_facts(scope)
    participants = [f for f in facts if not f.support_resource]
    result.participants = len(participants)
    result.support_resources = len(facts) - len(participants)

    hours_by_category: Counter = Counter()
    counters = {name: Counter() for name in ("municipality", "category", "gender", "age", "sector")}
    reached: Counter = Counter()
    for fact in participants:
        hours_by_category[fact.staff_category_id] += fact.hours
        counters["municipality"][fact.municipality] += 1
        counters["category"][fact.staff_category] += 1
        counters["gender"][fact.gender] += 1
        counters["age"][fact.age_band] += 1
        counters["sector"][fact.sector] += 1
        reached[f"{fact.first_in_period:%Y-%m}"] += 1
    result.attended_hours = sum(hours_by_category.values())
    result.cofinancing_sek = cofinancing(
        hours_by_category, hourly_rates(programme), programme.default_hourly_rate_sek
    )
    result.by_municipality = _ordered(counters["municipality"])
    result.by_staff_category = _ordered(counters["category"])
    result.by_gender = _ordered(counters["gender"], GENDERS)
    result.by_age_band = _ordered(counters["age"], AGE_BANDS)
    result.by_sector = _ordered(counters["sector"])
    result.reached_by_month = _ordered(reached)

    with scopes_disabled():
        rows = attended_registrations(scope).filter(scope.period_q())
        result.sessions_held = rows.aggregate(n=Count("session_id", distinct=True))["n"]
        participant_rows = rows.filter(person__support_resource=False)
        result.by_subgoal = _ordered(
            Counter(
                {
                    str(row["session__course__subgoals__number"]): row["n"]
                    for row in participant_rows.filter(session__course__subgoals__isnull=False)
                    .values("session__course__subgoals__number")
                    .annotate(n=Count("person_id", distinct=True))
                    .order_by()
                }
            )
        )
    return result
