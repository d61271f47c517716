"""Each demo role signs in and walks the main pages in Chromium, on a desktop and a phone."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in
from tests.factories import START_HEADINGS
from tests.test_permissions import TABLE


@pytest.mark.parametrize("role", sorted(DEMO_ACCOUNTS))
@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_role_walks_start_and_overview(role, size, viewport, demo, new_page, live_server):
    page, _ = new_page(viewport)
    page.goto(f"{live_server.url}/login/")
    if role == "admin":
        screenshot(page, f"login-{size}")
    sign_in(page, live_server.url, DEMO_ACCOUNTS[role], settings.GRANNAR_DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", name=START_HEADINGS[role], exact=True)).to_be_visible()
    screenshot(page, f"start-{role}-{size}")
    assert not axe_serious(page)

    page.get_by_role("link", name="Nya GRannar").first.click()
    expect(page.get_by_role("heading", name="Nya GRannar", level=1)).to_be_visible()
    assert page.get_by_role("cell", name="Lämnade i förtid").is_visible()
    assert "1 100" in page.locator(".key-figures").inner_text().replace("\xa0", " ")
    if role == "admin":
        screenshot(page, f"overview-{size}")
    assert not axe_serious(page)


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_person_form_refuses_and_explains(role, demo, new_page, live_server):
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page, _ = new_page(viewport)
        sign_in(page, live_server.url, DEMO_ACCOUNTS[role], settings.GRANNAR_DEMO_PASSWORD)
        page.get_by_role("link", name="Personer", exact=True).click()
        expect(page.get_by_role("heading", name="Personer", level=1)).to_be_visible()
        screenshot(page, f"people-{role}-{size}")
        page.get_by_role("link", name="Lägg till person").first.click()
        page.get_by_label("E-postadress").fill("inte-en-adress")
        page.get_by_label("Personnummer").fill("19900101-0018")
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("alert")).to_contain_text("Rätta följande")
        assert page.get_by_text("Fyll i en giltig e-postadress.").first.is_visible()
        assert page.get_by_text("Inte ett giltigt personnummer").first.is_visible()
        email = page.get_by_label("E-postadress")
        assert email.get_attribute("aria-invalid") == "true"
        assert email.get_attribute("aria-describedby") == "id_email_error"
        screenshot(page, f"person-form-refused-{role}-{size}")
        assert not axe_serious(page)


def test_people_search_updates_results_in_place(demo, new_page, live_server):
    page, _ = new_page()
    sign_in(page, live_server.url, DEMO_ACCOUNTS["coordinator"], settings.GRANNAR_DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('people:list')}")
    with scopes_disabled():
        from grannar.people.models import Person, User

        coordinator = User.objects.get(email=DEMO_ACCOUNTS["coordinator"])
        person = Person.objects.filter(
            municipality_id__in=coordinator.coordinated_municipality_ids
        ).first()
    page.get_by_label("Sök").fill(person.email)
    page.wait_for_url(re.compile(r"q="))
    expect_count = page.locator("#results tbody tr")
    expect_count.first.wait_for()
    assert expect_count.count() == 1
    assert person.last_name in page.locator("#results").inner_text()


def reachable_urls(page, server_url: str, world: dict, role: str) -> set[str]:
    urls = {
        case.url(world, "own")
        for case in TABLE.values()
        if case.method == "get" and case.page and case.status(role, "own") == 200
    }
    if role != "anonymous":
        page.goto(f"{server_url}/")
        for href in page.locator("a[href^='/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        ):
            urls.add(href.split("#")[0])
    return {url for url in urls if url and not url.startswith("/static/")}


@pytest.mark.parametrize("role", ["anonymous", *sorted(DEMO_ACCOUNTS)])
def test_every_reachable_page_has_no_serious_accessibility_problem(
    role, demo_world, new_page, live_server
):
    page, _ = new_page()
    if role != "anonymous":
        sign_in(page, live_server.url, DEMO_ACCOUNTS[role], settings.GRANNAR_DEMO_PASSWORD)
    problems = {}
    urls = reachable_urls(page, live_server.url, demo_world, role)
    assert len(urls) >= 3
    for url in sorted(urls):
        response = page.goto(f"{live_server.url}{url}")
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        assert page.locator("html").get_attribute("lang") == "sv"
        found = axe_serious(page)
        if found:
            problems[url] = found
    assert not problems
