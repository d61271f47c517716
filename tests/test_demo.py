import json
import random
import re
import time
from itertools import islice

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from grannar.demo import demo_load
from grannar.demo.collaboration import collaboration_fingerprint
from grannar.demo.people import (
    _AREAS,
    _SECTOR_UNITS,
    DemoBuilder,
    demo_fingerprint,
    municipality_areas,
)
from grannar.demo.programmes import national_programme_text
from grannar.people.checks import check_personnummer
from grannar.people.models import Person, Role, User, Workplace
from grannar.programmes.loader import parse_programme_file
from grannar.programmes.models import Programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


def test_demo_plan_is_deterministic(programme):
    first = DemoBuilder(programme, staff=200, support_resources=5, seed=7).plan()
    second = DemoBuilder(programme, staff=200, support_resources=5, seed=7).plan()
    other = DemoBuilder(programme, staff=200, support_resources=5, seed=8).plan()
    assert first[1] == second[1]
    assert [w.name for w in first[0]] == [w.name for w in second[0]]
    assert first[1] != other[1]


def test_demo_loads_the_same_data_twice_from_scratch():
    first = demo_load(scale="small")
    fingerprint = demo_fingerprint(first.programme)
    collaboration = collaboration_fingerprint(first.programme)
    from grannar.collaboration.models import (
        CompetencePlan,
        Engagement,
        Lesson,
        Outcome,
        PilotWorkshop,
    )
    from grannar.training.models import Course, MonthlyAttestation, Registration, Session

    for model in (Lesson, Engagement, Outcome, CompetencePlan, PilotWorkshop):
        model.objects.all().delete()
    for model in (MonthlyAttestation, Registration, Session, Course):
        model.objects.all().delete()
    User.objects.filter(person__isnull=False).update(person=None)
    Person.objects.all().delete()
    Workplace.objects.all().delete()
    second = demo_load(scale="small")
    assert second.people_created == first.people_created
    assert demo_fingerprint(second.programme) == fingerprint
    assert collaboration_fingerprint(second.programme) == collaboration


def test_demo_again_adds_nothing():
    demo_load(scale="small")
    count = Person.objects.count()
    assert demo_load(scale="small").people_created == 0
    assert Person.objects.count() == count


def test_region_demo_matches_the_programme_figures(settings):
    result = demo_load()
    programme = result.programme
    assert programme.code == "nya-grannar"
    staff = Person.objects.filter(support_resource=False)
    assert staff.count() > 1700
    assert Person.objects.filter(support_resource=True).count() >= 20
    assert staff.values("staff_category").distinct().count() == 6
    delivering = {
        m.municipality_id for m in programme.memberships.filter(participates=True, left_early=False)
    }
    assert len(delivering) == 10
    with_people = set(staff.values_list("municipality_id", flat=True))
    assert delivering <= with_people
    ockero = programme.memberships.get(municipality__code="1407")
    assert ockero.left_early
    # Demo assumptions: Öckerö left halfway through; nobody of its staff attends after that.
    assert ockero.left.isoformat() == "2017-08-16"
    from grannar.training.models import Registration

    attended = Registration.objects.filter(
        session__course__programme=programme, person__municipality=ockero.municipality
    ).exclude(status=Registration.Status.CANCELLED)
    assert attended.filter(session__starts__date__lte=ockero.left).exists()
    assert not attended.filter(session__starts__date__gt=ockero.left).exists()
    participating = programme.memberships.filter(participates=True)
    assert all(m.target for m in participating)
    assert sum(m.target for m in participating) == programme.target_participants
    assert sum(c.target for c in programme.programme_categories.all()) == 1100
    assert programme.gender_target == {"kvinna": 0.75, "man": 0.25}
    not_participating = programme.memberships.filter(participates=False).values("municipality")
    assert not Person.objects.filter(municipality__in=not_participating).exists()
    # Workplaces per municipality and sector; each person's workplace matches their category.
    for person in staff.select_related("workplace", "staff_category")[:200]:
        assert person.workplace.municipality_id == person.municipality_id
        assert person.workplace.sector_id == person.staff_category.sector_id
    # Every unit is named after its own municipality or one of its districts, never a city
    # somewhere else.
    for workplace in Workplace.objects.select_related("municipality"):
        name = workplace.municipality.name
        areas = list(islice(municipality_areas(name, random.Random(0)), 40))
        possible = {t.format(a) for units in _SECTOR_UNITS.values() for t in units for a in areas}
        assert workplace.name in possible, (name, workplace.name)
    gothenburg = Workplace.objects.filter(municipality__name="Göteborg")
    assert any(area in w.name for w in gothenburg for area in _AREAS["Göteborg"])


