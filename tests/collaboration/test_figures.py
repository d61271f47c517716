"""The collaboration counting rules of DESIGN.md, each on hand-counted data."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grannar.collaboration.models import CompetencePlan, Outcome, Routine
from grannar.programmes.models import Membership, Municipality, StaffCategory
from grannar.reporting.counting import collaboration_figures, figures, routine_status_on
from grannar.training import rollups
from grannar.training.facts import Scope
from grannar.training.models import Course, Session
from tests.collaboration.figure_data import engage, meeting, outcome, plan, routine, workshop
from tests.factories import make_person, make_workplace
from tests.reporting.builders import attend, held

Status = Routine.Status
InUse = Routine.InUse
END, FOLLOW_UP = Outcome.Moment.PROGRAMME_END, Outcome.Moment.FOLLOW_UP
REPORT_DAY = dt.date(2025, 6, 30)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def later_session(course: Course, starts: dt.datetime, **fields) -> Session:
    return Session.objects.create(
        course=course,
        code=f"{course.code}-{starts:%Y%m%d%H%M}",
        starts=starts,
        ends=starts + dt.timedelta(hours=3),
        credited_hours=course.credited_hours,
        capacity=30,
        **fields,
    )


@pytest.fixture
def landscape(world, no_scope):
    """Hand-counted, as of 2025-06-30 (REPORT_DAY) and as of today (December 2026 or later).

    Workshops: Mölndal (own; social services, housing, school: full coverage), Partille (other;
    social services twice and school: two sectors), Öckerö (left early: counts nowhere).

    Routines on 2025-06-30 → today:
      R1 draft · R2 testing · R3 adopted 2024-10-01, due 2025-04-01 (due) · R4 adopted
      2025-03-01, due 2025-09-01 (due only today) · R5 followed up, in use · R6 followed up,
      partly · R7 retired 2025-02-01 after a follow-up in use · R8 tested from 2025-02-01,
      adopted 2025-08-01 (testing → adopted, due 2026-02-01: due today) · R10 Partille, retired
      from draft · R11 a draft written now (nothing → draft) · R9 Öckerö: never.
      2025-06-30: draft 1, testing 2, adopted 2, followed_up 2, retired 2; due 1; in use 1.
      today: draft 2, testing 1, adopted 3, followed_up 2, retired 2; due 3; in use 1.

    Sessions: S1 2024-05-06 (social services, housing, school + a support resource: mixed);
    S2 2024-09-02 (social services, housing; a support resource with a leisure category does not
    make three); course K3 handed over 2025-01-31: S3a on the day (three sectors: counts, mixed),
    S3b 2025-02-01 00:30 (three sectors, but after the handover: counts nowhere), S3c
    2025-03-03 cancelled, S3e 2025-05-05 without attendance, S3d 2025-09-01; course K4 handed
    over 2025-08-01. Handed over 1 → 2, sessions after handover 2 (S3b, S3e) → 3 (+S3d);
    mixed 2 → 2.

    Support resources: SR1 (own) 2.9 h at S1 (→ 2) and 1.5 h at a meeting (→ 1), outcome
    unknown; SR2 (own) attended S1 and S2, outcome job_seeking then work at follow-up (work);
    SR3 (other) 4 h at S3b (after the handover: not), 2 h at a K2 session 2025-09-01 (only
    today), outcome studies, then work at a follow-up recorded 2025-08-01 (only today).
    Engaged 2 → 3, hours 3 → 5, outcomes {work 1, studies 1, unknown 1} → {work 2, unknown 1}.

    Plans: participants' workplaces A (two people; adopted 2025-01-15), B (draft), C (none),
    D (followed up, adopted 2024-06-01), E (adopted 2025-09-01); F has a plan but no
    participant; G's only participant came to S3b. Coverage 2/5 = 0.4 → 3/5 = 0.6.
    """
    programme, own, other = world["programme"], world["own"], world["other"]
    ockero = Municipality.objects.get(code="1407")
    category = {c.code: c for c in StaffCategory.objects.all()}

    mine = workshop(programme, own, sectors=["socialtjanst", "boende", "skola"])
    theirs = workshop(programme, other, sectors=["socialtjanst", "socialtjanst", "skola"])
    gone = workshop(programme, ockero, sectors=["socialtjanst", "boende", "skola"])
    routine(mine)
    routine(mine, Status.TESTING, testing_from=dt.date(2025, 1, 10))
    adopted = {"testing_from": dt.date(2024, 3, 1)}
    routine(
        mine,
        Status.ADOPTED,
        adopted_on=dt.date(2024, 10, 1),
        follow_up_due=dt.date(2025, 4, 1),
        **adopted,
    )
    routine(
        mine,
        Status.ADOPTED,
        adopted_on=dt.date(2025, 3, 1),
        follow_up_due=dt.date(2025, 9, 1),
        **adopted,
    )
    followed = {"adopted_on": dt.date(2024, 1, 10), "followed_up_on": dt.date(2024, 7, 15)}
    routine(mine, Status.FOLLOWED_UP, in_use=InUse.YES, **followed, **adopted)
    routine(mine, Status.FOLLOWED_UP, in_use=InUse.PARTLY, **followed, **adopted)
    routine(
        mine,
        Status.RETIRED,
        in_use=InUse.YES,
        retired_on=dt.date(2025, 2, 1),
        **followed,
        **adopted,
    )
    routine(
        mine,
        Status.ADOPTED,
        testing_from=dt.date(2025, 2, 1),
        adopted_on=dt.date(2025, 8, 1),
        follow_up_due=dt.date(2026, 2, 1),
    )
    routine(theirs, Status.RETIRED, retired_on=dt.date(2024, 11, 1))
    routine(mine, created=None)
    routine(gone, Status.ADOPTED, adopted_on=dt.date(2024, 1, 1), follow_up_due=dt.date(2024, 7, 1))

    workplaces = {key: make_workplace(municipality=own) for key in "ABCG"}
    workplaces |= {key: make_workplace(municipality=other) for key in "DEF"}

    def participant(key: str, code: str):
        municipality = own if key in "ABCG" else other
        return make_person(
            municipality=municipality, workplace=workplaces[key], staff_category=category[code]
        )

    a1, a2 = participant("A", "socialsekreterare"), participant("A", "pedagogisk")
    b, c = participant("B", "boendepersonal"), participant("C", "pedagogisk")
    d, e = participant("D", "socialsekreterare"), participant("E", "socialsekreterare")
    g = participant("G", "kultur-fritid")
    sr1 = make_person(municipality=own, support_resource=True)
    sr2 = make_person(
        municipality=own, support_resource=True, staff_category=category["kultur-fritid"]
    )
    sr3 = make_person(municipality=other, support_resource=True)

    s1 = held(programme, on=dt.date(2024, 5, 6))
    s2 = held(programme, on=dt.date(2024, 9, 2))
    for person in (a1, b, c, sr2):
        attend(person, s1)
    for person in (d, b, sr2):
        attend(person, s2)
    s3a = held(programme, on=dt.date(2025, 1, 31))
    k3 = s3a.course
    k3.handed_over_on, k3.receiving_organiser = dt.date(2025, 1, 31), "Regionens kursutbud"
    k3.save()
    s3b = later_session(k3, local(dt.date(2025, 2, 1), 0, 30))
    later_session(k3, local(dt.date(2025, 3, 3), 9), status=Session.Status.CANCELLED)
    later_session(k3, local(dt.date(2025, 5, 5), 9))
    later_session(k3, local(dt.date(2025, 9, 1), 9))
    for person in (a2, b, e):
        attend(person, s3a)
    for person in (a1, b, c, g):
        attend(person, s3b)
    k4 = held(programme, on=dt.date(2025, 5, 5)).course
    k4.handed_over_on, k4.receiving_organiser = dt.date(2025, 8, 1), "Regionens kursutbud"
    k4.save()
    s_late = later_session(s2.course, local(dt.date(2025, 9, 1), 9))

    engage(sr1, hours="2.9", session=s1)
    engage(sr1, hours="1.5", meeting=meeting(mine, dt.date(2024, 9, 10)))
    engage(sr3, hours="4", session=s3b)
    engage(sr3, hours="2", session=s_late)
    outcome(sr1, programme, END, Outcome.Result.UNKNOWN, dt.date(2025, 1, 1))
    outcome(sr2, programme, END, Outcome.Result.JOB_SEEKING, dt.date(2025, 6, 1))
    outcome(sr2, programme, FOLLOW_UP, Outcome.Result.WORK, dt.date(2025, 5, 1))
    outcome(sr3, programme, END, Outcome.Result.STUDIES, dt.date(2024, 12, 1))
    outcome(sr3, programme, FOLLOW_UP, Outcome.Result.WORK, dt.date(2025, 8, 1))

    adopted_plan = CompetencePlan.Status.ADOPTED
    plan(programme, workplaces["A"], adopted_plan, dt.date(2025, 1, 15))
    plan(programme, workplaces["B"], CompetencePlan.Status.DRAFT)
    plan(programme, workplaces["D"], CompetencePlan.Status.FOLLOWED_UP, dt.date(2024, 6, 1))
    plan(programme, workplaces["E"], adopted_plan, dt.date(2025, 9, 1))
    plan(programme, workplaces["F"], adopted_plan, dt.date(2024, 6, 1))
    return {
        **world,
        "workshops": (mine, theirs, gone),
        "sessions": {"s1": s1, "s2": s2, "s3a": s3a, "s3b": s3b},
        "g": g,
    }


def on_report_day(world, **scope):
    return collaboration_figures(Scope(programme=world["programme"], end=REPORT_DAY, **scope))


def test_pilot_workshops_count_participating_municipalities_and_their_sectors(landscape):
    result = on_report_day(landscape)
    assert (result.pilot_workshops, result.full_sector_coverage) == (2, 1)


def test_routines_by_status_on_the_report_day(landscape):
    result = on_report_day(landscape)
    assert result.routines == {
        "draft": 1,
        "testing": 2,
        "adopted": 2,
        "followed_up": 2,
        "retired": 2,
    }
    assert (result.follow_ups_due, result.routines_in_use_at_follow_up) == (1, 1)


def test_support_resources_on_the_report_day(landscape):
    result = on_report_day(landscape)
    assert result.support_resources_engaged == 2
    assert result.support_resource_hours == 3
    assert result.support_resource_outcomes == {"work": 1, "studies": 1, "unknown": 1}


def test_plan_coverage_on_the_report_day(landscape):
    result = on_report_day(landscape)
    assert (result.workplaces_with_plan, result.workplaces_with_participants) == (2, 5)
    assert result.plan_coverage == 0.4


def test_handover_and_mixed_sessions_on_the_report_day(landscape):
    result = on_report_day(landscape)
    assert (result.handed_over_courses, result.sessions_after_handover) == (1, 2)
    assert result.mixed_sector_sessions == 2


def test_one_municipality(landscape):
    result = on_report_day(landscape, municipality_id=landscape["other"].pk)
    assert (result.pilot_workshops, result.full_sector_coverage) == (1, 0)
    assert result.routines == {"retired": 1}
    assert result.support_resources_engaged == 0
    assert result.support_resource_outcomes == {"studies": 1}
    assert (result.workplaces_with_plan, result.workplaces_with_participants) == (1, 2)
    assert result.mixed_sector_sessions == 0  # Partille's participants alone span one sector
    assert (result.handed_over_courses, result.sessions_after_handover) == (1, 2)


def test_json_summary_carries_the_collaboration_object_as_of_today(landscape, capsysbinary):
    code = landscape["programme"].code
    call_command("report", "summary", "--programme", code, "--format", "json")
    summary = json.loads(capsysbinary.readouterr().out)
    assert summary["collaboration"] == {
        "pilot_workshops": 2,
        "full_sector_coverage": 1,
        "routines": {"draft": 2, "testing": 1, "adopted": 3, "followed_up": 2, "retired": 2},
        "follow_ups_due": 3,
        "routines_in_use_at_follow_up": 1,
        "support_resources_engaged": 3,
        "support_resource_hours": 5,
        "support_resource_outcomes": {"work": 2, "unknown": 1},
        "plan_coverage": 0.6,
        "handed_over_courses": 2,
        "sessions_after_handover": 3,
        "mixed_sector_sessions": 2,
    }
    assert list(summary)[-1] == "collaboration"


def test_a_municipality_counts_until_its_leaving_day(landscape):
    Membership.objects.filter(municipality=landscape["other"]).update(
        left=dt.date(2025, 12, 31), left_early=True
    )
    assert on_report_day(landscape).pilot_workshops == 2
    later = collaboration_figures(Scope(programme=landscape["programme"], end=dt.date(2026, 1, 1)))
    assert (later.pilot_workshops, later.routines.get("retired")) == (1, 1)


def test_a_municipality_counts_from_the_day_it_joined(landscape):
    Membership.objects.filter(municipality=landscape["other"]).update(joined=dt.date(2025, 7, 1))
    assert on_report_day(landscape).pilot_workshops == 1
    later = collaboration_figures(Scope(programme=landscape["programme"], end=dt.date(2025, 7, 1)))
    assert later.pilot_workshops == 2


def test_the_left_municipality_counts_again_when_it_takes_part(landscape):
    """The control: Öckerö's workshop and its routine count once it is a member."""
    Membership.objects.filter(municipality__code="1407").update(left_early=False)
    result = on_report_day(landscape)
    assert (result.pilot_workshops, result.full_sector_coverage) == (3, 2)
    assert (result.routines["adopted"], result.follow_ups_due) == (3, 2)


