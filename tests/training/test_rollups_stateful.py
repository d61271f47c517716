"""Random sequences of every change the figures count by, through the services and the
attendance import; after each step the rollups equal a recomputation from the raw
registrations and the figures equal the reference figures."""

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from grannar.people.models import Gender, Person
from grannar.people.services import person_update
from grannar.programmes.models import Municipality, StaffCategory
from grannar.reporting.counting import figures, reference_figures
from grannar.training import rollups
from grannar.training.facts import Scope
from grannar.training.forms import SessionForm
from grannar.training.imports import ImportRefused, import_attendance
from grannar.training.models import Registration, Session
from grannar.training.services import (
    attendance_record,
    attendance_undo,
    course_hand_over,
    registration_cancel,
    session_save,
)
from tests.factories import make_person
from tests.reporting.builders import attend, held
from tests.training.test_imports import HEADER, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

PEOPLE = 3
SESSIONS = 3
MUNICIPALITIES = ["1481", "1402"]
CATEGORIES = ["socialsekreterare", "boendepersonal", "pedagogisk", "kultur-fritid", None]
HOURS = [None, "1", "1.5", "2.75", "4"]
_runs = itertools.count()


class Rollups(RuleBasedStateMachine):
    """Each run lives in a transaction that is rolled back at its end."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        run = next(_runs)
        self.programme = self.world["programme"]
        self.admin = self.world["users"]["admin"]
        self.municipalities = {
            m.code: m for m in Municipality.objects.filter(code__in=MUNICIPALITIES)
        }
        self.categories = {c.code: c for c in StaffCategory.objects.all()}
        self.sessions = [
            held(self.programme, on=dt.date(2024, 2 + 3 * i, 5 + i), subgoals=[1 + i % 3])
            for i in range(SESSIONS)
        ]
        self.people = [
            make_person(
                municipality=self.municipalities[MUNICIPALITIES[i % 2]],
                email=f"r{run}-{i}@test.example",
                staff_category=self.categories["socialsekreterare" if i % 2 else "pedagogisk"],
                birth_year=1970 + 5 * i,
            )
            for i in range(PEOPLE)
        ]

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def registration(self, p: int, s: int) -> Registration | None:
        return Registration.objects.filter(person=self.people[p], session=self.sessions[s]).first()

    @rule(p=st.integers(0, PEOPLE - 1), s=st.integers(0, SESSIONS - 1))
    def register(self, p, s):
        if self.registration(p, s) is None:
            # Past sessions take no registrations through the service: write one with its seat.
            attend(self.people[p], self.sessions[s], status=Registration.Status.CONFIRMED)
            Session.objects.filter(pk=self.sessions[s].pk).update(seats_taken=F("seats_taken") + 1)

    @rule(p=st.integers(0, PEOPLE - 1), s=st.integers(0, SESSIONS - 1))
    def cancel(self, p, s):
        registration = self.registration(p, s)
        if registration is not None:
            with contextlib.suppress(ValidationError):
                registration_cancel(registration=registration, by=self.admin)

    @rule(
        p=st.integers(0, PEOPLE - 1),
        s=st.integers(0, SESSIONS - 1),
        present=st.booleans(),
        hours=st.sampled_from(HOURS),
    )
    def mark(self, p, s, present, hours):
        registration = self.registration(p, s)
        if registration is not None:
            with contextlib.suppress(ValidationError):
                attendance_record(
                    registration=registration,
                    present=present,
                    by=self.admin,
                    method="trainer",
                    hours=None if hours is None else Decimal(hours),
                )

    @rule(p=st.integers(0, PEOPLE - 1), s=st.integers(0, SESSIONS - 1))
    def undo(self, p, s):
        registration = self.registration(p, s)
        if registration is not None:
            with contextlib.suppress(ValidationError):
                attendance_undo(registration=registration, by=self.admin)

    @rule(
        p=st.integers(0, PEOPLE - 1),
        municipality=st.sampled_from(MUNICIPALITIES),
        category=st.sampled_from(CATEGORIES),
        gender=st.sampled_from([Gender.WOMAN, Gender.MAN, ""]),
        birth_year=st.sampled_from([None, 1950, 1980, 2001]),
    )
    def move(self, p, municipality, category, gender, birth_year):
        person_update(
            person=Person.objects.get(pk=self.people[p].pk),
            by=self.admin,
            municipality=self.municipalities[municipality],
            staff_category=self.categories[category] if category else None,
            gender=gender,
            birth_year=birth_year,
            support_resource=category is None,  # only a support resource has no category
        )

    @rule(
        s=st.integers(0, SESSIONS - 1),
        days=st.integers(-40, 40),
        hours=st.sampled_from(["2", "3", "6"]),
    )
    def edit_session(self, s, days, hours):
        session = Session.objects.get(pk=self.sessions[s].pk)
        starts = timezone.localtime(session.starts) + dt.timedelta(days=days)
        form = SessionForm(
            {
                "course": session.course_id,
                "code": session.code,
                "starts": f"{starts:%Y-%m-%dT%H:%M}",
                "ends": f"{starts + dt.timedelta(hours=7):%Y-%m-%dT%H:%M}",
                "credited_hours": hours,
                "capacity": session.capacity,
            },
            instance=session,
        )
        assert form.is_valid(), form.errors
        session_save(form=form, by=self.admin)

    @rule(s=st.integers(0, SESSIONS - 1), days=st.integers(0, 200))
    def hand_over(self, s, days):
        course = self.sessions[s].course
        with contextlib.suppress(ValidationError):
            course_hand_over(
                course=course,
                on=dt.date(2024, 1, 1) + dt.timedelta(days=days),
                receiving_organiser="Regionen",
                by=self.admin,
            )

    @rule(
        rows=st.lists(
            st.tuples(
                st.integers(0, PEOPLE - 1),
                st.integers(0, SESSIONS - 1),
                st.sampled_from(["attended", "no_show", "registered"]),
                st.sampled_from(HOURS),
                st.sampled_from(MUNICIPALITIES),
                st.sampled_from(CATEGORIES),
            ),
            min_size=1,
            max_size=6,
        ),
        spreadsheet=st.booleans(),
    )
    def import_rows(self, rows, spreadsheet):
        lines = []
        for p, s, status, hours, municipality, category in rows:
            person = self.people[p]
            attended = hours if status == "attended" and hours else ""
            lines.append(
                f"{self.sessions[s].code},{person.email},A,B,kvinna,1985,{municipality},,"
                f"{category or ''},{'ja' if category is None else 'nej'},{status},{attended}"
            )
        text = HEADER + "\n".join(lines) + "\n"
        content = xlsx(text) if spreadsheet else text.encode()
        with contextlib.suppress(ImportRefused):
            import_attendance(
                programme=self.programme,
                filename="a.xlsx" if spreadsheet else "a.csv",
                content=content,
                by=self.admin,
            )

    @invariant()
    def rollups_equal_the_registrations(self):
        assert rollups.verify(self.programme) == []
        for scope in (
            Scope(self.programme),
            Scope(self.programme, municipality_id=self.municipalities["1481"].pk),
        ):
            assert figures(scope) == reference_figures(scope)


def test_random_changes_keep_the_rollups(world):
    Rollups.world = world
    run_state_machine_as_test(
        Rollups,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
