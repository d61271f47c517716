"""The "try again" page (503), served by the live server for a database that cannot answer."""

from tests.browser.conftest import axe_serious, screenshot


def test_the_try_again_page_is_swedish_and_accessible(
    new_page, live_server, transactional_db, settings
):
    # The failing views of tests/core/test_errors.py, beside the project's URLs.
    settings.ROOT_URLCONF = "tests.core.test_errors"
    page, watch = new_page()
    response = page.goto(f"{live_server.url}/fail/database/")
    assert response.status == 503
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Försök igen om en stund"
    assert page.title() == "Försök igen om en stund – Grannar"
    assert not axe_serious(page)
    screenshot(page, "503-try-again")
    # The browser reports the status itself; that is this test's expected result.
    watch.errors[:] = [error for error in watch.errors if "status of 503" not in error]
