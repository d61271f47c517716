"""In Chromium: a coordinator goes from the start page to Min kommun to a staff member's page
with a booking and a waiting place; a participant takes a session into the calendar."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled
from icalendar import Calendar
from playwright.sync_api import expect

from grannar.people.models import Person, User
from grannar.training.models import Course, Session
from grannar.training.services import registration_create
from tests.browser.conftest import PHONE, axe_serious, screenshot
from tests.browser.helpers import sign_in


def _sessions(programme):
    """Two coming sessions of a new course: one with a free seat and one that is full."""
    course = Course.objects.create(
        programme=programme,
        code="kalender-och-kommun",
        title="Samverkan kring barnet",
        credited_hours=Decimal("3"),
        status=Course.Status.PUBLISHED,
    )
    starts = (timezone.now() + dt.timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    made = []
    for n, capacity in enumerate((10, 1)):
        made.append(
            Session.objects.create(
                course=course,
                code=f"kalender-{n}",
                starts=starts + dt.timedelta(days=n),
                ends=starts + dt.timedelta(days=n, hours=3),
                credited_hours=Decimal("3"),
                capacity=capacity,
                location=f"Kommunhuset, sal {n + 1}",
            )
        )
    return made


def test_coordinator_finds_a_staff_members_booking_and_waiting_place(demo, new_page, live_server):
    password = settings.GRANNAR_DEMO_PASSWORD
    with scopes_disabled():
        admin = User.objects.get(email="admin@demo.example")
        coordinator = User.objects.get(email="samordnare.1481@demo.example")
        own = coordinator.coordinated_municipality_ids[0]
        staff = Person.objects.filter(support_resource=False, municipality_id=own)
        person, filler = staff[0], staff[1]
        open_session, full = _sessions(demo.programme)
        registration_create(session=open_session, person=person, by=admin)
        registration_create(session=full, person=filler, by=admin)
        waiting = registration_create(session=full, person=person, by=admin)
    assert waiting.status == "waitlisted"

    page, _ = new_page()
    sign_in(page, live_server.url, coordinator.email, password)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Din personals bokningar och platser i kö").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min kommun")
    assert axe_serious(page) == []
    section = page.get_by_role("region").filter(has_text="Kommunhuset, sal 2")
    expect(section).to_contain_text("1 på reservlistan")
    section.get_by_role("link", name=person.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(person.full_name)
    assert axe_serious(page) == []
    booked = page.get_by_role("row").filter(
        has_text=timezone.localtime(open_session.starts).strftime("%Y-%m-%d %H:%M")
    )
    expect(booked).to_contain_text("Samverkan kring barnet")
    expect(booked).to_contain_text("Bekräftad")
    queued = page.get_by_role("row").filter(
        has_text=timezone.localtime(full.starts).strftime("%Y-%m-%d %H:%M")
    )
    expect(queued).to_contain_text("nummer 1 i kön")
    screenshot(page, "coordinator-person-record")


def test_participant_downloads_the_session_calendar(demo, new_page, live_server):
    password = settings.GRANNAR_DEMO_PASSWORD
    with scopes_disabled():
        session, _full = _sessions(demo.programme)
    page, _ = new_page(PHONE)
    sign_in(page, live_server.url, "deltagare@demo.example", password)
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Lägg till i min kalender (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"{session.code}.ics"
    with open(download.path(), "rb") as ics:
        calendar = Calendar.from_ical(ics.read())
    assert calendar["method"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == session.starts
    assert "Kommunhuset, sal 1" in str(event["description"])
    assert f"/training/sessions/{session.pk}/" in str(event["description"])
