"""Seats under real parallel load: threads, each with its own database connection.

The control runs the same load with the seat guard switched off and must overbook; without
it, the first test would prove nothing.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django_scopes import scopes_disabled

from grannar.people.models import Person
from grannar.training.models import Registration, Session
from grannar.training.services import registration_create, waitlist_position
from tests.factories import make_session
from tests.seat_guard import switch_off_the_seat_guard

REGISTRATIONS = 200
SEATS = 50
WORKERS = 40  # each with its own connection; PostgreSQL allows 100 here


@pytest.fixture
def crowd(transactional_db, world):
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=SEATS)
        workplace = world["own_person"].workplace
        Person.objects.bulk_create(
            Person(
                email=f"rusning{n}@test.example",
                first_name="R",
                last_name=f"{n}",
                municipality=world["own"],
                workplace=workplace,
                staff_category=world["own_person"].staff_category,
            )
            for n in range(REGISTRATIONS)
        )
        people = list(Person.objects.filter(email__startswith="rusning").order_by("id"))
    return session, people, world["users"]["admin"]


def register_all(session, people, admin) -> list[Exception]:
    errors: list[Exception] = []

    def register(person):
        try:
            with scopes_disabled():
                registration_create(session=session, person=person, by=admin)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(register, people))
    return errors


def test_parallel_registrations_never_overbook(crowd):
    session, people, admin = crowd
    errors = register_all(session, people, admin)
    assert not errors
    with scopes_disabled():
        registrations = Registration.objects.filter(session=session)
        confirmed = registrations.filter(status=Registration.Status.CONFIRMED)
        waiting = list(registrations.filter(status=Registration.Status.WAITLISTED))
        assert confirmed.count() == SEATS
        assert len(waiting) == REGISTRATIONS - SEATS
        assert Session.objects.get(pk=session.pk).seats_taken == SEATS
        # The waiting line is complete and ordered by arrival: positions 1..150, no ties.
        positions = sorted(waitlist_position(r) for r in waiting)
        assert positions == list(range(1, REGISTRATIONS - SEATS + 1))
        arrivals = [r.queued for r in sorted(waiting, key=waitlist_position)]
        assert arrivals == sorted(arrivals)


def test_control_without_the_guard_overbooks(crowd, monkeypatch):
    session, people, admin = crowd
    switch_off_the_seat_guard(monkeypatch, workers=WORKERS, timeout=30)
    register_all(session, people, admin)
    with scopes_disabled():
        confirmed = Registration.objects.filter(
            session=session, status=Registration.Status.CONFIRMED
        ).count()
    assert confirmed > SEATS
