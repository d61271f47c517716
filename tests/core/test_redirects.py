"""Every view that takes `next` follows it only within this site."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from grannar.core.redirects import next_url
from grannar.people.two_factor import totp_code
from grannar.training.services import registration_create
from tests.factories import make_session, sign_in

pytestmark = pytest.mark.django_db
FOREIGN = [
    "https://evil.example/",
    "//evil.example/training/",
    "http://evil.example",
    "\\\\evil.example",
    "https:///evil.example/",
    "javascript:alert(1)",
]
PASSWORD = "correct horse battery"


@pytest.mark.parametrize("target", FOREIGN)
def test_foreign_next_falls_back_to_the_default(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert next_url(request, "/home/") == "/home/"
    request = RequestFactory().get("/x/", {"next": target})
    assert next_url(request, "/home/") == "/home/"


def test_own_next_is_followed():
    assert next_url(RequestFactory().post("/x/", {"next": "/training/1/"}), "/") == "/training/1/"
    assert next_url(RequestFactory().get("/x/?next=/people/?q=a"), "/") == "/people/?q=a"
    own_host = RequestFactory().post("/x/", {"next": "http://testserver/people/"})
    assert next_url(own_host, "/") == "http://testserver/people/"
    assert next_url(RequestFactory().post("/x/"), "/home/") == "/home/"


@pytest.fixture
def registration(world):
    session = make_session(programme=world["programme"])
    return registration_create(
        session=session, person=world["users"]["participant"].person, by=world["users"]["admin"]
    )


@pytest.mark.parametrize("target", FOREIGN)
def test_cancel_refuses_a_foreign_next(client, world, registration, target):
    sign_in(client, world["users"]["participant"])
    url = reverse("training:cancel", args=[registration.pk])
    response = client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("training:my_registrations")


def test_cancel_follows_a_next_on_this_site(client, world, registration):
    sign_in(client, world["users"]["participant"])
    page = reverse("training:session", args=[registration.session_id])
    response = client.post(reverse("training:cancel", args=[registration.pk]), {"next": page})
    assert response["Location"] == page


def test_two_factor_page_refuses_a_foreign_next_in_the_query(client, world):
    admin = world["users"]["admin"]
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.post(reverse("login"), {"username": admin.email, "password": PASSWORD})
    page = client.get(reverse("account:two_factor"), {"next": "https://evil.example/"})
    assert page.context["next"] == "/"
    response = client.post(
        reverse("account:two_factor"), {"token": totp_code(device), "next": "//evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", FOREIGN)
def test_sign_in_refuses_a_foreign_next(client, world, target):
    response = client.post(
        reverse("login"),
        {"username": "deltagare@test.example", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("site:start")


@pytest.mark.parametrize("target", FOREIGN)
def test_language_switch_refuses_a_foreign_next(client, world, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = reverse("site:page", args=["personuppgifter"])
    own = client.post(reverse("set_language"), {"language": "sv", "next": page})
    assert own["Location"] == page
