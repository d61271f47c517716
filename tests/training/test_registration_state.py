"""The written-out read behind a person's own registration agrees with the ORM's."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.programmes.models import Membership
from grannar.training import selectors
from grannar.training.models import Course, Registration
from grannar.training.services import registration_cancel, registration_create, reservation_set
from tests.factories import make_person, make_session

pytestmark = pytest.mark.django_db


def both_reads(session, person):
    found, state = selectors.access_session_to_register(user=None, pk=session.pk, person=person)
    assert found.pk == session.pk
    assert state == selectors.registration_state(session_id=session.pk, person=person)
    return found, state


def test_a_first_registration_reads_the_counters_and_nothing_of_its_own(world):
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=7)
    found, state = both_reads(session, world["own_person"])
    assert (state.capacity, state.seats_taken, state.reserved_free) == (7, 0, 0)
    assert state.own_status is None
    assert state.left_day is None
    assert state.release_at is None
    assert state.person_id == world["own_person"].pk
    assert found.starts == session.starts  # a timezone-aware datetime on both databases
    assert found.code == session.code


def test_the_own_registration_reservations_and_leaving_date_are_read(world):
    admin = world["users"]["admin"]
    person = world["own_person"]
    release = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    with scopes_disabled():
        session = make_session(
            programme=world["programme"], capacity=5, reservations_release_at=release
        )
        reservation_set(
            session=session, municipality_id=world["own"].pk, seats_reserved=2, by=admin
        )
        registration = registration_create(session=session, person=person, by=admin)
        registration_cancel(registration=registration, by=admin)
        Membership.objects.filter(programme=world["programme"], municipality=world["own"]).update(
            left=dt.date(2030, 1, 31)
        )
    _found, state = both_reads(session, person)
    assert state.own_status == Registration.Status.CANCELLED
    assert state.left_day == dt.date(2030, 1, 31)
    assert state.release_at == release
    assert state.reserved_free == 2
    # Another person of another municipality sees neither.
    _found, other = both_reads(session, world["other_person"])
    assert other.own_status is None
    assert other.left_day is None


def test_an_unpublished_or_missing_session_is_not_found(world):
    with scopes_disabled():
        session = make_session(programme=world["programme"])
        Course.objects.filter(pk=session.course_id).update(status=Course.Status.DRAFT)
    for pk in (session.pk, session.pk + 1000):
        with pytest.raises(Http404):
            selectors.access_session_to_register(user=None, pk=pk, person=world["own_person"])


def test_a_state_read_for_someone_else_is_not_used(world):
    # The state belongs to one person: given another's, the service reads its own.
    admin = world["users"]["admin"]
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=1)
        first = make_person(municipality=world["own"], email="first@test.example")
        registration_create(session=session, person=first, by=admin)
        _found, state_of_first = selectors.access_session_to_register(
            user=admin, pk=session.pk, person=first
        )
        second = registration_create(
            session=session, person=world["own_person"], by=admin, state=state_of_first
        )
    assert second.status == Registration.Status.WAITLISTED
