"""The programme's figures by the counting rules of DESIGN.md; every output uses `figures()`
and `collaboration_figures()`.

The rules themselves are pure functions in `grannar.core.rules`. Where the maintained rollups
of `grannar.training.rollups` cover the scope's period, `figures()` reads their tallies (a few
thousand rows at national scale); otherwise, and always in `reference_figures()`, it applies the
rules to the per-person facts of `grannar.training.facts`, read from the raw registrations in
one query and counted in Python. Either way the number of queries is fixed whatever the
programme's size; so it is for `collaboration_figures()`.
"""

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.collaboration.models import CompetencePlan, Engagement, Outcome, PilotWorkshop, Routine
from grannar.core.rules import AGE_BANDS, FULL_COVERAGE_SECTORS, GENDERS, WholeHours, cofinancing
from grannar.programmes.models import Programme
from grannar.programmes.selectors import members_on
from grannar.training import rollups
from grannar.training.facts import Scope, attended_registrations, person_facts
from grannar.training.models import Course, Session

# Where the figures come from: the maintained rollups where they cover the scope, or the raw
# registrations (the reference the rollups are checked against).
ROLLUPS = "rollups"
RAW = "raw"
# The tallies `figures` reads (grannar.training.rollups).
FIGURE_DIMENSIONS = (
    "all",
    "rate",
    "category",
    "gender",
    "age",
    "sector",
    "reached",
    "subgoal",
    "sessions",
)


def hourly_rates(programme: Programme) -> dict[int, Decimal]:
    """The programme's rate per staff category id, for categories that set one."""
    return {
        category_id: rate
        for category_id, rate in programme.programme_categories.values_list(
            "category_id", "hourly_rate_sek"
        )
        if rate is not None
    }


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


def figures(scope: Scope, *, source: str = ROLLUPS) -> Figures:
    """All figures for a scope, by the counting rules: from the rollups where they cover the
    scope's period (three queries), otherwise from the raw registrations."""
    row = rollups.programme_row(scope.programme) if source == ROLLUPS else None
    if rollups.covers(scope, row):
        return _rollup_figures(scope, row)
    return reference_figures(scope)


def _rollup_figures(scope: Scope, row) -> Figures:
    """The figures from the rollups' tallies and session rows: equal to `reference_figures`
    for a scope whose period holds every counted session (`rollups.covers`)."""
    programme = scope.programme
    result = Figures(programme=programme.code, target_participants=programme.target_participants)
    counters: dict[str, Counter] = defaultdict(Counter)
    hours_by_category: Counter = Counter()
    # The programme's sessions are counted once on its row, not summed over municipalities.
    result.sessions_held = row.sessions_held if scope.municipality_id is None else 0
    for code, dimension, key, persons, hours in rollups.tallies(
        scope, FIGURE_DIMENSIONS, per_municipality=["all"]
    ):
        if dimension == "all" and key == "participants":
            result.participants += persons
            result.attended_hours += hours
            counters["municipality"][code] += persons
        elif dimension == "all":
            result.support_resources += persons
        elif dimension == "rate":
            hours_by_category[int(key) if key else None] += hours
        elif dimension == "sessions":
            if scope.municipality_id is not None and key == "held":
                result.sessions_held = persons
        else:
            counters[dimension][key] += persons
    _breakdowns(result, programme, hours_by_category, counters)
    result.by_subgoal = _ordered(counters["subgoal"])
    return result


def _breakdowns(
    result: Figures, programme: Programme, hours_by_category: Counter, counters: dict
) -> None:
    """Co-financing from the hours per staff category id, and the participants' breakdowns
    from their counters, in the order every output shows them."""
    result.cofinancing_sek = cofinancing(
        hours_by_category, hourly_rates(programme), programme.default_hourly_rate_sek
    )
    result.by_municipality = _ordered(counters["municipality"])
    result.by_staff_category = _ordered(counters["category"])
    result.by_gender = _ordered(counters["gender"], GENDERS)
    result.by_age_band = _ordered(counters["age"], AGE_BANDS)
    result.by_sector = _ordered(counters["sector"])
    result.reached_by_month = _ordered(counters["reached"])


