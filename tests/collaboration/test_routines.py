"""Pilot workshops, their groups and meetings, and routines through their life cycle."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from grannar.collaboration.models import Routine
from grannar.collaboration.notifications import send_due_routine_reminders, send_routine_reminder
from grannar.collaboration.services import (
    add_months,
    meeting_record,
    member_add,
    routine_adopt,
    routine_create,
    routine_follow_up,
    routine_retire,
    routine_start_testing,
    workshop_create,
)
from grannar.core.models import AuditEvent
from grannar.programmes.models import Municipality
from tests.collaboration.helpers import make_routine, make_workshop, sector
from tests.factories import make_person, sign_in

pytestmark = pytest.mark.usefixtures("no_scope")

TODAY = dt.date.today()


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2024, 3, 15), 6) == dt.date(2024, 9, 15)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


def test_workshop_one_per_municipality_and_only_where_it_takes_part(world):
    workshop = make_workshop(world)
    assert AuditEvent.objects.filter(action="collaboration.workshop.created").count() == 1
    with pytest.raises(ValidationError, match="har redan en pilotverkstad"):
        workshop_create(programme=world["programme"], municipality=world["own"], focus="x", by=None)
    outside = Municipality.objects.get(code="1384")
    with pytest.raises(ValidationError, match="deltar inte i"):
        workshop_create(programme=world["programme"], municipality=outside, focus="x", by=None)
    with pytest.raises(ValidationError, match="Inriktning"):
        workshop_create(
            programme=world["programme"], municipality=world["other"], focus=" ", by=None
        )
    assert workshop.subgoals.count() == 1


def test_member_from_another_municipality_or_twice_is_refused(world):
    workshop = make_workshop(world)
    stranger = make_person(municipality=world["other"])
    with pytest.raises(ValidationError, match="tillhör inte Mölndal"):
        member_add(
            workshop=workshop, person=stranger, sector=sector("boende"), role="member", by=None
        )
    member = workshop.members.first()
    with pytest.raises(ValidationError, match="redan med i gruppen"):
        member_add(
            workshop=workshop, person=member.person, sector=sector("boende"), role="member", by=None
        )
    assert workshop.members.count() == 2


def test_meeting_takes_only_the_groups_members_and_no_future_date(world):
    workshop = make_workshop(world)
    other = make_workshop(world, target="other")
    members = list(workshop.members.all())
    meeting = meeting_record(
        workshop=workshop, date=TODAY, attendees=members, notes="Start", decisions="", by=None
    )
    assert set(meeting.attendees.all()) == set(members)
    with pytest.raises(ValidationError, match="Närvarande"):
        meeting_record(workshop=workshop, date=TODAY, attendees=other.members.all(), by=None)
    with pytest.raises(ValidationError, match="Datum"):
        meeting_record(
            workshop=workshop, date=TODAY + dt.timedelta(days=1), attendees=members, by=None
        )
    assert workshop.meetings.count() == 1


def test_routine_needs_two_sectors_and_an_owner_from_the_group(world):
    workshop = make_workshop(world)
    other = make_workshop(world, target="other")
    with pytest.raises(ValidationError, match="två eller fler sektorer"):
        routine_create(
            workshop=workshop,
            title="T",
            problem="P",
            sectors=[sector("skola")],
            owner=None,
            by=None,
        )
    with pytest.raises(ValidationError, match="Ansvarig"):
        routine_create(
            workshop=workshop,
            title="T",
            problem="P",
            sectors=[sector("skola"), sector("boende")],
            owner=other.members.first(),
            by=None,
        )
    assert not Routine.objects.exists()


def test_routine_life_cycle_with_dates_actors_and_audit(world):
    coordinator = world["users"]["coordinator"]
    routine = make_routine(make_workshop(world), by=coordinator)
    adopted_on = TODAY - dt.timedelta(days=200)
    routine_start_testing(routine=routine, date=adopted_on - dt.timedelta(days=30), by=coordinator)
    routine = routine_adopt(
        routine=routine,
        decided_by="Ledningsgruppen",
        reference="Protokoll 2024-03 §4",
        date=adopted_on,
        by=coordinator,
    )
    assert routine.status == Routine.Status.ADOPTED
    assert routine.follow_up_due == add_months(adopted_on, 6)
    assert routine.follow_up_overdue(TODAY)
    routine = routine_follow_up(
        routine=routine, in_use="partly", note="Används i två skolor", date=TODAY, by=coordinator
    )
    routine.refresh_from_db()
    assert (routine.status, routine.in_use, routine.followed_up_on) == (
        "followed_up",
        "partly",
        TODAY,
    )
    actions = list(
        AuditEvent.objects.filter(target_id=str(routine.pk), actor=coordinator)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "collaboration.routine.created",
        "collaboration.routine.testing",
        "collaboration.routine.adopted",
        "collaboration.routine.followed_up",
    ]
    routine_retire(routine=routine, date=TODAY, by=coordinator)
    routine.refresh_from_db()
    assert routine.status == Routine.Status.RETIRED
    assert routine.retired_on == TODAY


def test_follow_up_months_come_from_the_programme(world):
    programme = world["programme"]
    programme.follow_up_months = 12
    programme.save()
    routine = make_routine(make_workshop(world))
    routine_start_testing(routine=routine, date=dt.date(2024, 1, 10), by=None)
    routine = routine_adopt(
        routine=routine, decided_by="N", reference="R", date=dt.date(2024, 2, 1), by=None
    )
    assert routine.follow_up_due == dt.date(2025, 2, 1)


def test_steps_out_of_order_are_refused_naming_the_status(world):
    routine = make_routine(make_workshop(world))
    with pytest.raises(ValidationError, match="Rutinen har status ”utkast”"):
        routine_adopt(routine=routine, decided_by="N", reference="R", date=TODAY, by=None)
    with pytest.raises(ValidationError, match="”utkast”"):
        routine_follow_up(routine=routine, in_use="yes", note="", date=TODAY, by=None)
    routine_start_testing(routine=routine, date=TODAY, by=None)
    with pytest.raises(ValidationError, match="”prövas”"):
        routine_start_testing(routine=routine, date=TODAY, by=None)
    with pytest.raises(ValidationError, match="Beslutat av"):
        routine_adopt(routine=routine, decided_by=" ", reference="R", date=TODAY, by=None)
    with pytest.raises(ValidationError, match="Datum"):
        routine_adopt(
            routine=routine,
            decided_by="N",
            reference="R",
            date=TODAY - dt.timedelta(days=1),
            by=None,
        )
    routine_retire(routine=routine, date=TODAY, by=None)
    with pytest.raises(ValidationError, match="”avvecklad”"):
        routine_retire(routine=routine, date=TODAY, by=None)
    routine.refresh_from_db()
    assert routine.status == Routine.Status.RETIRED
    assert routine.adopted_on is None


def _adopted(world, *, days_ago: int, target: str = "own") -> Routine:
    routine = make_routine(make_workshop(world, target=target))
    adopted_on = add_months(TODAY - dt.timedelta(days=days_ago), -6)
    routine_start_testing(routine=routine, date=adopted_on, by=None)
    return routine_adopt(routine=routine, decided_by="N", reference="R", date=adopted_on, by=None)


def test_daily_sweep_reminds_the_owner_once(world, django_capture_on_commit_callbacks):
    routine = _adopted(world, days_ago=3)
    owner_email = routine.owner.person.email
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_routine_reminders.call() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_routine_reminders.call() == 0
    assert [m.to for m in mail.outbox] == [[owner_email]]
    assert "Uppföljning" in mail.outbox[0].subject
    routine.refresh_from_db()
    assert routine.reminded == TODAY


def test_sweep_leaves_routines_not_yet_due_or_followed_up(
    world, django_capture_on_commit_callbacks
):
    routine = _adopted(world, days_ago=-5)
    assert send_due_routine_reminders.call() == 0
    routine_follow_up(routine=routine, in_use="yes", note="", date=TODAY, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_routine_reminders.call() == 0
        assert (
            send_routine_reminder.call(
                routine_id=routine.pk, expected_due=routine.follow_up_due.isoformat()
            )
            is False
        )
    assert mail.outbox == []


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_adoption_queues_the_reminder_for_the_due_date(world, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        routine = _adopted(world, days_ago=-10)
    queued = [r for r in default_task_backend.results if r.task.name == "send_routine_reminder"]
    assert len(queued) == 1
    assert queued[0].task.run_after.date() == routine.follow_up_due
    assert queued[0].kwargs == {
        "routine_id": routine.pk,
        "expected_due": routine.follow_up_due.isoformat(),
    }


def test_queued_reminder_for_a_changed_due_date_sends_nothing(
    world, django_capture_on_commit_callbacks
):
    routine = _adopted(world, days_ago=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_routine_reminder.call(routine_id=routine.pk, expected_due="2001-01-01") is False
        assert (
            send_routine_reminder.call(
                routine_id=routine.pk, expected_due=routine.follow_up_due.isoformat()
            )
            is True
        )
        assert (
            send_routine_reminder.call(
                routine_id=routine.pk, expected_due=routine.follow_up_due.isoformat()
            )
            is False
        )
    assert len(mail.outbox) == 1


# Pages


def test_workshop_page_flags_a_group_without_three_sectors(world, client):
    sign_in(client, world["users"]["coordinator"])
    workshop = make_workshop(world)
    url = reverse("collaboration:workshop", args=[workshop.pk])
    page = client.get(url).content.decode()
    assert "Gruppen omfattar 2 sektorer" in page
    member_add(
        workshop=workshop,
        person=make_person(municipality=world["own"]),
        sector=sector("boende"),
        role="member",
        by=None,
    )
    assert "Gruppen omfattar" not in client.get(url).content.decode()


def test_admin_overview_shows_every_workshop_with_the_flag_and_follow_ups(world, client):
    make_workshop(world, sectors=("skola", "socialtjanst", "boende"))
    routine = _adopted(world, days_ago=2, target="other")  # with two sectors
    sign_in(client, world["users"]["admin"])
    page = client.get(reverse("collaboration:workshop_list")).content.decode()
    assert page.count("färre än 3 sektorer") == 1
    assert "Mölndal" in page
    assert "Partille" in page
    assert routine.title in page
    sign_in(client, world["users"]["coordinator"])
    page = client.get(reverse("collaboration:workshop_list")).content.decode()
    assert "Partille" not in page


def test_coordinator_start_page_lists_own_follow_ups_due(world, client):
    routine = _adopted(world, days_ago=1)
    sign_in(client, world["users"]["coordinator"])
    page = client.get(reverse("site:start")).content.decode()
    assert routine.title in page
    routine_follow_up(routine=routine, in_use="no", note="", date=TODAY, by=None)
    assert routine.title not in client.get(reverse("site:start")).content.decode()


def test_coordinator_starts_the_own_workshop_but_not_anothers(world, client):
    sign_in(client, world["users"]["coordinator"])
    url = reverse("collaboration:workshop_create")
    data = {"programme": world["programme"].pk, "focus": "Fokus", "subgoals": []}
    response = client.post(url, {**data, "municipality": world["other"].pk})
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    response = client.post(url, {**data, "municipality": world["own"].pk})
    workshop = response.url
    assert response.status_code == 302
    assert workshop.startswith("/collaboration/workshops/")


def test_add_member_meeting_and_routine_through_the_pages(world, client):
    coordinator = world["users"]["coordinator"]
    sign_in(client, coordinator)
    workshop = make_workshop(world)
    person = make_person(municipality=world["own"])
    response = client.post(
        reverse("collaboration:member_add", args=[workshop.pk]),
        {"person": person.pk, "sector": sector("boende").pk, "role": "member"},
    )
    assert response.status_code == 302
    assert workshop.members.count() == 3
    stranger = make_person(municipality=world["other"])
    client.post(
        reverse("collaboration:member_add", args=[workshop.pk]),
        {"person": stranger.pk, "sector": sector("boende").pk, "role": "member"},
    )
    assert workshop.members.count() == 3
    member = workshop.members.get(person=person)
    response = client.post(
        reverse("collaboration:meeting_create", args=[workshop.pk]),
        {"date": TODAY.isoformat(), "attendees": [member.pk], "notes": "N", "decisions": "D"},
    )
    assert response.status_code == 302
    assert workshop.meetings.count() == 1
    response = client.post(
        reverse("collaboration:routine_create", args=[workshop.pk]),
        {"title": "Rutin", "problem": "P", "sectors": [sector("skola").pk], "owner": member.pk},
    )
    assert response.status_code == 200
    assert "två eller fler sektorer" in response.content.decode()
    response = client.post(
        reverse("collaboration:routine_create", args=[workshop.pk]),
        {
            "title": "Rutin",
            "problem": "P",
            "sectors": [sector("skola").pk, sector("boende").pk],
            "owner": member.pk,
        },
    )
    routine = Routine.objects.get()
    assert response.url == reverse("collaboration:routine", args=[routine.pk])
    client.post(reverse("collaboration:member_remove", args=[member.pk]))
    routine.refresh_from_db()
    assert routine.owner is None
    assert workshop.members.count() == 2


def test_routine_step_page_refuses_out_of_order_and_shows_why(world, client):
    sign_in(client, world["users"]["coordinator"])
    routine = make_routine(make_workshop(world))
    url = reverse("collaboration:routine_step", args=[routine.pk, "adopt"])
    data = {"adopt-date": TODAY.isoformat(), "adopt-decided_by": "N", "adopt-reference": "R"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Rutinen har status ”utkast”" in response.content.decode()
    response = client.post(
        reverse("collaboration:routine_step", args=[routine.pk, "testing"]),
        {"testing-date": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert client.post(url, data).status_code == 302
    routine.refresh_from_db()
    assert routine.status == Routine.Status.ADOPTED
    assert routine.decision_reference == "R"
    assert (
        client.post(reverse("collaboration:routine_step", args=[routine.pk, "nosuch"])).status_code
        == 404
    )


def test_other_municipalitys_routine_is_a_404_for_a_coordinator(world, client):
    routine = make_routine(make_workshop(world, target="other"))
    sign_in(client, world["users"]["coordinator"])
    url = reverse("collaboration:routine_step", args=[routine.pk, "testing"])
    assert client.post(url, {"testing-date": TODAY.isoformat()}).status_code == 404
    routine.refresh_from_db()
    assert routine.status == Routine.Status.DRAFT


def test_reminder_command_sends_due_reminders_once(world, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    _adopted(world, days_ago=1)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("routine_reminders", stdout=out)
        call_command("routine_reminders", stdout=out)
    assert out.getvalue().splitlines() == ["1 påminnelse skickad.", "0 påminnelser skickade."]
    assert len(mail.outbox) == 1


def test_workshop_and_routine_edit_pages(world, client):
    sign_in(client, world["users"]["coordinator"])
    workshop = make_workshop(world)
    response = client.post(
        reverse("collaboration:workshop_edit", args=[workshop.pk]),
        {"focus": "Ny inriktning", "subgoals": []},
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.focus == "Ny inriktning"
    assert workshop.subgoals.count() == 0
    routine = make_routine(workshop)
    url = reverse("collaboration:routine_edit", args=[routine.pk])
    data = {
        "title": "Ny rubrik",
        "problem": "P",
        "sectors": [sector("skola").pk, sector("boende").pk],
    }
    assert client.post(url, data).status_code == 302
    routine.refresh_from_db()
    assert routine.title == "Ny rubrik"
    assert routine.owner is None
    routine_retire(routine=routine, date=TODAY, by=None)
    response = client.post(url, {**data, "title": "Efter avveckling"})
    assert "Rutinen är avvecklad och kan inte längre ändras." in response.content.decode()
    routine.refresh_from_db()
    assert routine.title == "Ny rubrik"


def test_evaluator_sees_no_workshop_page(world, client):
    workshop = make_workshop(world)
    for role in ("evaluator", "auditor", "trainer", "participant"):
        sign_in(client, world["users"][role])
        assert client.get(reverse("collaboration:workshop", args=[workshop.pk])).status_code == 403


def test_the_embedded_runtime_queues_the_daily_sweep(world, django_capture_on_commit_callbacks):
    from grannar.site.management.commands.serve import queue_daily_jobs

    routine = _adopted(world, days_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        queue_daily_jobs()
    assert [m.to for m in mail.outbox] == [[routine.owner.person.email]]
