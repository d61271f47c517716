"""Reads for reporting: the names behind the codes the figures are keyed by, and sessions."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from grannar.collaboration.models import CompetencePlan, GroupMember, PilotWorkshop, Routine
from grannar.core.rules import AGE_BANDS, GENDERS
from grannar.programmes.models import Municipality, Programme, Sector
from grannar.training.facts import Scope
from grannar.training.models import Course, Registration, Session


@dataclass(frozen=True)
class Labels:
    """Display names per breakdown, keyed as the figures are."""

    municipality: dict[str, str]
    staff_category: dict[str, str]
    sector: dict[str, str]
    subgoal: dict[str, str]
    gender: dict[str, str]
    age_band: dict[str, str]


def labels_for(programme: Programme) -> Labels:
    """Names of the programme's municipalities, categories, sectors and sub-goals (4 queries)."""
    from grannar.people.models import Gender

    return Labels(
        municipality=dict(
            Municipality.objects.filter(memberships__programme=programme).values_list(
                "code", "name"
            )
        ),
        staff_category=dict(
            programme.programme_categories.values_list("category__code", "category__name")
        ),
        sector=dict(Sector.objects.values_list("code", "name")),
        subgoal={
            str(number): f"{number}. {title}"
            for number, title in programme.subgoals.values_list("number", "title")
        },
        gender={str(value): str(label).capitalize() for value, label in Gender.choices},
        age_band=dict(zip(AGE_BANDS, _age_band_names(), strict=True)),
    )


def _age_band_names() -> list[str]:
    """The ESF age bands (`<25`, `25-54`, `>54`, unknown) as a reader says them."""
    return [_("Under 25 years"), _("25–54 years"), _("55 years and over"), _("Age not known")]


def municipality_choices(programme: Programme) -> list[tuple[int, str]]:
    """The programme's municipalities for a filter, by name."""
    return list(
        Municipality.objects.filter(memberships__programme=programme)
        .order_by("name")
        .values_list("id", "name")
    )


def sessions_held(scope: Scope) -> QuerySet:
    """Sessions of the scope with at least one attended registration, with how many attended."""
    attended = Q(registrations__status=Registration.Status.ATTENDED) & scope.member_q(
        person="registrations__person", starts="starts"
    )
    if scope.municipality_id is not None:
        attended &= Q(registrations__person__municipality_id=scope.municipality_id)
    with scopes_disabled():
        return (
            Session.objects.filter(course__programme=scope.programme)
            .filter(scope.period_q("starts"), scope.programme_q("course", "starts"))
            .annotate(attended=Count("registrations", filter=attended))
            .filter(attended__gt=0)
            .select_related("course", "host_municipality")
            .order_by("starts", "code")
        )


@dataclass(frozen=True)
class Targets:
    """The programme's targets, keyed as the figures are: participants per municipality code
    and per staff category code, and the planned share per gender."""

    municipality: dict[str, int]
    staff_category: dict[str, int]
    gender: dict[str, float]

    def __bool__(self) -> bool:
        return bool(self.municipality or self.staff_category or self.gender)


def targets_for(programme: Programme) -> Targets:
    """The targets the programme file sets (2 queries)."""
    return Targets(
        municipality=dict(
            programme.memberships.filter(target__isnull=False, participates=True).values_list(
                "municipality__code", "target"
            )
        ),
        staff_category=dict(
            programme.programme_categories.filter(target__isnull=False)
            .order_by("category__name")
            .values_list("category__code", "target")
        ),
        # In the order of the breakdowns: a JSON column need not keep the file's order.
        gender={g: programme.gender_target[g] for g in GENDERS if g in programme.gender_target},
    )


# The final report's collaboration chapters ------------------------------------------------


def workshops_by_municipality(programme: Programme) -> dict[int, PilotWorkshop]:
    """Each municipality's pilot workshop in the programme, with its group's sectors and its
    routines (3 queries)."""
    with scopes_disabled():
        workshops = PilotWorkshop.objects.filter(programme=programme).prefetch_related(
            Prefetch("members", GroupMember.objects.select_related("sector").order_by("pk")),
            Prefetch("routines", Routine.objects.order_by("title", "pk")),
        )
        return {workshop.municipality_id: workshop for workshop in workshops}


def adopted_routines(programme: Programme) -> list[Routine]:
    """The programme's routines adopted or followed up, by municipality and title."""
    return list(
        Routine.objects.filter(
            workshop__programme=programme,
            status__in=[Routine.Status.ADOPTED, Routine.Status.FOLLOWED_UP],
        )
        .select_related("workshop__municipality")
        .order_by("workshop__municipality__name", "title", "pk")
    )


def plans_by_status(programme: Programme) -> dict[str, int]:
    """The programme's competence plans per status, in the life cycle's order."""
    counts = dict(
        CompetencePlan.objects.filter(programme=programme)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return {status: counts[status] for status in CompetencePlan.Status.values if status in counts}


@dataclass(frozen=True)
class HandedOver:
    """A course handed over to the regular catalogue, and how it ran afterwards."""

    title: str
    handed_over_on: dt.date
    receiving_organiser: str
    sessions_after: int
    attended_after: int  # people (not support resources) who attended those sessions


def handed_over_courses(programme: Programme, day: dt.date) -> list[HandedOver]:
    """Courses handed over by `day`, with the sessions (not cancelled) that started after the
    handover day and by `day`, and how many people attended them (1 query)."""
    started = TruncDate("sessions__starts", tzinfo=timezone.get_current_timezone())
    after = Q(GreaterThan(started, F("handed_over_on"))) & ~Q(
        sessions__status=Session.Status.CANCELLED
    )
    after &= Q(sessions__starts__date__lte=day)
    attended = (
        after
        & Q(sessions__registrations__status=Registration.Status.ATTENDED)
        & Q(sessions__registrations__person__support_resource=False)
    )
    with scopes_disabled():
        rows = (
            Course.objects.filter(programme=programme, handed_over_on__lte=day)
            .annotate(
                after=Count("sessions", filter=after, distinct=True),
                people=Count("sessions__registrations__person", filter=attended, distinct=True),
            )
            .order_by("handed_over_on", "title", "pk")
            .values_list("title", "handed_over_on", "receiving_organiser", "after", "people")
        )
        return [HandedOver(*row) for row in rows]