def test_sessions_after_the_handover_count_in_no_programme_figure(landscape):
    scope = Scope(programme=landscape["programme"], end=REPORT_DAY)
    result = figures(scope)
    # a1, a2, b, c, d, e; g came only after the handover; sessions S1, S2, S3a with 3 + 2 + 3
    # participants' registrations of 3 h each.
    assert (result.participants, result.sessions_held) == (6, 3)
    assert result.attended_hours == 3 * 8


def test_without_the_handover_its_later_sessions_count(landscape):
    """The control for the rule above and for the handover figures."""
    Course.objects.update(handed_over_on=None)
    # No service takes a handover back: recount the figures as a change of course would.
    rollups.refresh_sessions(landscape["programme"], Session.objects.values_list("pk", flat=True))
    scope = Scope(programme=landscape["programme"], end=REPORT_DAY)
    result = figures(scope)
    assert (result.participants, result.sessions_held) == (7, 4)
    assert result.attended_hours == 3 * 12
    collaboration = collaboration_figures(scope)
    assert (collaboration.handed_over_courses, collaboration.sessions_after_handover) == (0, 0)
    assert collaboration.mixed_sector_sessions == 3
    assert collaboration.support_resource_hours == 3 + 4
    assert collaboration.workplaces_with_participants == 6


