"""A request that fails on our side: the database unavailable gives the Swedish "try again"
page (503), anything else the 500 page; never a traceback, never half a write.

The database's failure is made real with Django's own hook on the connection
(`execute_wrapper`): the query is refused with the error the driver raises when the server is
gone. tests/test_machines.py restarts a real PostgreSQL server under two web processes.
"""

import re

import pytest
from django.contrib import messages
from django.contrib.sessions.models import Session as StoredSession
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django_scopes import scopes_disabled

from config import urls as project_urls
from grannar.core.errors import RETRY_AFTER_SECONDS
from grannar.core.models import AuditEvent
from grannar.training.models import Registration, Session
from tests.factories import make_session, sign_in

pytestmark = pytest.mark.django_db


def _database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def _connection_closed(request):
    raise InterfaceError("connection already closed")


def _bug(request):
    raise ValueError("a bug")


def _announced_then_gone(request):
    messages.success(request, "Saved, it seemed")
    raise OperationalError("server closed the connection unexpectedly")


def _announce(request):
    messages.info(request, "Earlier news")
    return HttpResponse("ok")


def _show(request):
    return HttpResponse(" | ".join(str(message) for message in messages.get_messages(request)))


urlpatterns = [
    path("fail/database/", _database_gone),
    path("fail/closed/", _connection_closed),
    path("fail/bug/", _bug),
    path("fail/announced/", _announced_then_gone),
    path("announce/", _announce),
    path("show/", _show),
    path("", include(project_urls)),
]
handler500 = project_urls.handler500

as_project = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture
def browser():
    """A client that gets the error pages a visitor gets instead of the exception."""
    return Client(raise_request_exception=False)


def assert_try_again_page(response, language: str = "sv") -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert "Traceback" not in page
    assert "Error" not in page
    assert "5432" not in page
    # No form that would need a CSRF token the page cannot have.
    assert "<form" not in page
    return page


@as_project
@pytest.mark.parametrize("url", ["/fail/database/", "/fail/closed/"])
def test_a_database_that_cannot_answer_gives_the_swedish_try_again_page(browser, url):
    page = assert_try_again_page(browser.get(url))
    assert "<h1>Försök igen om en stund</h1>" in page
    assert "Grannar når inte sin databas just nu." in page
    assert "antingen sparats helt eller inte alls" in page


@as_project
def test_the_try_again_page_follows_the_chosen_language(browser):
    browser.cookies["django_language"] = "en"
    page = assert_try_again_page(browser.get("/fail/database/"), language="en")
    assert "<h1>Try again in a while</h1>" in page


@as_project
def test_any_other_error_gives_the_500_page_without_a_traceback(browser):
    response = browser.get("/fail/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    page = response.content.decode()
    assert "<h1>Något gick fel</h1>" in page
    assert "Traceback" not in page
    assert "a bug" not in page


@as_project
def test_a_message_the_failed_request_added_is_not_shown_later(browser):
    browser.get("/announce/")
    assert_try_again_page(browser.get("/fail/announced/"))
    # The news from before the failure is still shown; the failed request's is not.
    assert browser.get("/show/").content.decode() == "Earlier news"


def test_the_project_routes_server_errors_to_the_handler():
    assert project_urls.handler500 == "grannar.core.errors.server_error"


def _refuse(predicate):
    """A connection hook that refuses the queries `predicate` picks, as a server that has
    just gone away would, and lets the rest through."""

    def wrapper(execute, sql, params, many, context):
        if predicate(sql):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


@pytest.fixture
def participant(browser, world):
    user = world["users"]["participant"]
    sign_in(browser, user)
    return user


def test_a_signed_in_page_with_the_database_gone_gives_503_and_keeps_the_session(
    browser, participant
):
    stored = StoredSession.objects.get()
    with connection.execute_wrapper(_refuse(lambda sql: True)):
        response = browser.get(reverse("site:start"))
    # The session is read by the middleware, before any view: the failure is there.
    assert_try_again_page(response)
    assert "sessionid" not in response.cookies
    assert StoredSession.objects.get().session_data == stored.session_data
    # When the database answers again, the same browser goes on where it was.
    assert browser.get(reverse("site:start")).status_code == 200


def test_a_registration_cut_off_half_way_leaves_nothing_behind(browser, world, participant):
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=5)
    # The registration row and the seat are written; the audit entry is refused.
    audit = re.compile(r'^INSERT INTO "core_auditevent"', re.IGNORECASE)
    with connection.execute_wrapper(_refuse(lambda sql: bool(audit.match(sql)))):
        response = browser.post(reverse("training:register", args=[session.pk]))
    assert_try_again_page(response)
    with scopes_disabled():
        assert not Registration.objects.filter(session=session).exists()
        assert Session.objects.get(pk=session.pk).seats_taken == 0
    assert not AuditEvent.objects.filter(action__startswith="training.registration.").exists()
    # Trying again works and is whole.
    response = browser.post(reverse("training:register", args=[session.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        registration = Registration.objects.get(session=session)
        assert registration.status == Registration.Status.CONFIRMED
        assert Session.objects.get(pk=session.pk).seats_taken == 1
    assert AuditEvent.objects.filter(
        action="training.registration.confirmed", target_id=str(registration.pk)
    ).exists()
