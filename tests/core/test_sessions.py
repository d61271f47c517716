"""Web sessions: the written-out read finds live sessions only; the rest is Django's."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session as StoredSession
from django.urls import reverse
from django.utils import timezone

from grannar.core.sessions import SessionStore
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def test_a_live_session_is_read_back():
    store = SessionStore()
    store["colour"] = "blå"
    store.create()
    again = SessionStore(session_key=store.session_key)
    assert again["colour"] == "blå"
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key():
    store = SessionStore()
    store["colour"] = "blå"
    store.create()
    StoredSession.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (store.session_key, "x" * 32):
        again = SessionStore(session_key=key)
        assert "colour" not in again
        assert again.session_key is None


def test_a_signed_in_request_uses_it_and_an_expired_session_signs_out(client, world):
    user = world["users"]["participant"]
    sign_in(client, user)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get(reverse("training:my_registrations")).status_code == 200
    StoredSession.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("training:my_registrations"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