def routine_row(status, created=dt.datetime(2024, 1, 2, 9), **dates):
    row = {
        "status": status,
        "created": timezone.make_aware(created),
        "testing_from": None,
        "adopted_on": None,
        "followed_up_on": None,
        "retired_on": None,
    }
    return row | dates


@pytest.mark.parametrize(
    ("row", "day", "expected"),
    [
        (routine_row(Status.DRAFT), dt.date(2024, 1, 1), None),
        (routine_row(Status.DRAFT), dt.date(2024, 1, 2), Status.DRAFT),
        (routine_row(Status.TESTING), dt.date(2024, 1, 2), Status.TESTING),  # no day recorded
        (
            routine_row(Status.TESTING, testing_from=dt.date(2024, 2, 1)),
            dt.date(2024, 1, 31),
            "draft",
        ),
        (
            routine_row(
                Status.RETIRED,
                created=dt.datetime(2026, 1, 1, 9),
                adopted_on=dt.date(2024, 3, 1),
                retired_on=dt.date(2025, 1, 1),
            ),
            dt.date(2024, 6, 1),
            Status.ADOPTED,  # written later, with the history it had
        ),
        (
            routine_row(Status.RETIRED, retired_on=dt.date(2025, 1, 1)),
            dt.date(2025, 1, 1),
            "retired",
        ),
    ],
)
def test_routine_status_on_a_day(row, day, expected):
    assert routine_status_on(row, day) == expected


