"""Single sign-on in Chromium, through the pages of a real OpenID Connect provider."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.core.models import AuditEvent
from grannar.people.models import Role
from grannar.programmes.models import Municipality
from grannar.programmes.services import programme_load_file
from tests.browser.conftest import axe_serious, screenshot
from tests.factories import START_HEADINGS, make_user


@pytest.fixture
def coordinator(transactional_db):
    with scopes_disabled():
        programme = programme_load_file(path=settings.GRANNAR_REFERENCE_PROGRAMME).programme
        return make_user(
            role=Role.COORDINATOR,
            programme=programme,
            municipality=Municipality.objects.get(code="1481"),
            email="kand@sso.test.example",
        )


def audit_data(action: str) -> dict:
    """The one audit entry for `action`. Read while Playwright's event loop runs, the query gets
    a connection of its own, closed again here so that it does not outlive the test."""
    try:
        return AuditEvent.objects.get(action=action).data
    finally:
        connection.close()


def sign_in_at_provider(page, server_url: str, login: str) -> None:
    page.goto(f"{server_url}{reverse('login')}")
    page.get_by_role("link", name="Logga in med Testleverantören").click()
    expect(page.get_by_role("heading", name="Logga in hos testleverantören")).to_be_visible()
    page.get_by_label("Användarnamn").fill(login)
    page.get_by_role("button", name="Fortsätt").click()


def test_staff_signs_in_with_the_providers_second_factor(sso, coordinator, new_page, live_server):
    page, watch = new_page()
    watch.allow(sso.issuer)
    page.goto(f"{live_server.url}{reverse('login')}")
    expect(page.get_by_role("heading", name="Eller med gemensam inloggning")).to_be_visible()
    screenshot(page, "login-sso")
    assert not axe_serious(page)

    sign_in_at_provider(page, live_server.url, "kand-mfa")
    expect(page.get_by_role("heading", name=START_HEADINGS["coordinator"])).to_be_visible()
    assert page.url == f"{live_server.url}/"
    assert audit_data("people.sso.signed_in") == {"mfa": True}


def test_staff_without_the_providers_second_factor_gives_grannars(
    sso, coordinator, new_page, live_server
):
    page, watch = new_page()
    watch.allow(sso.issuer)
    sign_in_at_provider(page, live_server.url, "kand")
    expect(page.get_by_role("heading", name="Aktivera tvåstegsverifiering")).to_be_visible()
    assert page.url.startswith(f"{live_server.url}{reverse('account:two_factor_setup')}")


@pytest.mark.parametrize(
    ("login", "reason", "message"),
    [
        ("okand", "unknown_email", "Inget konto i Grannar har den e-postadress"),
        ("fel-publik", "audience", "Svaret från inloggningstjänsten kunde inte kontrolleras"),
        ("kand", "state", "Inloggningen tog för lång tid"),
    ],
)
def test_refused_sign_in_is_explained_on_the_login_page(
    sso, coordinator, new_page, live_server, settings, login, reason, message
):
    if reason == "state":
        settings.GRANNAR_OIDC_STATE_SECONDS = -1  # every started sign-in has expired
    page, watch = new_page()
    watch.allow(sso.issuer)
    sign_in_at_provider(page, live_server.url, login)
    expect(page.get_by_text(message)).to_be_visible()
    assert page.url == f"{live_server.url}{reverse('login')}"
    screenshot(page, f"login-sso-refused-{reason}")
    assert not axe_serious(page)
    assert audit_data("people.sso.refused") == {"reason": reason}