def reference_figures(scope: Scope) -> Figures:
    """All figures for a scope from the raw registrations: the reference implementation of
    the counting rules, for any period."""
    programme = scope.programme
    result = Figures(programme=programme.code, target_participants=programme.target_participants)
    facts = person_facts(scope)
    participants = [f for f in facts if not f.support_resource]
    result.participants = len(participants)
    result.support_resources = len(facts) - len(participants)

    hours_by_category: Counter = Counter()
    counters = {
        name: Counter()
        for name in ("municipality", "category", "gender", "age", "sector", "reached")
    }
    for fact in participants:
        hours_by_category[fact.staff_category_id] += fact.hours
        counters["municipality"][fact.municipality] += 1
        counters["category"][fact.staff_category] += 1
        counters["gender"][fact.gender] += 1
        counters["age"][fact.age_band] += 1
        counters["sector"][fact.sector] += 1
        counters["reached"][f"{fact.first_in_period:%Y-%m}"] += 1
    result.attended_hours = sum(hours_by_category.values())
    _breakdowns(result, programme, hours_by_category, counters)

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


@dataclass
class CollaborationFigures:
    """Pilot workshops, routines, support resources, competence plans and the catalogue
    handover of one scope, as of its report date (DESIGN.md, "Collaboration and lasting
    change")."""

    pilot_workshops: int = 0
    full_sector_coverage: int = 0
    routines: dict[str, int] = field(default_factory=dict)
    follow_ups_due: int = 0
    routines_in_use_at_follow_up: int = 0
    support_resources_engaged: int = 0
    support_resource_hours: int = 0
    support_resource_outcomes: dict[str, int] = field(default_factory=dict)
    workplaces_with_participants: int = 0
    workplaces_with_plan: int = 0  # of those with participants
    handed_over_courses: int = 0
    sessions_after_handover: int = 0
    mixed_sector_sessions: int = 0

    @property
    def plan_coverage(self) -> float:
        """Workplaces with an adopted or followed-up plan ÷ workplaces with a participant."""
        if not self.workplaces_with_participants:
            return 0.0
        return round(self.workplaces_with_plan / self.workplaces_with_participants, 3)

    def as_summary(self) -> dict:
        """The `collaboration` object of the JSON summary (DESIGN.md)."""
        return {
            "pilot_workshops": self.pilot_workshops,
            "full_sector_coverage": self.full_sector_coverage,
            "routines": self.routines,
            "follow_ups_due": self.follow_ups_due,
            "routines_in_use_at_follow_up": self.routines_in_use_at_follow_up,
            "support_resources_engaged": self.support_resources_engaged,
            "support_resource_hours": self.support_resource_hours,
            "support_resource_outcomes": self.support_resource_outcomes,
            "plan_coverage": self.plan_coverage,
            "handed_over_courses": self.handed_over_courses,
            "sessions_after_handover": self.sessions_after_handover,
            "mixed_sector_sessions": self.mixed_sector_sessions,
        }


# A routine's steps after the draft, latest first, with the field holding the day it was taken.
_ROUTINE_STEPS = (
    (Routine.Status.RETIRED, "retired_on"),
    (Routine.Status.FOLLOWED_UP, "followed_up_on"),
    (Routine.Status.ADOPTED, "adopted_on"),
    (Routine.Status.TESTING, "testing_from"),
)
_OUTCOME_MOMENTS = [moment for moment, _label in Outcome.Moment.choices]


def routine_status_on(routine: dict, day: dt.date) -> str | None:
    """A routine's status on `day` from the days its steps were taken; None if it was not yet
    written (neither created nor any step taken by then). The current status counts from its
    day, or always where no day is recorded."""
    steps = {status: routine[date_field] for status, date_field in _ROUTINE_STEPS}
    started = min([timezone.localtime(routine["created"]).date(), *filter(None, steps.values())])
    if started > day:
        return None
    current = routine["status"]
    order = [status for status, _field in _ROUTINE_STEPS]
    for status in order[order.index(current) :] if current in order else []:
        taken = steps[status]
        if (taken is None and status == current) or (taken is not None and taken <= day):
            return status
    return Routine.Status.DRAFT