def test_demo_personnummer_are_valid():
    from grannar.core.crypto import decrypt_text

    demo_load(scale="small")
    tokens = Person.objects.exclude(personnummer_encrypted="").values_list(
        "personnummer_encrypted", "birth_year"
    )[:50]
    assert tokens
    for token, birth_year in tokens:
        number = decrypt_text(token)
        assert check_personnummer(number) == number
        assert int(number[:4]) == birth_year


def test_demo_accounts_and_their_roles(settings):
    result = demo_load(scale="small")
    emails = {email for email, _ in result.accounts}
    for email in (
        "admin@demo.example",
        "samordnare.1480@demo.example",
        "samordnare.1481@demo.example",
        "kursledare@demo.example",
        "deltagare@demo.example",
        "utvarderare@demo.example",
        "revisor@demo.example",
    ):
        assert email in emails
    assert User.objects.get(email="samordnare.1481@demo.example").coordinated_municipality_ids == [
        Programme.objects.get().memberships.get(municipality__code="1481").municipality_id
    ]
    participant = User.objects.get(email="deltagare@demo.example")
    assert participant.has_role(Role.PARTICIPANT)
    assert participant.person.email == "deltagare@demo.example"
    assert participant.check_password(settings.GRANNAR_DEMO_PASSWORD)
    # One coordinator per participating municipality, none for the others.
    assert User.objects.filter(email__startswith="samordnare.").count() == 11


