import datetime as dt
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from grannar.core.models import AuditEvent
from grannar.people.two_factor import totp_code
from tests.factories import sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def test_security_headers(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def production_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "GRANNAR_SECRET_KEY": "k" * 20 + Fernet.generate_key().decode(),
        "GRANNAR_FIELD_KEY": Fernet.generate_key().decode(),
        "GRANNAR_ALLOWED_HOSTS": "grannar.example.se",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    env.update(extra)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def test_production_settings_pass_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "-m", "grannar.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_local_secret_key():
    env = production_env()
    env.pop("GRANNAR_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-m", "grannar.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "GRANNAR_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "name", ["login", "people:create", "set_language", "site:accessibility_report"]
)
def test_post_without_csrf_token_is_refused_in_swedish(world, name):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world["users"]["admin"])
    response = client.post(reverse(name), {})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


def test_login_is_locked_after_five_failures(client, world):
    statuses = [
        client.post(
            reverse("login"), {"username": "samordnare@test.example", "password": "wrong"}
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post(
        reverse("login"), {"username": "Samordnare@Test.example", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "För många försök" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="core.auth.sign_in_failed")
    assert failures.count() >= 5
    assert all("samordnare" not in str(event.data) for event in failures)


def test_other_accounts_are_not_locked_by_one_accounts_failures(client, world):
    for _ in range(6):
        client.post(reverse("login"), {"username": "samordnare@test.example", "password": "x"})
    response = client.post(
        reverse("login"), {"username": "admin@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_sign_in_is_audited(client, world):
    client.post(reverse("login"), {"username": "admin@test.example", "password": PASSWORD})
    event = AuditEvent.objects.get(action="core.auth.signed_in")
    assert event.actor == world["users"]["admin"]


def test_session_expires_after_inactivity(client, world):
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    sign_in(client, world["users"]["admin"])
    assert client.get(reverse("site:start")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("site:start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_session_is_renewed_at_most_once_a_minute(client, world):
    from grannar.core.middleware import SESSION_RENEWED_KEY

    assert settings.GRANNAR_SESSION_RENEW_SECONDS <= 60
    sign_in(client, world["users"]["admin"])
    assert client.get(reverse("site:start")).status_code == 200
    renewed = Session.objects.get().expire_date
    # A request within the minute writes nothing for the session.
    assert client.get(reverse("site:start")).status_code == 200
    assert Session.objects.get().expire_date == renewed
    # Once the minute has passed, the next request moves the expiry on by the full hour.
    session = client.session
    session[SESSION_RENEWED_KEY] -= settings.GRANNAR_SESSION_RENEW_SECONDS
    session.save()
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get(reverse("site:start")).status_code == 200
    expires = Session.objects.get().expire_date
    assert expires > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


# Two-factor authentication


def password_login(client, email: str):
    return client.post(reverse("login"), {"username": email, "password": PASSWORD})


def test_roles_that_need_a_second_factor(world):
    users = world["users"]
    for role in ("admin", "coordinator", "trainer", "evaluator", "auditor"):
        assert users[role].requires_two_factor, role
    assert not users["participant"].requires_two_factor


def test_password_alone_does_not_open_pages_for_an_admin(client, world):
    password_login(client, "admin@test.example")
    response = client.get(reverse("people:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:two_factor_setup"))
    # Pages every visitor may read stay open.
    assert client.get(reverse("site:page", args=["personuppgifter"])).status_code == 200


def test_participant_needs_no_second_factor(client, world):
    password_login(client, "deltagare@test.example")
    assert client.get(reverse("site:start")).status_code == 200


def test_enrolment_verification_and_recovery_codes(client, world):
    admin = world["users"]["admin"]
    password_login(client, "admin@test.example")
    page = client.get(reverse("account:two_factor_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = client.post(reverse("account:two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "Koden stämmer inte" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a failure makes the device wait a moment before the next try
    response = client.post(reverse("account:two_factor_setup"), {"token": totp_code(device)})
    assert response["Location"] == reverse("account:recovery_codes")
    codes_page = client.get(response["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("account:recovery_codes")).context["codes"] is None  # shown once
    assert client.get(reverse("people:list")).status_code == 200
    assert AuditEvent.objects.filter(action="people.two_factor.enrolled", actor=admin).exists()

    # A new sign-in asks for the code; a recovery code works once.
    client.post(reverse("logout"))
    password_login(client, "admin@test.example")
    response = client.get(reverse("people:list"))
    assert response["Location"].startswith(reverse("account:two_factor"))
    bad = client.post(reverse("account:two_factor"), {"token": "123456"})
    assert "Koden är fel" in bad.content.decode()
    for static in StaticDevice.objects.filter(user=admin):
        static.throttle_reset()
    ok = client.post(reverse("account:two_factor"), {"token": codes[0], "next": "/people/"})
    assert ok["Location"] == "/people/"
    assert client.get(reverse("people:list")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()


def test_verification_refuses_a_foreign_next_url(client, world):
    admin = world["users"]["admin"]
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    password_login(client, "admin@test.example")
    response = client.post(
        reverse("account:two_factor"), {"token": totp_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_enrolled_but_unverified_user_cannot_replace_the_device(client, world):
    admin = world["users"]["admin"]
    TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    password_login(client, "admin@test.example")
    response = client.get(reverse("account:two_factor_setup"))
    assert response["Location"] == reverse("account:two_factor")


def test_codes_are_throttled_after_failures(client, world):
    admin = world["users"]["admin"]
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    password_login(client, "admin@test.example")
    for _ in range(3):
        client.post(reverse("account:two_factor"), {"token": "000000"})
    response = client.post(reverse("account:two_factor"), {"token": totp_code(device)})
    assert response.status_code == 200  # refused while throttled, even with the right code
    assert AuditEvent.objects.filter(action="people.two_factor.failed").count() == 4


# Error pages


def boom(request):
    raise RuntimeError("secret internals: DATABASE password=hunter2")


urlpatterns = [path("boom/", boom), path("", include("config.urls"))]


@override_settings(ROOT_URLCONF="tests.core.test_security", DEBUG=False)
def test_server_error_page_is_swedish_without_internals():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Något gick fel" in content
    assert "hunter2" not in content
    assert "Traceback" not in content


def test_not_found_page_is_swedish(client):
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


def test_bad_request_page_is_swedish(client):
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Felaktig begäran" in response.content.decode()


def test_forbidden_page_is_swedish(client, world):
    sign_in(client, world["users"]["trainer"])
    response = client.get(reverse("people:list"))
    assert response.status_code == 403
    assert "Du har inte behörighet" in response.content.decode()
