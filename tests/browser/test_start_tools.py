"""Each demo role follows every tool link on its start page and meets no dead end."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in


@pytest.mark.parametrize("role", sorted(DEMO_ACCOUNTS))
def test_every_start_page_tool_opens_with_a_heading_and_a_way_back(
    role, demo, new_page, live_server
):
    # The trainer and the participant use a phone; the others a desktop.
    page, _ = new_page(PHONE) if role in ("trainer", "participant") else new_page()
    sign_in(page, live_server.url, DEMO_ACCOUNTS[role], settings.GRANNAR_DEMO_PASSWORD)
    links = page.locator("ul.tools a")
    count = links.count()
    assert count >= 1
    labels = [links.nth(i).inner_text() for i in range(count)]
    for index, label in enumerate(labels):
        page.goto(f"{live_server.url}/")
        with page.expect_navigation() as navigation:
            page.locator("ul.tools a").nth(index).click()
        response = navigation.value
        assert response is not None, (role, label)
        assert response.status < 400, (role, label, page.url)
        expect(page.locator("h1")).to_have_count(1)
        assert page.locator("h1").inner_text().strip(), (role, label)
        back = page.locator("a[href='/']").first
        expect(back).to_be_attached()
        back.click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator("ul.tools a").nth(index)).to_have_text(label)
