"""The API's interactive documentation loads from the app's own static files, with no request
to another host and no serious accessibility problem; a token made on the account page works
from it."""

import re

import pytest
from playwright.sync_api import expect

from grannar.people.models import Role
from tests.browser.conftest import axe_serious, screenshot
from tests.browser.helpers import sign_in
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_load_locally_and_pass_the_axe_scan(world, new_page, live_server):
    page, watch = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 25  # every operation is listed
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in requests)
    assert any(url.endswith("/api/v1/openapi.json") for url in requests)
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests)
    screenshot(page, "api-docs")
    assert not axe_serious(page)
    watch.assert_clean()


def test_a_token_made_on_the_account_page_opens_the_api(world, new_page, live_server):
    person = make_person(municipality=world["own"], email="api-deltagare@test.example")
    make_user(
        role=Role.PARTICIPANT,
        programme=world["programme"],
        person=person,
        email="api-deltagare@test.example",
        password="correct horse battery",
    )
    page, _watch = new_page()
    sign_in(page, live_server.url, "api-deltagare@test.example", "correct horse battery")
    page.goto(f"{live_server.url}/account/api-tokens/")
    expect(page.get_by_role("heading", name="API-nycklar", level=1)).to_be_visible()
    page.get_by_label("Namn").fill("Kalenderkoppling")
    page.get_by_role("button", name="Skapa nyckel").click()
    secret = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"grn_[\w-]{40,}", secret)
    expect(page.get_by_role("cell", name="Kalenderkoppling")).to_be_visible()
    screenshot(page, "api-tokens")
    assert not axe_serious(page)
    response = page.request.get(
        f"{live_server.url}/api/v1/registrations", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200
    assert response.json()["count"] == 0
    page.get_by_role("button", name="Återkalla Kalenderkoppling").click()
    expect(page.get_by_role("cell", name="Återkallad")).to_be_visible()
    refused = page.request.get(
        f"{live_server.url}/api/v1/registrations", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401
