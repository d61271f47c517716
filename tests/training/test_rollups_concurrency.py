"""Rollups under real parallel writes: two attendance marks for people of the same
municipality at the same session, each in its own thread and database connection.

The control runs with the lock switched off and the two refreshes forced to read before
either writes; on PostgreSQL the rollups must then go wrong (or a refresh fail), which shows
that the lock is what keeps them right. SQLite lets one writer in at a time: there the second
mark cannot even start its refresh before the first has committed.
"""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from grannar.training import rollups
from grannar.training.models import Registration
from grannar.training.services import attendance_record
from tests.factories import make_person
from tests.reporting.builders import attend, held

PAIRS = 8


@pytest.fixture
def pairs(transactional_db, world):
    with scopes_disabled():
        programme = world["programme"]
        result = []
        for n in range(PAIRS):
            session = held(programme, on=dt.date(2024, 3, 4) + dt.timedelta(days=7 * n))
            result.append(
                [
                    attend(
                        make_person(municipality=world["own"]),
                        session,
                        status=Registration.Status.CONFIRMED,
                    )
                    for _ in range(2)
                ]
            )
    return programme, result, world["users"]["admin"]


def mark_in_parallel(registrations, admin) -> list[Exception]:
    errors: list[Exception] = []
    start = threading.Barrier(len(registrations), timeout=30)

    def mark(registration):
        try:
            start.wait()
            with scopes_disabled():
                attendance_record(
                    registration=registration, present=True, by=admin, method="trainer"
                )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(registrations)) as pool:
        list(pool.map(mark, registrations))
    return errors


def test_parallel_marks_leave_the_rollups_right(pairs):
    programme, registrations, admin = pairs
    for pair in registrations:
        assert mark_in_parallel(pair, admin) == []
    with scopes_disabled():
        assert rollups.verify(programme) == []
        assert Registration.objects.filter(status=Registration.Status.ATTENDED).count() == (
            2 * PAIRS
        )


def test_control_without_the_lock_goes_wrong(pairs, monkeypatch):
    programme, registrations, admin = pairs
    monkeypatch.setattr(rollups, "LOCK_GUARD", False)
    # Both refreshes have written their person rows, neither has counted the tallies yet.
    both_read = threading.Barrier(2, timeout=10)
    write_tallies = rollups._write_tallies

    def wait_then_write(programme, municipalities):
        both_read.wait()
        write_tallies(programme, municipalities)

    monkeypatch.setattr(rollups, "_write_tallies", wait_then_write)
    errors = mark_in_parallel(registrations[0], admin)
    if connection.vendor == "sqlite":
        # The first writer holds the database until it commits: the second never got as far.
        assert errors
        assert all(isinstance(e, threading.BrokenBarrierError) for e in errors)
        return
    with scopes_disabled():
        assert errors or rollups.verify(programme) != []
