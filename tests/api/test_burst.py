"""A burst of registrations through the API, from real client threads to the live server's
request threads, cannot overbook: the API goes through the same seat claim as the pages.

The control runs the same burst with the seat guard switched off and must overbook; without
it, the first test would prove nothing.
"""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_scopes import scopes_disabled

from grannar.people.models import Person
from grannar.training.models import Registration, Session
from tests.api.conftest import secret_for
from tests.factories import make_session
from tests.seat_guard import switch_off_the_seat_guard

REGISTRATIONS = 60
SEATS = 15
WORKERS = 20  # REGISTRATIONS is a multiple, so that the control's waves are always whole


@pytest.fixture
def burst(transactional_db, world, live_server):
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=SEATS)
        Person.objects.bulk_create(
            Person(
                email=f"api-rusning{n}@test.example",
                first_name="R",
                last_name=f"{n}",
                municipality=world["own"],
                workplace=world["own_person"].workplace,
                staff_category=world["own_person"].staff_category,
            )
            for n in range(REGISTRATIONS)
        )
        people = list(
            Person.objects.filter(email__startswith="api-rusning").values_list("pk", flat=True)
        )
    secret = secret_for(world["users"]["coordinator"])
    return session, people, secret, live_server.url


def register_all(session, people, secret, url) -> list[int]:
    def register(person_id: int) -> int:
        request = urllib.request.Request(  # noqa: S310 - the live test server
            f"{url}/api/v1/registrations",
            data=json.dumps({"session": session.pk, "person": person_id}).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the same
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(register, people))


def test_an_api_registration_burst_never_overbooks(burst):
    session, people, secret, url = burst
    statuses = register_all(session, people, secret, url)
    assert statuses == [201] * REGISTRATIONS
    with scopes_disabled():
        registrations = Registration.objects.filter(session=session)
        assert registrations.filter(status=Registration.Status.CONFIRMED).count() == SEATS
        assert (
            registrations.filter(status=Registration.Status.WAITLISTED).count()
            == REGISTRATIONS - SEATS
        )
        assert Session.objects.get(pk=session.pk).seats_taken == SEATS


def test_control_without_the_guard_overbooks(burst, monkeypatch):
    session, people, secret, url = burst
    switch_off_the_seat_guard(monkeypatch, workers=WORKERS, timeout=60)
    register_all(session, people, secret, url)
    with scopes_disabled():
        confirmed = Registration.objects.filter(
            session=session, status=Registration.Status.CONFIRMED
        ).count()
    assert confirmed > SEATS