def collaboration_figures(scope: Scope, *, source: str = ROLLUPS) -> CollaborationFigures:
    """The collaboration figures of a scope by the counting rules, as of its report date (the
    period's end, or today); events (engagements, sessions) count within the period up to that
    day. The attended registrations come from the rollups where they cover that period, from
    the raw registrations otherwise. At most eleven queries whatever the data size."""
    day = scope.report_date
    dated = dataclasses.replace(scope, end=day)
    result = CollaborationFigures()
    with scopes_disabled():
        row = rollups.programme_row(scope.programme) if source == ROLLUPS else None
        from_rollups = rollups.covers(dated, row)
        _workshops_and_routines(dated, result)
        _support_resources(dated, result, from_rollups)
        _plans(dated, result, from_rollups)
        _handover(dated, result)
        if from_rollups:
            _held, result.mixed_sector_sessions = rollups.session_counts(dated, row)
            return result
        result.mixed_sector_sessions = (
            attended_registrations(dated)
            .filter(dated.period_q(), person__support_resource=False)
            .values("session_id")
            .annotate(sectors=Count("person__staff_category__sector_id", distinct=True))
            .filter(sectors__gte=FULL_COVERAGE_SECTORS)
            .order_by()
            .count()
        )
    return result


def _workshops(scope: Scope):
    """The workshops of the municipalities taking part on the report date, in the scope."""
    workshops = PilotWorkshop.objects.filter(
        programme=scope.programme,
        municipality_id__in=members_on(scope.programme, scope.report_date),
    )
    if scope.municipality_id is not None:
        workshops = workshops.filter(municipality_id=scope.municipality_id)
    return workshops


def overdue_routines(scope: Scope) -> list[dict]:
    """The routines `follow_ups_due` counts, by the same rule: adopted on the report date and
    past their due date without a follow-up; id, title, municipality and due date, the oldest
    due first. One query."""
    day = scope.report_date
    with scopes_disabled():
        routines = Routine.objects.filter(
            workshop__in=_workshops(scope).values("pk"),
            follow_up_due__lt=day,
            # Adopted then, so adopted, followed up or retired now.
            status__in=[
                Routine.Status.ADOPTED,
                Routine.Status.FOLLOWED_UP,
                Routine.Status.RETIRED,
            ],
        ).values(
            "id",
            "title",
            "workshop__municipality__name",
            "status",
            "created",
            "testing_from",
            "adopted_on",
            "followed_up_on",
            "retired_on",
            "follow_up_due",
        )
        overdue = [r for r in routines if routine_status_on(r, day) == Routine.Status.ADOPTED]
    return sorted(overdue, key=lambda r: (r["follow_up_due"], r["id"]))


def _workshops_and_routines(scope: Scope, result: CollaborationFigures) -> None:
    """Workshops of the municipalities taking part on the report date (whenever recorded),
    their sector coverage, and their routines by status on that day."""
    day = scope.report_date
    workshops = _workshops(scope)
    sectors = list(
        workshops.annotate(sectors=Count("members__sector", distinct=True))
        .order_by()
        .values_list("sectors", flat=True)
    )
    result.pilot_workshops = len(sectors)
    result.full_sector_coverage = sum(1 for n in sectors if n >= FULL_COVERAGE_SECTORS)

    statuses: Counter = Counter()
    routines = Routine.objects.filter(workshop__in=workshops.values("pk")).values(
        "status",
        "created",
        "testing_from",
        "adopted_on",
        "followed_up_on",
        "retired_on",
        "follow_up_due",
        "in_use",
    )
    for routine in routines:
        status = routine_status_on(routine, day)
        if status is None:
            continue
        statuses[status] += 1
        due = routine["follow_up_due"]
        if status == Routine.Status.ADOPTED and due is not None and due < day:
            result.follow_ups_due += 1
        if status == Routine.Status.FOLLOWED_UP and routine["in_use"] == Routine.InUse.YES:
            result.routines_in_use_at_follow_up += 1
    result.routines = _ordered(statuses, Routine.Status.values)


