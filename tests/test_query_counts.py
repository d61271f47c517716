"""List pages issue a fixed number of queries whatever the amount of data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grannar.training.models import MonthlyAttestation
from grannar.training.services import registration_create
from tests.factories import make_person, make_session, make_workplace, sign_in

PAGES = [
    ("admin", "people:list"),
    ("coordinator", "people:list"),
    ("admin", "training:catalogue"),
    ("admin", "training:attestation_audit"),
    ("auditor", "training:evidence_list"),
    ("admin", "site:audit_log"),
    ("admin", "training:course_list"),
    ("participant", "training:my_registrations"),
]


def more_data(world, n: int) -> None:
    admin = world["users"]["admin"]
    participant = world["users"]["participant"].person
    for i in range(n):
        person = make_person(municipality=world["own" if i % 2 else "other"])
        session = make_session(programme=world["programme"], days_ahead=5 + i)
        registration_create(session=session, person=person, by=admin)
        registration_create(session=session, person=participant, by=admin)
        MonthlyAttestation.objects.create(
            person=person,
            programme=world["programme"],
            month=dt.date(2024, 1 + i % 12, 1),
            hours=Decimal(3),
            statement="Jag intygar …",
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_list_page_queries_do_not_grow_with_the_data(world, client, no_scope, role, name):
    sign_in(client, world["users"][role])
    url = reverse(name)
    more_data(world, 2)
    queries(client, url)  # warm the caches a first request fills
    few = queries(client, url)
    more_data(world, 12)
    assert queries(client, url) == few


def more_collaboration(world, n: int) -> None:
    """Workshops in more municipalities, each with members, a meeting and an overdue routine."""
    import datetime as dt

    from grannar.collaboration.lessons import lesson_create
    from grannar.collaboration.models import PilotWorkshop
    from grannar.collaboration.services import (
        meeting_record,
        member_add,
        routine_adopt,
        routine_start_testing,
    )
    from grannar.programmes.models import Municipality, Sector
    from tests.collaboration.helpers import make_routine, make_workshop

    programme = world["programme"]
    taken = PilotWorkshop.objects.filter(programme=programme).values("municipality_id")
    free = list(
        Municipality.objects.filter(
            memberships__programme=programme, memberships__participates=True
        )
        .exclude(pk__in=taken)
        .exclude(pk=world["own"].pk)
    )
    own = PilotWorkshop.objects.filter(programme=programme, municipality=world["own"]).first()
    workshops = [own or make_workshop(world)] + [
        make_workshop(world, municipality=municipality) for municipality in free[: n // 2]
    ]
    long_ago = dt.date.today() - dt.timedelta(days=400)
    for i in range(n):
        workshop = workshops[i % len(workshops)]
        member_add(
            workshop=workshop,
            person=make_person(municipality=workshop.municipality),
            sector=Sector.objects.order_by("id")[i % 3],
            role="member",
            by=None,
        )
        meeting_record(workshop=workshop, date=long_ago, attendees=workshop.members.all(), by=None)
        routine = make_routine(workshop)
        routine_start_testing(routine=routine, date=long_ago, by=None)
        routine_adopt(routine=routine, decided_by="N", reference="R", date=long_ago, by=None)
        more_support(world, workshop, i)
        more_plans(world, workshop, i)
        lesson_create(
            programme=programme,
            workshop=workshop,
            routine=routine,
            course=make_session(programme=programme).course,
            by=world["users"]["coordinator"],
            title=f"Lärdom {i}",
            context="C",
            what_we_did="W",
            what_happened="H",
            recommendation="R",
        )


def more_plans(world, workshop, i: int) -> None:
    """A plan more in the workshop's municipality, and a need more in the own first plan."""
    from grannar.collaboration.models import CompetencePlan
    from grannar.collaboration.plans import need_set, plan_create
    from grannar.programmes.models import StaffCategory

    plan = plan_create(
        programme=world["programme"],
        workplace=make_workplace(municipality=workshop.municipality),
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 12, 31),
        by=None,
    )
    first = (
        CompetencePlan.objects.filter(workplace__municipality=world["own"]).order_by("id").first()
    )
    categories = list(StaffCategory.objects.order_by("id"))
    for target in {first or plan, plan}:
        need = need_set(
            plan=target,
            staff_category=categories[(i + target.needs.count()) % len(categories)],
            head_count=2,
            by=None,
        )
        need.courses.add(make_session(programme=world["programme"]).course)


def more_support(world, workshop, i: int) -> None:
    """A support resource more, and an engagement, an outcome and a letter more for the own
    municipality's first support resource."""
    from grannar.collaboration.support import (
        engagement_record,
        outcome_record,
        reference_letter_issue,
    )
    from grannar.people.models import Person

    programme = world["programme"]
    first = (
        Person.objects.filter(support_resource=True, municipality=world["own"])
        .order_by("id")
        .first()
    )
    new = make_person(municipality=workshop.municipality, support_resource=True)
    for person in {first or new, new}:
        engagement_record(
            person=person,
            meeting=workshop.meetings.first()
            if person.municipality == workshop.municipality
            else None,
            session=None
            if person.municipality == workshop.municipality
            else make_session(programme=programme, days_ahead=-1),
            role="panel",
            hours=Decimal(2),
            by=None,
        )
        outcome_record(
            person=person,
            programme=programme,
            moment="follow_up" if i % 2 else "programme_end",
            result="work",
            recorded_on=dt.date(2024, 1, 1),
            by=None,
        )
        reference_letter_issue(person=person, programme=programme, by=None)


COLLABORATION_PAGES = [
    ("admin", "collaboration:workshop_list", None),
    ("coordinator", "collaboration:workshop_list", None),
    ("coordinator", "site:start", None),
    ("coordinator", "collaboration:workshop", "own_workshop"),
    ("admin", "collaboration:support_list", None),
    ("coordinator", "collaboration:support_list", None),
    ("coordinator", "collaboration:support_resource", "own_support"),
    ("admin", "collaboration:plan_list", None),
    ("coordinator", "collaboration:plan_list", None),
    ("coordinator", "collaboration:plan", "own_plan"),
    ("admin", "collaboration:lesson_list", None),
    ("coordinator", "collaboration:lesson_list", None),
    ("evaluator", "collaboration:lesson_list", None),
]


@pytest.mark.parametrize(("role", "name", "arg"), COLLABORATION_PAGES)
def test_collaboration_page_queries_do_not_grow_with_the_data(
    world, client, no_scope, role, name, arg
):
    from grannar.collaboration.models import CompetencePlan, PilotWorkshop
    from grannar.people.models import Person

    sign_in(client, world["users"][role])
    more_collaboration(world, 2)
    objects = {
        "own_workshop": PilotWorkshop.objects.get(municipality=world["own"]),
        "own_support": Person.objects.filter(support_resource=True, municipality=world["own"])
        .order_by("id")
        .first(),
        "own_plan": CompetencePlan.objects.filter(workplace__municipality=world["own"])
        .order_by("id")
        .first(),
    }
    url = reverse(name, args=[objects[arg].pk] if arg else [])
    queries(client, url)
    few = queries(client, url)
    more_collaboration(world, 12)
    assert queries(client, url) == few