def more_data(world, n: int) -> None:
    programme, own = world["programme"], world["own"]
    mine = world["workshops"][0]
    for i in range(n):
        routine(
            mine, Status.ADOPTED, adopted_on=dt.date(2024, 2, 1), follow_up_due=dt.date(2024, 8, 1)
        )
        resource = make_person(municipality=own, support_resource=True)
        session = held(programme, on=dt.date(2024, 10, 1 + i))
        engage(resource, hours="1.5", session=session)
        outcome(resource, programme, END, Outcome.Result.WORK, dt.date(2024, 12, 1))
        person = make_person(municipality=own)
        attend(person, session)
        plan(programme, person.workplace, CompetencePlan.Status.ADOPTED, dt.date(2024, 3, 1))


def test_a_fixed_number_of_queries_whatever_the_data(landscape):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            on_report_day(landscape)
        return len(captured)

    few = count()
    assert few == 10
    more_data(landscape, 6)
    assert count() == few
    assert on_report_day(landscape).support_resource_hours == 3 + 6


def test_the_sessions_held_list_and_the_esf_export_leave_out_later_sessions(landscape, client):
    from grannar.reporting.selectors import sessions_held
    from tests.reporting.test_esf import download

    sessions = landscape["sessions"]
    held_rows = {s.pk: s.attended for s in sessions_held(Scope(programme=landscape["programme"]))}
    assert held_rows == {sessions["s1"].pk: 4, sessions["s2"].pk: 3, sessions["s3a"].pk: 3}
    book = download(client, landscape["users"]["admin"], landscape["programme"].code, "cofinancing")
    total = list(book.worksheets[1].values)[-1]
    assert total[0] == "Summa"
    assert total[5] == 3 * 8  # whole hours: S3b's four registrations are not in it