def _support_resources(scope: Scope, result: CollaborationFigures, from_rollups: bool) -> None:
    """Support resources with an engagement or an attended registration, the whole hours of
    their engagements and their latest outcomes."""
    day = scope.report_date
    at_session = (
        Q(session__course__programme=scope.programme)
        & scope.period_q()
        & scope.counted_q(person="person", session="session")
    )
    at_meeting = Q(meeting__workshop__programme=scope.programme, meeting__date__lte=day)
    if scope.start is not None:
        at_meeting &= Q(meeting__date__gte=scope.start)
    for municipality_id, left in scope.leaving_dates.items():
        at_meeting &= ~Q(person__municipality_id=municipality_id, meeting__date__gt=left)
    engagements = Engagement.objects.filter(at_session | at_meeting, person__support_resource=True)
    outcomes = Outcome.objects.filter(programme=scope.programme, recorded_on__lte=day)
    if scope.municipality_id is not None:
        engagements = engagements.filter(person__municipality_id=scope.municipality_id)
        outcomes = outcomes.filter(person__municipality_id=scope.municipality_id)

    hours = dict(
        engagements.values("person_id")
        .annotate(hours=Sum(WholeHours(F("hours"))))
        .order_by()
        .values_list("person_id", "hours")
    )
    if from_rollups:
        attended = rollups.support_resources_attended(scope)
    else:
        registrations = attended_registrations(scope).filter(
            scope.period_q(), person__support_resource=True
        )
        attended = set(registrations.values_list("person_id", flat=True).distinct().order_by())
    result.support_resources_engaged = len(attended | set(hours))
    result.support_resource_hours = sum(hours.values())

    latest: dict[int, tuple] = {}
    for person_id, moment, outcome, recorded_on in outcomes.values_list(
        "person_id", "moment", "result", "recorded_on"
    ):
        # The latest moment wins: the follow-up comes after the programme's end.
        key = (_OUTCOME_MOMENTS.index(moment), recorded_on)
        if person_id not in latest or key > latest[person_id][0]:
            latest[person_id] = (key, outcome)
    result.support_resource_outcomes = _ordered(
        Counter(outcome for _key, outcome in latest.values()), Outcome.Result.values
    )


def _plans(scope: Scope, result: CollaborationFigures, from_rollups: bool) -> None:
    """Workplaces with a participant in the period, and how many of them have a plan adopted by
    the report date."""
    if from_rollups:
        workplaces = {int(key) for _m, _d, key, _n, _h in rollups.tallies(scope, ["workplace"])}
    else:
        workplaces = set(
            attended_registrations(scope)
            .filter(
                scope.period_q(), person__support_resource=False, person__workplace__isnull=False
            )
            .values_list("person__workplace_id", flat=True)
            .distinct()
            .order_by()
        )
    plans = CompetencePlan.objects.filter(
        Q(adopted_on__isnull=True) | Q(adopted_on__lte=scope.report_date),
        programme=scope.programme,
        status__in=[CompetencePlan.Status.ADOPTED, CompetencePlan.Status.FOLLOWED_UP],
    )
    if scope.municipality_id is not None:
        plans = plans.filter(workplace__municipality_id=scope.municipality_id)
    planned = set(plans.values_list("workplace_id", flat=True).distinct().order_by())
    result.workplaces_with_participants = len(workplaces)
    result.workplaces_with_plan = len(workplaces & planned)


def _handover(scope: Scope, result: CollaborationFigures) -> None:
    """Courses handed over by the report date, and how often they ran afterwards: sessions not
    cancelled that started after the handover day, in the period. Courses belong to the
    programme, not to a municipality, so these are the programme's in every scope."""
    ran_after = (
        Q(
            GreaterThan(
                TruncDate("sessions__starts", tzinfo=timezone.get_current_timezone()),
                F("handed_over_on"),
            )
        )
        & scope.period_q("sessions__starts")
        & ~Q(sessions__status=Session.Status.CANCELLED)
    )
    counts = Course.objects.filter(
        programme=scope.programme, handed_over_on__lte=scope.report_date
    ).aggregate(
        courses=Count("id", distinct=True),
        sessions=Count("sessions", filter=ran_after, distinct=True),
    )
    result.handed_over_courses = counts["courses"]
    result.sessions_after_handover = counts["sessions"]
