"""A coordinator follows their own staff: "Min kommun", a person's record, the staff picker."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from grannar.core.models import AuditEvent
from grannar.training.certificates import certificate_issue
from grannar.training.models import Attendance, Registration, Session
from grannar.training.services import attendance_record, registration_create
from tests.factories import make_person, make_session, make_workplace, sign_in

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def bookings(world):
    """In Mölndal: one staff member with a seat on one session and second in line on a full one;
    in Partille: one with a seat on the same session."""
    admin = world["users"]["admin"]
    own, other = world["own_person"], world["other_person"]
    open_session = make_session(programme=world["programme"], days_ahead=5)
    full = make_session(programme=world["programme"], capacity=1, days_ahead=8)
    first_waiting = make_person(municipality=world["other"])
    registration_create(session=full, person=make_person(municipality=world["other"]), by=admin)
    registration_create(session=full, person=first_waiting, by=admin)
    return {
        "open": open_session,
        "full": full,
        "seat": registration_create(session=open_session, person=own, by=admin),
        "waiting": registration_create(session=full, person=own, by=admin),
        "other_seat": registration_create(session=open_session, person=other, by=admin),
    }


def test_municipality_page_lists_own_staff_booked_and_waiting(client, world, bookings):
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("training:municipality"))
    assert response.status_code == 200
    entries = {entry["session"].pk: entry for entry in response.context["sessions"]}
    assert set(entries) == {bookings["open"].pk, bookings["full"].pk}
    assert entries[bookings["open"].pk]["booked"] == [bookings["seat"]]
    assert entries[bookings["open"].pk]["waiting"] == []
    assert entries[bookings["full"].pk]["booked"] == []
    (waiting,) = entries[bookings["full"].pk]["waiting"]
    assert waiting.line_position == 2
    html = response.content.decode()
    assert world["own_person"].full_name in html
    assert world["other_person"].full_name not in html
    assert reverse("training:person", args=[world["own_person"].pk]) in html
    assert "nummer 2 i kön" in html
    event = AuditEvent.objects.filter(action="training.municipality_bookings.viewed").get()
    assert event.data == {"sessions": 2}


def test_municipality_page_leaves_out_past_cancelled_and_cancelled_sessions(client, world):
    admin = world["users"]["admin"]
    past = make_session(programme=world["programme"], days_ahead=3)
    registration_create(session=past, person=world["own_person"], by=admin)
    Session.objects.filter(pk=past.pk).update(
        starts=past.starts - dt.timedelta(days=10), ends=past.ends - dt.timedelta(days=10)
    )
    called_off = make_session(programme=world["programme"], days_ahead=4)
    registration_create(session=called_off, person=world["own_person"], by=admin)
    Session.objects.filter(pk=called_off.pk).update(status=Session.Status.CANCELLED)
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("training:municipality"))
    assert response.context["sessions"] == []
    assert "Ingen av din personal" in response.content.decode()


def test_municipality_page_is_for_coordinators(client, world):
    for role in ("admin", "participant", "trainer", "auditor"):
        sign_in(client, world["users"][role])
        assert client.get(reverse("training:municipality")).status_code == 403


def test_municipality_page_queries_do_not_grow(client, world, bookings):
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:municipality")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    admin = world["users"]["admin"]
    for days in range(3):
        session = make_session(programme=world["programme"], days_ahead=20 + days)
        for _ in range(3):
            registration_create(
                session=session, person=make_person(municipality=world["own"]), by=admin
            )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["sessions"]) == 5
    assert len(many) == len(few)


def test_coordinator_reaches_a_booking_in_two_clicks_from_the_start_page(client, world, bookings):
    sign_in(client, world["users"]["coordinator"])
    start = client.get(reverse("site:start")).content.decode()
    municipality_url = reverse("training:municipality")
    assert f'href="{municipality_url}"' in start
    page = client.get(municipality_url).content.decode()
    person_url = reverse("training:person", args=[world["own_person"].pk])
    assert f'href="{person_url}"' in page
    record = client.get(person_url)
    assert record.status_code == 200
    assert bookings["seat"] in record.context["registrations"]
    assert record.context["waiting"] == [bookings["waiting"]]


def test_person_page_shows_registrations_waiting_attendance_and_certificates(client, world):
    admin = world["users"]["admin"]
    person = world["own_person"]
    held = make_session(programme=world["programme"], days_ahead=2)
    attended = registration_create(session=held, person=person, by=admin)
    Session.objects.filter(pk=held.pk).update(
        starts=held.starts - dt.timedelta(days=5), ends=held.ends - dt.timedelta(days=5)
    )
    attended.session.refresh_from_db()  # it has started now
    attended = attendance_record(
        registration=attended,
        present=True,
        hours=Decimal("2.5"),
        by=admin,
        method=Attendance.Method.TRAINER,
    )
    with scopes_disabled():
        certificate = certificate_issue(registration=attended, by=admin)
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("training:person", args=[person.pk]))
    assert response.status_code == 200
    assert response.context["certificates"] == [certificate]
    html = response.content.decode()
    assert held.course.title in html
    assert "2,5" in html
    assert "Kursledarens lista" in html
    assert certificate.code in html
    event = AuditEvent.objects.filter(action="training.person_record.viewed").get()
    assert event.target_id == str(person.pk)
    assert event.data == {}


def test_person_page_is_404_for_another_municipality_and_403_for_others(client, world):
    url = reverse("training:person", args=[world["other_person"].pk])
    sign_in(client, world["users"]["coordinator"])
    assert client.get(url).status_code == 404
    sign_in(client, world["users"]["admin"])
    assert client.get(url).status_code == 200
    sign_in(client, world["users"]["participant"])
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(
        action="training.person_record.viewed", actor=world["users"]["participant"]
    ).exists()


def test_people_list_links_to_the_person_page(client, world):
    sign_in(client, world["users"]["coordinator"])
    html = client.get(reverse("people:list")).content.decode()
    assert reverse("training:person", args=[world["own_person"].pk]) in html


def test_staff_picker_tells_namesakes_apart(client, world):
    session = make_session(programme=world["programme"])
    first = make_person(
        municipality=world["own"],
        first_name="Anna",
        last_name="Andersson",
        workplace=make_workplace(municipality=world["own"], name="Solängens skola"),
    )
    second = make_person(
        municipality=world["own"],
        first_name="Anna",
        last_name="Andersson",
        workplace=make_workplace(municipality=world["own"], name="Kvarnbyns HVB"),
    )
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:register_staff", args=[session.pk])
    response = client.get(url, {"q": "Andersson"})
    labels = {
        choice.data["value"].value: choice.choice_label
        for choice in response.context["form"]["people"]
    }
    category = first.staff_category.name
    assert labels[first.pk] == f"Anna Andersson (Solängens skola · {category})"
    assert labels[second.pk] == f"Anna Andersson (Kvarnbyns HVB · {category})"
    assert "Kvarnbyns HVB" in response.content.decode()


def test_staff_picker_query_count_is_fixed(client, world):
    session = make_session(programme=world["programme"])
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:register_staff", args=[session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        make_person(municipality=world["own"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_menu_marks_my_municipality_as_the_current_page(client, world):
    sign_in(client, world["users"]["coordinator"])
    html = client.get(reverse("training:municipality")).content.decode()
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
    assert current == [reverse("training:municipality")]
    html = client.get(reverse("training:catalogue")).content.decode()
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', html) == [
        reverse("training:catalogue")
    ]


def test_person_page_queries_do_not_grow(client, world):
    admin, person = world["users"]["admin"], world["own_person"]
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:person", args=[person.pk])
    registration_create(session=make_session(programme=world["programme"]), person=person, by=admin)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for days in range(4):
        session = make_session(programme=world["programme"], days_ahead=30 + days)
        registration_create(session=session, person=person, by=admin)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["registrations"]) == 5
    assert len(many) == len(few)


def test_person_page_lists_only_coming_waiting_places(client, world):
    admin, person = world["users"]["admin"], world["own_person"]
    past = make_session(programme=world["programme"], capacity=1, days_ahead=2)
    registration_create(session=past, person=make_person(municipality=world["own"]), by=admin)
    stale = registration_create(session=past, person=person, by=admin)
    assert stale.status == Status.WAITLISTED
    Session.objects.filter(pk=past.pk).update(
        starts=past.starts - dt.timedelta(days=7), ends=past.ends - dt.timedelta(days=7)
    )
    sign_in(client, world["users"]["admin"])
    response = client.get(reverse("training:person", args=[person.pk]))
    assert response.context["registrations"] == [stale]
    assert response.context["waiting"] == []
    assert "Står inte på någon reservlista." in response.content.decode()