def test_demo_command_without_scale_loads_the_region_demo(capsys):
    call_command("demo")
    assert "nya-grannar" in capsys.readouterr().out
    assert Person.objects.filter(support_resource=False).count() > 1700
    # What `make run` shows: more than 1 700 reached against the target of 1 100.
    call_command("report", "summary", "--programme", "nya-grannar", "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["participants"] > 1700
    assert summary["target_participants"] == 1100
    assert summary["attainment"] > 1.5
    assert summary["sessions_held"] > 100
    assert sum(summary["by_municipality"].values()) == summary["participants"]
    # Every survey template has answers, and the competence rose between before and after.
    from grannar.evaluation.analysis import evaluation_summary
    from grannar.evaluation.models import Survey
    from grannar.evaluation.templates import TEMPLATES

    titles = list(Survey.objects.values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 5
    assert all(re.search(r" – Nya GRannar, 201\d-\d\d-\d\d$", title) for title in titles)
    assert "Kompetens före utbildningen – Nya GRannar, 2016-06-30" in titles
    evaluation = evaluation_summary(Programme.objects.get(code="nya-grannar"))
    surveys = evaluation["surveys"]
    assert {s["phase"] for s in surveys if s["responses"] >= 30} == set(TEMPLATES)
    after = next(s for s in surveys if s["phase"] == "after")
    assert all(q["paired_change"]["ci95"][0] > 0 for q in after["likert"])
    # The follow-up pairs with both before and after: competence holds above where it began.
    [series] = evaluation["series"]
    assert list(series["surveys"]) == ["before", "after", "followup"]
    assert {q["code"] for q in series["questions"]} == {q["code"] for q in after["likert"]}
    for question in series["questions"]:
        changes = question["changes"]
        assert list(changes) == ["before-after", "after-followup", "before-followup"]
        assert all(change["n"] >= 30 for change in changes.values())
        assert changes["before-followup"]["ci95"][0] > 0


def test_national_programme_file_is_valid_and_synthetic():
    data = parse_programme_file(national_programme_text())
    codes = [row["code"] for row in data.municipalities]
    assert len(codes) == len(set(codes)) == 290
    assert min(int(code) for code in codes) > 3000  # no real municipality code


def test_national_scale():
    result = demo_load(scale="national")
    assert result.programme.memberships.count() == 290
    assert result.people_created >= 100_000
    with scopes_disabled():
        assert Person.objects.filter(municipality__code__gte="3001").count() >= 100_000
    from django.conf import settings

    from grannar.reporting.counting import figures
    from grannar.training.facts import Scope
    from grannar.training.models import Attendance

    attended = Attendance.objects.filter(registration__session__course__programme=result.programme)
    assert attended.count() >= settings.GRANNAR_NATIONAL_ATTENDANCE
    summary = figures(Scope(programme=result.programme))
    assert summary.participants > 10_000
    assert len(summary.by_municipality) > 250


def test_national_scale_with_fewer_persons_in_bulk():
    from django.conf import settings

    from grannar.reporting.counting import figures
    from grannar.training.facts import Scope
    from grannar.training.models import Attendance, Registration, Session

    result = demo_load(scale="national", persons=2_000)
    assert result.people_created == 2_000
    programme = result.programme
    assert Person.objects.filter(municipality__code__gte="3001", support_resource=True).count() == 8
    registrations = Registration.objects.filter(session__course__programme=programme)
    attended = registrations.filter(status=Registration.Status.ATTENDED)
    # The attended registrations in proportion to the persons, each with its attendance row;
    # nobody else has one.
    expected = settings.GRANNAR_NATIONAL_ATTENDANCE * 2_000 // 100_400
    assert attended.count() >= expected
    assert Attendance.objects.filter(registration__in=attended).count() == attended.count()
    assert not Attendance.objects.exclude(registration__in=attended).exists()
    # The seats taken agree with the registrations.
    session = Session.objects.filter(course__programme=programme, seats_taken__gt=0).first()
    assert session.seats_taken == session.registrations.count()
    # Rows written later by the ORM get ids after the bulk ones (the sequences were moved on).
    last = registrations.order_by("-id").first()
    made = Registration.objects.create(
        session=session,
        person=Person.objects.filter(municipality__code="3001").exclude(
            registrations__session=session
        )[0],
        municipality=last.municipality,
        status=Registration.Status.CONFIRMED,
    )
    assert made.pk > last.pk
    assert Attendance.objects.create(registration=made, method="trainer").pk > max(
        Attendance.objects.exclude(registration=made).values_list("pk", flat=True)
    )
    summary = figures(Scope(programme=programme))
    assert 0 < summary.participants <= 2_000
    assert summary.attended_hours > 0


def test_national_scale_again_adds_nothing():
    from grannar.training.models import Registration

    demo_load(scale="national", persons=500)
    count = Registration.objects.count()
    assert demo_load(scale="national", persons=500).people_created == 0
    assert Registration.objects.count() == count


def test_demo_command_takes_persons_only_at_national_scale(capsys):
    from django.core.management.base import CommandError

    with translation.override("sv"), pytest.raises(CommandError) as refused:
        call_command("demo", "--scale", "region", "--persons", "500")
    assert str(refused.value) == "--persons går bara att ange med --scale national."
    with translation.override("sv"), pytest.raises(CommandError) as refused:
        call_command("demo", "--scale", "national", "--persons", "3")
    assert str(refused.value) == "--persons måste vara minst 10."
    assert not Person.objects.exists()
    call_command("demo", "--scale", "national", "--persons", "300")
    assert "300" in capsys.readouterr().out
    assert Person.objects.filter(municipality__code__gte="3001").count() == 300


def test_demo_accounts_with_two_factor_share_the_printed_key(capsys):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from grannar.demo.people import DEMO_TOTP_KEY, demo_totp_secret
    from grannar.people.two_factor import totp_code

    demo_load(scale="small")
    admin = User.objects.get(email="admin@demo.example")
    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    assert device.key == DEMO_TOTP_KEY
    assert not TOTPDevice.objects.filter(user__email="deltagare@demo.example").exists()
    assert len(demo_totp_secret().replace(" ", "")) == 32
    call_command("demo_code")
    now = time.time()  # the code may have rolled over to the next 30-second step meanwhile
    assert capsys.readouterr().out.strip() in {
        totp_code(device, at=now - 30),
        totp_code(device, at=now),
    }


def test_demo_code_is_refused_when_demo_tools_are_off(settings):
    from django.core.management import CommandError

    settings.GRANNAR_DEMO_TOOLS = False
    with translation.override("sv"), pytest.raises(CommandError, match="avstängda"):
        call_command("demo_code")


def test_region_demo_has_a_year_of_training_with_consistent_seats():
    from django.db.models import Count, Q

    from grannar.training.models import MonthlyAttestation, Registration, Session

    result = demo_load()
    attended = Registration.objects.filter(
        status=Registration.Status.ATTENDED, session__course__programme=result.programme
    )
    participants = (
        attended.filter(person__support_resource=False).values("person").distinct().count()
    )
    assert participants > 1700
    assert attended.filter(person__support_resource=True).exists()
    assert Registration.objects.filter(status=Registration.Status.WAITLISTED).exists()
    assert MonthlyAttestation.objects.exists()
    # Attested within days after the month, inside the programme's period.
    programme = result.programme
    for attestation in MonthlyAttestation.objects.filter(programme=programme):
        day = timezone.localtime(attestation.attested).date()
        assert programme.starts <= attestation.month < day <= programme.ends, attestation.pk
        assert (day - attestation.month).days <= 31 + 12
    upcoming = Session.objects.filter(starts__gt=timezone.now())
    assert upcoming.filter(course__programme__isnull=True).count() >= 10
    sessions = Session.objects.annotate(
        held=Count("registrations", filter=Q(registrations__status__in=Registration.HOLDS_SEAT))
    )
    assert all(s.held == s.seats_taken <= s.capacity for s in sessions)
    # A second load adds nothing.
    registrations = Registration.objects.count()
    demo_load()
    assert Registration.objects.count() == registrations


def test_demo_organisation_numbers_are_valid_and_some_workplaces_are_private():
    from grannar.programmes.models import Municipality, organisation_number_validator

    demo_load(scale="small")
    municipalities = Municipality.objects.filter(memberships__participates=True)
    numbers = list(municipalities.values_list("organisation_number", flat=True))
    assert numbers
    assert all(number.startswith("212000-") for number in numbers)
    # Göteborg keeps the number the programme file gives it.
    assert Municipality.objects.get(code="1480").organisation_number == "212000-1355"
    private = list(
        Workplace.objects.with_scopes_disabled()
        .exclude(organisation_number="")
        .values_list("name", "organisation_number")
    )
    assert private
    assert all(name.startswith("HVB") and number.startswith("556") for name, number in private)
    for number in numbers + [number for _name, number in private]:
        organisation_number_validator(number)


def test_region_demo_has_collaboration_in_every_state(capsys):
    """The summary shows the collaboration object with everything the programme did: a workshop
    per participating municipality, routines in every status, support resources' hours and
    outcomes, plans for part of the workplaces and five handed-over courses."""
    from django.db.models import F

    from grannar.collaboration.models import (
        CompetencePlan,
        Engagement,
        GroupMember,
        Lesson,
        Meeting,
        Outcome,
        PilotWorkshop,
        PlanNeed,
        Routine,
    )
    from grannar.programmes.selectors import members_on
    from grannar.training.models import Course, Registration, Session

    programme = demo_load().programme
    call_command("report", "summary", "--programme", "nya-grannar", "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    collaboration = summary["collaboration"]
    # Öckerö has left: its workshop is kept but counts no more as of today.
    taking_part = members_on(programme, timezone.localdate()).count()
    assert taking_part == 10
    assert collaboration["pilot_workshops"] == taking_part
    assert collaboration["full_sector_coverage"] == taking_part - 1
    assert set(collaboration["routines"]) == set(Routine.Status.values)
    assert all(n > 0 for n in collaboration["routines"].values())
    assert collaboration["follow_ups_due"] > 0
    assert collaboration["routines_in_use_at_follow_up"] > 0
    assert collaboration["support_resources_engaged"] > 0
    assert collaboration["support_resource_hours"] > 0
    assert {"work", "studies", "internship", "job_seeking", "unknown"} <= set(
        collaboration["support_resource_outcomes"]
    )
    assert 0 < collaboration["plan_coverage"] < 1
    assert collaboration["handed_over_courses"] == 5
    assert collaboration["sessions_after_handover"] >= 10
    # The headline stays: no programme session falls after a handover.
    assert summary["participants"] > 1700
    assert summary["target_participants"] == 1100
    assert not Session.objects.filter(
        course__programme=programme,
        starts__date__lte=programme.ends,
        starts__date__gt=F("course__handed_over_on"),
    ).exists()

    participating = programme.memberships.filter(participates=True)
    workshops = PilotWorkshop.objects.filter(programme=programme)
    assert set(workshops.values_list("municipality", flat=True)) == set(
        participating.values_list("municipality", flat=True)
    )
    focuses = list(workshops.values_list("focus", flat=True))
    assert len(set(focuses)) == len(focuses) == 11
    for workshop in workshops:
        members = list(workshop.members.select_related("person__staff_category"))
        assert [m.role for m in members].count(GroupMember.Role.LEAD) == 1
        assert all(m.person.municipality_id == workshop.municipality_id for m in members)
        assert all(m.person.staff_category.sector_id == m.sector_id for m in members)
        assert workshop.subgoals.exists()
        assert workshop.meetings.count() >= 3
    short = [w for w in workshops if w.members.values("sector").distinct().count() < 3]
    assert len(short) == 1
    meetings = Meeting.objects.filter(workshop__programme=programme)
    assert all(m.attendees.exists() and m.notes for m in meetings)
    assert meetings.exclude(decisions="").exists()
    assert all(programme.starts <= m.date <= programme.ends for m in meetings)

    # Routines: dates follow the steps, inside the programme; a follow-up after its due date.
    routines = Routine.objects.filter(workshop__programme=programme)
    for routine in routines:
        assert routine.sectors.count() >= 2
        assert routine.owner is not None
        assert routine.owner.workshop_id == routine.workshop_id
        assert routine.owner.sector in routine.sectors.all()
        written = timezone.localtime(routine.created).date()
        steps = [written, routine.testing_from, routine.adopted_on, routine.followed_up_on]
        taken = [day for day in steps if day is not None]
        assert taken == sorted(taken), routine.title
        assert programme.starts <= written
        assert all(day <= programme.ends for day in taken)
        if routine.status == Routine.Status.FOLLOWED_UP:
            assert routine.follow_up_due <= routine.followed_up_on
            assert routine.in_use
        if routine.status == Routine.Status.ADOPTED:
            assert routine.decided_by
            assert routine.decision_reference
    assert {r.in_use for r in routines.filter(status=Routine.Status.FOLLOWED_UP)} == {
        "yes",
        "partly",
        "no",
    }
    # The municipality that left keeps its history, all of it before it left.
    ockero = participating.get(municipality__code="1407")
    assert meetings.filter(workshop__municipality=ockero.municipality).exists()
    assert not meetings.filter(
        workshop__municipality=ockero.municipality, date__gt=ockero.left
    ).exists()
    for routine in routines.filter(workshop__municipality=ockero.municipality):
        days = [routine.testing_from, routine.adopted_on, routine.followed_up_on]
        assert all(day <= ockero.left for day in days if day is not None)

    # Support resources take part in sessions and in their own municipality's meetings.
    engagements = Engagement.objects.all()
    assert all(e.person.support_resource for e in engagements.select_related("person"))
    assert {e.role for e in engagements.filter(session__isnull=False)} >= {
        "co_trainer",
        "panel",
        "experience_expert",
    }
    at_meetings = engagements.filter(meeting__isnull=False)
    assert at_meetings.exists()
    assert not at_meetings.exclude(
        meeting__workshop__municipality=F("person__municipality")
    ).exists()
    assert {o.moment for o in Outcome.objects.all()} == set(Outcome.Moment.values)

    # Plans for about half the workplaces with participants, in every status, with needs.
    plans = CompetencePlan.objects.filter(programme=programme)
    assert {p.status for p in plans} == set(CompetencePlan.Status.values)
    with_participants = (
        Registration.objects.filter(
            session__course__programme=programme, status=Registration.Status.ATTENDED
        )
        .exclude(person__workplace=None)
        .values("person__workplace")
        .distinct()
        .count()
    )
    assert 0.3 < plans.count() / with_participants < 0.7
    assert all(plan.needs.exists() for plan in plans)
    assert PlanNeed.objects.filter(courses__isnull=False).exists()
    for plan in plans.exclude(status="draft").select_related("workplace"):
        assert plan.decision_reference
        days = [plan.adopted_on, plan.followed_up_on or plan.adopted_on]
        assert programme.starts <= days[0] <= days[1] <= programme.ends
        if plan.workplace.municipality_id == ockero.municipality_id:
            assert days[1] <= ockero.left

    # Five courses handed over after the programme, run again with attendance afterwards.
    handed = Course.objects.filter(programme=programme, handed_over_on__isnull=False)
    assert handed.count() == 5
    assert all(c.handed_over_on > programme.ends and c.receiving_organiser for c in handed)
    later = Registration.objects.filter(
        session__course__in=handed, session__starts__date__gt=programme.ends
    )
    assert later.filter(status=Registration.Status.ATTENDED, attendance__isnull=False).exists()
    assert not later.filter(person__municipality=ockero.municipality).exists()

    lessons = Lesson.objects.filter(programme=programme)
    assert lessons.count() == 12
    assert lessons.exclude(workshop=None).exists()
    assert lessons.exclude(routine=None).exists()
    assert lessons.exclude(course=None).exists()
    assert all(
        lesson.context and lesson.what_we_did and lesson.what_happened and lesson.recommendation
        for lesson in lessons
    )

    # Loading again adds nothing and changes nothing.
    fingerprint = collaboration_fingerprint(programme)
    counts = [m.objects.count() for m in (PilotWorkshop, Routine, Engagement, CompetencePlan)]
    demo_load()
    assert collaboration_fingerprint(programme) == fingerprint
    assert [
        m.objects.count() for m in (PilotWorkshop, Routine, Engagement, CompetencePlan)
    ] == counts
