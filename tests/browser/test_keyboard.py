"""Signing in and filling in a person's form with the keyboard alone."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from grannar.people.two_factor import totp_code
from tests.browser.helpers import DEMO_ACCOUNTS


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus, and check that the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in {"none", ""}, f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_keyboard_only_sign_in_and_person_form(demo, new_page, live_server):
    page, _ = new_page()
    page.goto(f"{live_server.url}/about/tillganglighet/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # The login page puts the focus in the e-mail field at once.
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("() => document.activeElement.id") == "id_username"

    email = DEMO_ACCOUNTS["coordinator"]
    tab_to(page, "#id_username")
    page.keyboard.type(email)
    tab_to(page, "#id_password")
    page.keyboard.type(settings.GRANNAR_DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/two-factor/**")
    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    tab_to(page, "#id_token")
    page.keyboard.type(totp_code(device))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    tab_to(page, "a[href='/people/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/people/new/")
    for selector, text in (
        ("#id_first_name", "Tove"),
        ("#id_last_name", "Tangentsson"),
        ("#id_email", "tove.tangentsson@molndal.example"),
    ):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#id_municipality")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_workplace")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_support_resource")
    page.keyboard.press("Space")
    tab_to(page, "form.person-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Tove Tangentsson har lagts till.")).to_be_visible()
