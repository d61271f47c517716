"""Property-based: any sequence of register / cancel / change capacity keeps the books right."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from grannar.training.models import Registration, Session
from grannar.training.services import (
    RegistrationError,
    registration_cancel,
    registration_create,
    session_change_capacity,
)
from tests.factories import make_person, make_session

Status = Registration.Status
PEOPLE = 8
_machines = itertools.count()


@pytest.mark.django_db
def test_seat_books_stay_right(world):
    class Seats(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            n = next(_machines)
            self.admin = world["users"]["admin"]
            self.session = make_session(programme=world["programme"], capacity=2)
            self.people = [
                make_person(municipality=world["own"], email=f"m{n}-{i}@test.example")
                for i in range(PEOPLE)
            ]
            # The model: who holds a seat, and the waiting line in order of arrival.
            self.seated: set[int] = set()
            self.line: list[int] = []
            self.capacity = 2

        def _promote(self):
            while self.line and len(self.seated) < self.capacity:
                self.seated.add(self.line.pop(0))

        @rule(who=st.integers(0, PEOPLE - 1))
        def register(self, who):
            person = self.people[who]
            refused = None
            try:
                registration_create(session=self.session, person=person, by=self.admin)
            except RegistrationError as error:
                refused = error.code
            if refused is not None:
                assert refused == "duplicate"
                assert person.pk in self.seated or person.pk in self.line
                return
            if len(self.seated) < self.capacity:
                self.seated.add(person.pk)
            else:
                self.line.append(person.pk)

        @rule(who=st.integers(0, PEOPLE - 1))
        def cancel(self, who):
            person = self.people[who]
            registration = Registration.objects.filter(session=self.session, person=person).first()
            if registration is None:
                return
            registration_cancel(registration=registration, by=self.admin)
            if person.pk in self.seated:
                self.seated.discard(person.pk)
                self._promote()
            elif person.pk in self.line:
                self.line.remove(person.pk)

        @rule(capacity=st.integers(0, 6))
        def change_capacity(self, capacity):
            try:
                session_change_capacity(session=self.session, capacity=capacity, by=self.admin)
            except ValidationError:
                assert capacity < len(self.seated)
                return
            self.capacity = capacity
            self._promote()

        @invariant()
        def books_agree(self):
            session = Session.objects.get(pk=self.session.pk)
            registrations = Registration.objects.filter(session=self.session)
            seated = set(
                registrations.filter(status=Status.CONFIRMED).values_list("person_id", flat=True)
            )
            line = list(
                registrations.filter(status=Status.WAITLISTED)
                .order_by("queued", "id")
                .values_list("person_id", flat=True)
            )
            assert session.seats_taken == len(seated) <= session.capacity
            assert seated == self.seated
            assert line == self.line

    with scopes_disabled():
        run_state_machine_as_test(
            Seats,
            settings=settings(
                max_examples=40,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
