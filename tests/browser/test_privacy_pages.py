"""The retention plan and erasure requests in Chromium: a coordinator asks, the admin is
refused while the funder's rules hold, then erases with a legal ground; no serious axe issue."""

from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.people.models import ErasureRequest, Person
from tests.browser.conftest import PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in


def test_admin_sees_the_retention_plan(demo, new_page, live_server):
    page, _ = new_page()
    sign_in(page, live_server.url, DEMO_ACCOUNTS["admin"], settings.GRANNAR_DEMO_PASSWORD)
    page.get_by_role("link", name="Gallringsplan").click()
    expect(page.get_by_role("heading", name="Gallringsplan", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Gallringsregler för Nya GRannar")
    expect(table).to_contain_text("GR 2016:12 §1")
    expect(table).to_contain_text("2028-12-31")
    expect(page.get_by_role("row", name="Fritextsvar i enkäter")).to_contain_text("2020-12-31")
    screenshot(page, "retention-plan")
    assert not axe_serious(page)


def test_erasure_requested_refused_then_carried_out(demo, new_page, live_server):
    with scopes_disabled():
        person = (
            Person.objects.filter(
                municipality__code="1481",
                support_resource=False,
                registrations__status="attended",
                user__isnull=True,
            )
            .distinct()
            .first()
        )
        email = person.email
    coordinator, _ = new_page(PHONE)
    sign_in(
        coordinator, live_server.url, DEMO_ACCOUNTS["coordinator"], settings.GRANNAR_DEMO_PASSWORD
    )
    coordinator.get_by_role("link", name="Begäranden om radering").click()
    expect(coordinator.get_by_role("heading", name="Radering av personuppgifter")).to_be_visible()
    coordinator.get_by_label("Personens e-postadress").fill("ingen@demo.example")
    coordinator.get_by_label("Skäl").fill("Har slutat")
    coordinator.get_by_role("button", name="Begär radering").click()
    expect(coordinator.get_by_role("alert")).to_contain_text("Ingen med den e-postadressen")
    assert not axe_serious(coordinator)
    coordinator.get_by_label("Personens e-postadress").fill(email)
    coordinator.get_by_label("Skäl").fill("Har slutat och bett om radering")
    coordinator.get_by_role("button", name="Begär radering").click()
    expect(coordinator.get_by_text("Raderingen är begärd")).to_be_visible()
    expect(coordinator.get_by_text("Har slutat och bett om radering")).to_be_visible()
    # A coordinator asks; only an admin decides.
    expect(coordinator.get_by_role("button", name="Radera")).to_have_count(0)
    screenshot(coordinator, "erasure-requested-phone")
    assert not axe_serious(coordinator)

    admin, _ = new_page()
    sign_in(admin, live_server.url, DEMO_ACCOUNTS["admin"], settings.GRANNAR_DEMO_PASSWORD)
    admin.get_by_role("link", name="Begäranden om radering").click()
    request = admin.get_by_role("article")
    expect(request).to_contain_text("GR 2016:12 §1")
    request.get_by_role("button", name="Radera").click()
    expect(admin.get_by_role("alert")).to_contain_text("2028-12-31")
    assert not axe_serious(admin)
    admin.get_by_role("article").get_by_label("Rättslig grund").fill("Art. 17.1 a")
    admin.get_by_role("article").get_by_role("button", name="Radera").click()
    expect(admin.get_by_text("Personen är raderad.")).to_be_visible()
    expect(admin.get_by_role("table", name="Beslutade begäranden om radering")).to_contain_text(
        "Art. 17.1 a"
    )
    screenshot(admin, "erasure-decided")
    assert not axe_serious(admin)
    with scopes_disabled():
        assert not Person.objects.filter(email=email).exists()
        assert ErasureRequest.objects.get().status == ErasureRequest.Status.ERASED
