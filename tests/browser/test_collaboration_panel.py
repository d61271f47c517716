"""The dashboard's collaboration panel in Chromium: an admin follows an overdue follow-up to the
routine's page; the panel passes the accessibility scan, for the admin and a coordinator."""

import datetime as dt

from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.collaboration.models import Routine
from grannar.people.models import User
from tests.browser.conftest import DESKTOP, PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in
from tests.collaboration.figure_data import routine, workshop


def _overdue(programme) -> Routine:
    """An adopted routine of the coordinator's municipality whose follow-up is long overdue."""
    coordinator = User.objects.get(email=DEMO_ACCOUNTS["coordinator"])
    municipality_id = coordinator.coordinated_municipality_ids[0]
    home = programme.pilot_workshops.filter(municipality_id=municipality_id).first() or workshop(
        programme,
        programme.memberships.get(municipality_id=municipality_id).municipality,
        sectors=["skola", "socialtjanst", "boende"],
    )
    return routine(
        home,
        Routine.Status.ADOPTED,
        adopted_on=dt.date(2024, 1, 15),
        follow_up_due=dt.date(2024, 7, 15),
    )


def test_admin_follows_an_overdue_follow_up_to_the_routine(demo, new_page, live_server):
    with scopes_disabled():
        overdue = _overdue(demo.programme)
    url = f"{live_server.url}/reporting/{demo.programme.code}/"
    page, _ = new_page(DESKTOP)
    sign_in(page, live_server.url, DEMO_ACCOUNTS["admin"], settings.GRANNAR_DEMO_PASSWORD)
    page.goto(url)
    panel = page.locator(".collaboration").last
    expect(panel.get_by_role("heading", name="Försenade uppföljningar")).to_be_visible()
    expect(panel.get_by_role("table", name="Rutiner efter status")).to_be_visible()
    screenshot(page, "dashboard-collaboration-admin")
    assert not axe_serious(page)
    panel.get_by_role("link", name=overdue.title).click()
    expect(page.get_by_role("heading", name=overdue.title, level=1)).to_be_visible()
    assert page.url.endswith(f"/collaboration/routines/{overdue.pk}/")

    page, _ = new_page(PHONE)
    sign_in(page, live_server.url, DEMO_ACCOUNTS["coordinator"], settings.GRANNAR_DEMO_PASSWORD)
    page.goto(url)
    expect(page.locator(".collaboration").first).to_be_visible()
    assert page.locator(".overdue-routines").count() == 0
    screenshot(page, "dashboard-collaboration-coordinator-phone")
    assert not axe_serious(page)
