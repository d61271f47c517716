"""Personal API tokens: hashed, expiring, revocable, listed with last use, audited; the
command prints the token alone; a token acts as its user; a rate per token."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from grannar.api.models import ApiToken
from grannar.api.tokens import token_create, token_revoke, token_user
from grannar.core.models import AuditEvent
from tests.api.conftest import ApiClient, secret_for
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_and_shown_once(world):
    user = world["users"]["coordinator"]
    token, secret = token_create(user=user, name="Lönesystem", days=30, by=user)
    assert secret.startswith("grn_")
    assert len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert secret.startswith(stored.prefix)
    assert stored.expires.date() == (timezone.now() + dt.timedelta(days=30)).date()
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.actor == user
    assert event.target_id == str(token.pk)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_days_out_of_range_are_refused(world, days):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Dagar"):
        token_create(user=world["users"]["admin"], name="x", days=days, by=None)
    assert not ApiToken.objects.exists()


def test_expired_revoked_and_unknown_tokens_get_401(world, client):
    user = world["users"]["admin"]
    token, secret = token_create(user=user, name="t", days=1, by=user)
    api = ApiClient(client, secret)
    assert api.get("/programmes").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    expired = api.get("/programmes")
    assert expired.status_code == 401
    assert expired.json() == {"detail": expired.json()["detail"], "errors": []}
    token2, secret2 = token_create(user=user, name="t2", days=1, by=user)
    token_revoke(token=token2, by=user)
    assert ApiClient(client, secret2).get("/programmes").status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1
    assert ApiClient(client, "grn_not-a-token").get("/programmes").status_code == 401
    assert ApiClient(client, None).get("/programmes").status_code == 401


def test_a_deactivated_account_token_stops_working(world, client):
    user = world["users"]["admin"]
    secret = secret_for(user)
    user.is_active = False
    user.save()
    assert ApiClient(client, secret).get("/programmes").status_code == 401


def test_a_signed_in_session_is_not_enough_for_the_api(world, client):
    sign_in(client, world["users"]["admin"])
    assert client.get("/api/v1/programmes").status_code == 401


def test_last_use_is_noted(world, client):
    user = world["users"]["admin"]
    token, secret = token_create(user=user, name="t", days=1, by=user)
    assert token.last_used is None
    ApiClient(client, secret).get("/programmes")
    token.refresh_from_db()
    assert token.last_used is not None
    assert token_user(secret)[1] == user


def test_command_prints_the_token_and_nothing_else(world, client):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token",
        "create",
        "--user",
        "ADMIN@test.example ",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert out.getvalue() == secret + "\n"
    assert err.getvalue() == ""
    assert ApiClient(client, secret).get("/programmes").status_code == 200
    token = ApiToken.objects.get()
    assert token.expires.date() == (timezone.now() + dt.timedelta(days=7)).date()
    listing = io.StringIO()
    call_command("api_token", "list", "--user", "admin@test.example", stdout=listing)
    assert token.prefix in listing.getvalue()
    assert secret not in listing.getvalue()
    call_command("api_token", "revoke", "--user", "admin@test.example", "--id", str(token.pk))
    assert ApiClient(client, secret).get("/programmes").status_code == 401


def test_command_refusals(world):
    with pytest.raises(CommandError, match="inget konto"):
        call_command("api_token", "create", "--user", "nobody@test.example")
    with pytest.raises(CommandError, match="Dagar"):
        call_command("api_token", "create", "--user", "admin@test.example", "--days", "0")
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", "--user", "admin@test.example", "--id", "999")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_command_line_prints_only_the_token(world, client):
    """The real console script in a subprocess, on the test database."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = (
        f"sqlite:///{db['NAME']}"
        if db["ENGINE"].endswith("sqlite3")
        else f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    grannar = str(Path(sys.executable).parent / "grannar")

    def run(*args):
        return subprocess.run(
            [grannar, *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=settings.BASE_DIR,
        )

    result = run("api-token", "create", "--user", "samordnare@test.example", "--days", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("grn_")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""
    api = ApiClient(client, result.stdout.strip())
    assert api.get("/persons").json()["count"] == 2  # Mölndal's two, not Partille's
    refused = run("api-token", "create", "--user", "nobody@test.example")
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip()


def test_the_rate_is_per_token(world, client):
    user = world["users"]["admin"]
    first, second = ApiClient(client, secret_for(user)), ApiClient(client, secret_for(user))
    with override_settings(GRANNAR_API_RATE="3/min"):
        assert [first.get("/programmes").status_code for _ in range(4)] == [200, 200, 200, 429]
        throttled = first.get("/programmes")
        assert throttled.status_code == 429
        assert throttled.json()["errors"] == []
        assert int(throttled["Retry-After"]) >= 1
        assert second.get("/programmes").status_code == 200


def test_token_page_makes_lists_and_revokes(world, client):
    user = world["users"]["coordinator"]
    sign_in(client, user)
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200
    made = client.post("/account/api-tokens/", {"name": "Personalsystem", "days": "10"})
    assert made.status_code == 200
    token = ApiToken.objects.get(user=user)
    secret = made.context["secret"]
    assert secret in made.content.decode()
    assert token.prefix in made.content.decode()
    assert ApiClient(client, secret).get("/persons").status_code == 200
    again = client.get("/account/api-tokens/")
    assert secret not in again.content.decode()
    assert "Personalsystem" in again.content.decode()
    refused = client.post("/account/api-tokens/", {"name": "", "days": "400"})
    assert refused.status_code == 400
    assert ApiToken.objects.count() == 1
    response = client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None


def test_another_users_token_cannot_be_revoked(world, client):
    other = world["users"]["admin"]
    token, _secret = token_create(user=other, name="t", days=1, by=other)
    sign_in(client, world["users"]["coordinator"])
    assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked is None
