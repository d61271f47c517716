"""Reads of the collaboration app, always narrowed explicitly to what the asking user may see.

Pilot workshops, routines, support resources' data and competence-supply plans belong to a
municipality: admins see all, coordinators their own; the evaluator sees none of them here
(only aggregates in reporting)."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from grannar.collaboration.models import (
    CompetencePlan,
    GroupMember,
    Lesson,
    Meeting,
    Outcome,
    PilotWorkshop,
    Routine,
)
from grannar.people.models import Person, Role, User, Workplace
from grannar.training.models import Course

# A group spans enough sectors when its members come from at least this many distinct sectors
# (DESIGN.md: in Nya GRannar school, social services and housing).
FULL_SECTOR_COVERAGE = 3


def managed_municipality_ids(user: User) -> list[int] | None:
    """Municipalities whose collaboration work `user` runs: None means all (admins)."""
    if user.is_superuser or user.has_role(Role.ADMIN):
        return None
    if user.has_role(Role.COORDINATOR):
        return user.coordinated_municipality_ids
    return []


def _narrow(items: QuerySet, user: User, field: str) -> QuerySet:
    allowed = managed_municipality_ids(user)
    return items if allowed is None else items.filter(**{f"{field}__in": allowed})


def workshop_list(*, user: User) -> QuerySet:
    """Workshops `user` may open, with their sector count, routine count and follow-ups due."""
    today = dt.date.today()
    workshops = PilotWorkshop.objects.select_related("programme", "municipality").annotate(
        sector_count=Count("members__sector", distinct=True),
        member_count=Count("members", distinct=True),
        routine_count=Count("routines", distinct=True),
        follow_ups_due=Count(
            "routines",
            filter=Q(routines__status=Routine.Status.ADOPTED, routines__follow_up_due__lte=today),
            distinct=True,
        ),
    )
    return _narrow(workshops, user, "municipality_id").order_by(
        "programme__name", "municipality__name"
    )


def access_workshop(*, user: User, pk: int) -> PilotWorkshop:
    """The workshop with `pk` if `user` may run it; otherwise 404."""
    workshop = (
        _narrow(PilotWorkshop.objects.all(), user, "municipality_id")
        .select_related("programme", "municipality")
        .filter(pk=pk)
        .first()
    )
    if workshop is None:
        raise Http404
    return workshop


def workshop_members(workshop: PilotWorkshop) -> list[GroupMember]:
    """The project group, leads first, with person and sector."""
    return list(workshop.members.select_related("person", "sector"))


def sectors_covered(members: list[GroupMember]) -> list:
    """The distinct sectors among a group's members, by name."""
    return sorted({member.sector for member in members}, key=lambda sector: sector.name)


def workshop_meetings(workshop: PilotWorkshop) -> list[Meeting]:
    """The group's meetings, newest first, with who came."""
    return list(
        workshop.meetings.prefetch_related(
            Prefetch("attendees", queryset=GroupMember.objects.select_related("person"))
        )
    )


def routine_list(*, user: User, workshop: PilotWorkshop | None = None) -> QuerySet:
    """Routines `user` may open, optionally of one workshop."""
    routines = Routine.objects.select_related(
        "workshop__municipality", "workshop__programme", "owner__person"
    ).prefetch_related("sectors")
    if workshop is not None:
        routines = routines.filter(workshop=workshop)
    return _narrow(routines, user, "workshop__municipality_id")


def access_routine(*, user: User, pk: int) -> Routine:
    """The routine with `pk` if `user` may run its workshop; otherwise 404."""
    routine = routine_list(user=user).filter(pk=pk).first()
    if routine is None:
        raise Http404
    return routine


def follow_ups_due(*, user: User, today: dt.date | None = None) -> QuerySet:
    """Adopted routines whose follow-up is due (today or earlier) and not yet recorded."""
    today = today or dt.date.today()
    return (
        routine_list(user=user)
        .filter(status=Routine.Status.ADOPTED, follow_up_due__lte=today)
        .order_by("follow_up_due", "id")
    )


def support_resource_list(*, user: User) -> QuerySet:
    """Support resources of the municipalities `user` manages, with engagements and hours."""
    people = Person.objects.filter(support_resource=True).select_related("municipality")
    return _narrow(people, user, "municipality_id").annotate(
        engagement_count=Count("engagements", distinct=True),
        engagement_hours=Sum("engagements__hours"),
    )


def access_support_resource(*, user: User, pk: int) -> Person:
    """The support resource with `pk` if `user` may see their data; otherwise 404."""
    person = support_resource_list(user=user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def engagement_list(person: Person) -> list:
    """A support resource's engagements, newest first, with what they took part in."""
    return list(
        person.engagements.select_related("session__course", "meeting__workshop__municipality")
    )


def outcome_list(person: Person) -> list:
    """A support resource's outcomes per programme and moment."""
    return list(
        Outcome.objects.filter(person=person).select_related("programme").order_by("moment")
    )


def plan_list(*, user: User) -> QuerySet:
    """Competence-supply plans of the workplaces `user` manages."""
    plans = CompetencePlan.objects.select_related(
        "programme", "workplace__municipality", "workplace__sector"
    ).annotate(need_count=Count("needs"))
    return _narrow(plans, user, "workplace__municipality_id").order_by(
        "workplace__name", "-period_start", "id"
    )


def access_plan(*, user: User, pk: int) -> CompetencePlan:
    """The plan with `pk` if `user` manages its workplace; otherwise 404."""
    plan = plan_list(user=user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def plan_needs(plan: CompetencePlan) -> list:
    """A plan's needs with their staff category and the courses that meet them."""
    return list(
        plan.needs.select_related("staff_category").prefetch_related(
            Prefetch("courses", queryset=Course.objects.order_by("title"))
        )
    )


def plan_workplaces(*, user: User) -> QuerySet:
    """Workplaces `user` may write a plan for."""
    return _narrow(
        Workplace.objects.select_related("municipality"), user, "municipality_id"
    ).order_by("municipality__name", "name")


def may_read_lessons(user: User) -> bool:
    """Admins and coordinators write lessons; the evaluator reads them too."""
    return user.is_superuser or user.has_role(Role.ADMIN, Role.COORDINATOR, Role.EVALUATOR)


def lesson_list(*, programme=None) -> QuerySet:
    """Lessons learned, newest first; they carry no personal data and are programme-wide."""
    lessons = Lesson.objects.select_related(
        "programme", "workshop__municipality", "routine", "course"
    )
    if programme is not None:
        lessons = lessons.filter(programme=programme)
    return lessons.order_by("-created", "-id")
