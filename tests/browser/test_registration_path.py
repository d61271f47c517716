"""The whole path in Chromium: register, full, waiting list, a cancellation promotes, check-in
by code, then the certificate is issued, downloaded and verified."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.people.models import Person, Role, User
from grannar.people.services import role_assign
from grannar.training.models import Course, Registration, Session
from tests.browser.conftest import PHONE, screenshot
from tests.browser.helpers import sign_in


def test_register_wait_promote_check_in(demo, new_page, live_server):
    password = settings.GRANNAR_DEMO_PASSWORD
    with scopes_disabled():
        course = Course.objects.filter(status=Course.Status.PUBLISHED).first()
        soon = timezone.now() + dt.timedelta(minutes=10)
        session = Session.objects.create(
            course=course,
            code="vagen-hela",
            starts=soon,
            ends=soon + dt.timedelta(hours=3),
            credited_hours=Decimal("3"),
            capacity=1,
            location="Regionens hus",
        )
        first = Person.objects.filter(support_resource=False, user__isnull=True).first()
        first_user = User.objects.create_user(first.email, password, person=first)
        role_assign(user=first_user, role=Role.PARTICIPANT, by=None)
    session_url = f"{live_server.url}/training/sessions/{session.pk}/"

    one, _ = new_page()
    sign_in(one, live_server.url, first.email, password)
    one.goto(session_url)
    one.get_by_role("button", name="Anmäl mig").click()
    expect(one.get_by_text("Du har en plats.")).to_be_visible()

    two, _ = new_page()
    sign_in(two, live_server.url, "deltagare@demo.example", password)
    two.goto(session_url)
    two.get_by_role("button", name="Ställ dig på reservlistan").click()
    expect(two.get_by_text("du står på reservlistan")).to_be_visible()
    screenshot(two, "path-waiting-list-phone")

    one.goto(session_url)
    one.get_by_role("button", name="Avboka min plats").click()
    expect(one.get_by_text("Anmälan har avbokats.")).to_be_visible()

    # Check-in opens at the start: the session begins now.
    begun = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    with scopes_disabled():
        Session.objects.filter(pk=session.pk).update(
            starts=begun, ends=begun + dt.timedelta(hours=3)
        )
    session.refresh_from_db()
    two.goto(f"{live_server.url}/training/my/")
    when = timezone.localtime(session.starts).strftime("%Y-%m-%d %H:%M")
    expect(two.get_by_role("row").filter(has_text=when)).to_contain_text("Bekräftad")

    trainer, _ = new_page()
    sign_in(trainer, live_server.url, "kursledare@demo.example", password)
    with scopes_disabled():
        session.trainers.add(User.objects.get(email="kursledare@demo.example"))
    trainer.goto(f"{session_url}checkin-code/")
    code = trainer.locator(".checkin-code").inner_text().strip()
    assert code == session.checkin_code

    two.goto(f"{live_server.url}/training/checkin/?code={code}")
    two.get_by_role("button", name="Checka in").click()
    expect(two.get_by_text("Du är incheckad")).to_be_visible()
    with scopes_disabled():
        registration = Registration.objects.get(
            session=session, person__email="deltagare@demo.example"
        )
    assert registration.status == Registration.Status.ATTENDED

    two.goto(f"{live_server.url}/training/my/")
    with two.expect_download() as download_info:
        two.get_by_role("row").filter(has_text=when).get_by_role(
            "button", name="Intyg (PDF)"
        ).click()
    download = download_info.value
    assert download.suggested_filename.startswith("intyg-")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    with scopes_disabled():
        code = Registration.objects.get(pk=registration.pk).certificate.code
    verify, _ = new_page(PHONE)
    verify.goto(f"{live_server.url}/verify/{code}/")
    expect(verify.get_by_text("Intyget är äkta och giltigt.")).to_be_visible()
    expect(verify.get_by_text("S. L.")).to_be_visible()
    screenshot(verify, "path-certificate-verified-phone")
