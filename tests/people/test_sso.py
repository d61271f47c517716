"""Single sign-on against a real OpenID Connect provider (tests/oidc/provider.mjs).

Grannar runs in the test client; the browser's part at the provider is played over HTTP, so
every redirect, the code exchange, the keys and the tokens are the provider's own.
"""

import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from grannar.core.models import AuditEvent
from grannar.people.models import ProviderDevice, Role, RoleAssignment, User
from tests.factories import make_user

GRANNAR = "http://localhost"


@pytest.fixture
def client(client):
    # The provider's registered redirect is on localhost (any port, as for loopback).
    client.defaults["HTTP_HOST"] = "localhost"
    return client


class Browser:
    """Plays the browser between Grannar (the test client) and the provider (over HTTP)."""

    def __init__(self, client, provider):
        self.client = client
        self.provider = provider
        self.http = requests.Session()

    def start(self, **params) -> str:
        response = self.client.get(reverse("account:sso"), params)
        assert response.status_code == 302, response
        return response["Location"]

    def at_provider(self, url: str, login: str | None, action: str = "login") -> str:
        """Open the provider's page, sign in as `login` (or cancel); the URL back to Grannar."""
        page = self._follow(self.http.get(url, allow_redirects=False))
        uid = re.search(r"/interaction/([\w-]+)/login", page.text).group(1)
        answer = self.http.post(
            f"{self.provider.issuer}/interaction/{uid}/{action}",
            data={"login": login} if login else {},
            allow_redirects=False,
        )
        back = self._follow(answer)
        assert isinstance(back, str), back.text
        return back

    def _follow(self, response):
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(GRANNAR):
                return location
            response = self.http.get(location, allow_redirects=False)
        return response

    def back_to_grannar(self, url: str):
        parts = urlsplit(url)
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self, login: str, **params):
        return self.back_to_grannar(self.at_provider(self.start(**params), login))


@pytest.fixture
def browser(client, sso):
    return Browser(client, sso)


def refusal_reasons() -> list[str]:
    return [
        event.data["reason"] for event in AuditEvent.objects.filter(action="people.sso.refused")
    ]


def assert_refused(client, response, reason: str, text: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    page = client.get(response["Location"])
    assert text in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert refusal_reasons() == [reason]
    assert not AuditEvent.objects.filter(action="people.sso.signed_in").exists()


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_login_page_offers_single_sign_on_only_when_configured(client, oidc_provider, settings):
    assert "Logga in med" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("account:sso")).status_code == 404
    assert client.get(reverse("account:sso_callback")).status_code == 404

    settings.GRANNAR_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    page = client.get(reverse("login"), {"next": "/training/"}).content.decode()
    assert "Logga in med din organisations konto" in page
    assert 'href="/account/sso/?next=/training/"' in page
    settings.GRANNAR_OIDC_NAME = "Regionens inloggning"
    assert "Logga in med Regionens inloggning" in client.get(reverse("login")).content.decode()


def test_environment_variables_switch_single_sign_on_on(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "GRANNAR_VAR_DIR": str(tmp_path),
        "GRANNAR_OIDC_ISSUER": "https://login.example.se",
        "GRANNAR_OIDC_CLIENT_ID": "grannar",
        "GRANNAR_OIDC_CLIENT_SECRET": "secret",
        "GRANNAR_OIDC_MFA_VALUES": "mfa, hwk",
    }
    script = (
        "import django; django.setup(); from django.conf import settings;"
        "from grannar.people.sso import sso_enabled;"
        "print(sso_enabled(), settings.OIDC_RP_CLIENT_ID, settings.GRANNAR_OIDC_MFA_VALUES)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True grannar ['mfa', 'hwk']"


def test_half_configured_single_sign_on_is_reported(settings):
    from grannar.people.sso import sso_settings_check

    assert sso_settings_check() == []
    settings.GRANNAR_OIDC_ISSUER = "https://login.example.se"
    settings.OIDC_RP_CLIENT_ID = "grannar"
    (warning,) = sso_settings_check()
    assert warning.id == "people.W001"
    assert "GRANNAR_OIDC_CLIENT_SECRET" in warning.msg
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    assert sso_settings_check() == []


def test_known_verified_email_signs_in_to_the_page_asked_for(browser, client, world):
    user = make_user(
        role=Role.PARTICIPANT, programme=world["programme"], email="kand@sso.test.example"
    )
    response = browser.sign_in("kand", next="/training/")
    assert response.status_code == 302
    assert response["Location"] == "/training/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/training/").status_code == 200
    signed_in = AuditEvent.objects.get(action="people.sso.signed_in")
    assert (signed_in.actor, signed_in.data) == (user, {"mfa": False})
    assert AuditEvent.objects.filter(action="core.auth.signed_in", actor=user).exists()


def test_email_is_matched_trimmed_and_case_insensitively(browser, client, db):
    user = make_user(email="kand@sso.test.example")
    browser.sign_in("kand-versaler")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_next_to_another_host_is_ignored(browser, client, db):
    make_user(email="kand@sso.test.example")
    response = browser.sign_in("kand", next="https://elsewhere.example/")
    assert response["Location"] == reverse("site:start")


def test_first_sign_in_grants_no_role_and_creates_no_account(browser, client, db):
    user = make_user(email="kand@sso.test.example")
    users = User.objects.count()
    browser.sign_in("kand")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == users
    assert not RoleAssignment.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.is_superuser


def test_unknown_email_is_refused_without_creating_an_account(browser, client, db):
    response = browser.sign_in("okand")
    assert_refused(client, response, "unknown_email", "Inget konto i Grannar har den e-postadress")
    assert not User.objects.filter(email="okand@sso.test.example").exists()


