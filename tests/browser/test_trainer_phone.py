"""The trainer on a phone: the attendance list, the check-in code one tap away, a present mark
and its undo, all at 375 px without sideways scrolling."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.people.models import Person, User
from grannar.training.models import Course, Registration, Session
from grannar.training.services import registration_create
from tests.browser.conftest import axe_serious, screenshot
from tests.browser.helpers import sign_in

NARROW_PHONE = {"width": 375, "height": 812}


def test_trainer_marks_and_undoes_on_a_phone(demo, new_page, live_server):
    with scopes_disabled():
        trainer = User.objects.get(email="kursledare@demo.example")
        course = Course.objects.filter(status=Course.Status.PUBLISHED).first()
        soon = timezone.now() + dt.timedelta(hours=1)
        session = Session.objects.create(
            course=course,
            code="telefon-narvaro",
            starts=soon,
            ends=soon + dt.timedelta(hours=3),
            credited_hours=Decimal("3"),
            capacity=5,
            location="Regionens hus",
        )
        session.trainers.add(trainer)
        person = Person.objects.filter(support_resource=False).order_by("last_name").first()
        admin = User.objects.get(email="admin@demo.example")
        registration = registration_create(session=session, person=person, by=admin)

    page, _ = new_page(NARROW_PHONE)
    sign_in(page, live_server.url, trainer.email, settings.GRANNAR_DEMO_PASSWORD)
    attendance_url = f"{live_server.url}/training/sessions/{session.pk}/attendance/"

    # Before the start: the page says so and the buttons are off.
    page.goto(attendance_url)
    expect(page.get_by_text("Tillfället har inte börjat än.")).to_be_visible()
    row = page.locator(f"#row-{registration.pk}")
    expect(row.get_by_role("button", name="Närvarande")).to_be_disabled()

    # The check-in code is one tap away.
    page.get_by_role("link", name="Visa incheckningskod och QR-kod").click()
    expect(page.locator(".checkin-code")).to_have_text(session.checkin_code)
    expect(page.locator("img.qr")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]
    screenshot(page, "trainer-checkin-code-375")

    # Once the session has started: mark present, then undo.
    with scopes_disabled():
        begun = timezone.now() - dt.timedelta(minutes=2)
        Session.objects.filter(pk=session.pk).update(
            starts=begun, ends=begun + dt.timedelta(hours=3)
        )
    page.goto(attendance_url)
    row = page.locator(f"#row-{registration.pk}")
    row.get_by_role("button", name="Närvarande").click()
    expect(row.locator(".state")).to_have_text("Närvarande")
    with scopes_disabled():
        assert Registration.objects.get(pk=registration.pk).status == "attended"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]

    row.get_by_role("button", name=f"Ångra markeringen för {person.full_name}").click()
    expect(row.locator(".state")).to_have_text("Inte markerad")
    expect(row.get_by_role("button", name="Ångra")).to_have_count(0)
    with scopes_disabled():
        registration.refresh_from_db()
        assert registration.status == "confirmed"
        assert not hasattr(Registration.objects.get(pk=registration.pk), "attendance")
    # Last: a screenshot or axe may leave a style attribute that a later htmx swap copies.
    screenshot(page, "trainer-attendance-375")
    assert not axe_serious(page)