def test_unverified_email_is_refused(browser, client, db):
    make_user(email="overifierad@sso.test.example")
    response = browser.sign_in("overifierad")
    assert_refused(client, response, "unverified_email", "har inte bekräftat din e-postadress")


def test_inactive_account_is_refused(browser, client, db):
    user = make_user(email="kand@sso.test.example")
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = browser.sign_in("kand")
    assert_refused(client, response, "inactive", "Kontot är inte aktivt.")


def test_id_token_for_another_audience_is_refused(browser, client, db):
    make_user(email="kand@sso.test.example")
    response = browser.sign_in("fel-publik")
    assert_refused(client, response, "audience", "kunde inte kontrolleras")


def test_code_issued_to_another_client_is_refused(browser, client, sso, db):
    make_user(email="kand@sso.test.example")
    foreign = with_query(browser.start(), client_id=sso.other_client_id)
    response = browser.back_to_grannar(browser.at_provider(foreign, "kand"))
    assert_refused(client, response, "token", "kunde inte kontrolleras")


def test_wrong_client_secret_is_refused(browser, client, settings, db):
    make_user(email="kand@sso.test.example")
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    response = browser.sign_in("kand")
    assert_refused(client, response, "token", "kunde inte kontrolleras")


def test_expired_state_is_refused(browser, client, settings, db):
    make_user(email="kand@sso.test.example")
    back = browser.at_provider(browser.start(), "kand")
    settings.GRANNAR_OIDC_STATE_SECONDS = -1
    response = browser.back_to_grannar(back)
    assert_refused(client, response, "state", "Inloggningen tog för lång tid")


def test_forged_state_is_refused(browser, client, db):
    make_user(email="kand@sso.test.example")
    back = browser.at_provider(browser.start(), "kand")
    response = browser.back_to_grannar(with_query(back, state="forged"))
    assert_refused(client, response, "state", "Inloggningen tog för lång tid")


def test_an_answer_naming_another_issuer_is_refused(browser, client, db):
    make_user(email="kand@sso.test.example")
    back = browser.at_provider(browser.start(), "kand")
    assert parse_qs(urlsplit(back).query)["iss"] == [browser.provider.issuer]
    response = browser.back_to_grannar(with_query(back, iss="https://elsewhere.example"))
    assert_refused(client, response, "token", "kunde inte kontrolleras")


def test_an_answer_from_another_browser_is_refused(browser, db):
    make_user(email="kand@sso.test.example")
    back = browser.at_provider(browser.start(), "kand")
    stranger = Client(HTTP_HOST="localhost")
    path = urlsplit(back)
    response = stranger.get(f"{path.path}?{path.query}")
    assert response.status_code == 302
    assert "_auth_user_id" not in stranger.session
    assert refusal_reasons() == ["state"]


def test_an_answer_is_used_once(browser, client, db):
    make_user(email="kand@sso.test.example")
    back = browser.at_provider(browser.start(), "kand")
    assert browser.back_to_grannar(back)["Location"] == reverse("site:start")
    client.logout()
    response = browser.back_to_grannar(back)
    assert response["Location"] == reverse("login")
    assert refusal_reasons() == ["state"]


def test_cancelling_at_the_provider_is_refused(browser, client, db):
    back = browser.at_provider(browser.start(), None, action="abort")
    response = browser.back_to_grannar(back)
    assert_refused(client, response, "cancelled", "avbröts hos inloggningstjänsten")


def test_provider_that_does_not_answer_is_refused_at_the_start(client, sso, settings, db):
    from tests.conftest import _free_port

    settings.GRANNAR_OIDC_ISSUER = f"http://127.0.0.1:{_free_port()}"
    response = client.get(reverse("account:sso"))
    assert_refused(client, response, "unavailable", "Inloggningstjänsten svarar inte just nu")


@pytest.fixture
def coordinator(world):
    return make_user(
        role=Role.COORDINATOR,
        programme=world["programme"],
        municipality=world["own"],
        email="kand@sso.test.example",
    )


def test_staff_role_without_provider_mfa_still_needs_the_second_factor(
    browser, client, coordinator
):
    browser.sign_in("kand")
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    response = client.get(reverse("site:start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:two_factor_setup"))
    assert AuditEvent.objects.get(action="people.sso.signed_in").data == {"mfa": False}


@pytest.mark.parametrize("login", ["kand-mfa", "kand-acr"])
def test_staff_role_with_provider_mfa_needs_no_second_factor(browser, client, coordinator, login):
    browser.sign_in(login)
    assert client.get(reverse("site:start")).status_code == 200
    assert client.get(reverse("people:list")).status_code == 200
    assert AuditEvent.objects.get(action="people.sso.signed_in").data == {"mfa": True}
    assert ProviderDevice.objects.filter(user=coordinator).count() == 1
    # The device counts only right after such a sign-in: a later session is not verified by it.
    client.logout()
    client.force_login(coordinator)
    assert client.get(reverse("site:start")).status_code == 302
    assert not ProviderDevice.objects.get(user=coordinator).verify_token("123456")


@pytest.mark.parametrize(
    "changes",
    [{"GRANNAR_OIDC_TRUST_MFA": False}, {"GRANNAR_OIDC_MFA_VALUES": ["hwk"]}],
    ids=["trust-switched-off", "other-values"],
)
def test_which_provider_mfa_counts_is_configurable(browser, client, coordinator, settings, changes):
    for name, value in changes.items():
        setattr(settings, name, value)
    browser.sign_in("kand-mfa")
    response = client.get(reverse("site:start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:two_factor_setup"))
