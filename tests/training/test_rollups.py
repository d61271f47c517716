"""The figures' rollups: kept equal to a recomputation from the raw registrations by every
writer, checked and rebuilt by `grannar rollups`, and read in a fixed number of queries."""

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grannar.core.models import AuditEvent
from grannar.demo import demo_load
from grannar.people.services import person_update
from grannar.programmes.models import Municipality
from grannar.reporting.counting import (
    collaboration_figures,
    figures,
    reference_figures,
)
from grannar.training import rollups
from grannar.training.facts import Scope
from grannar.training.imports import import_attendance, import_sessions
from grannar.training.models import Attendance, PersonRollup, ProgrammeRollup, Registration, Tally
from grannar.training.services import attendance_record
from tests.factories import make_person
from tests.reporting.builders import attend, held
from tests.training.test_imports import ATTENDANCE, SESSIONS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


@pytest.fixture
def demo():
    return demo_load(scale="small").programme


def verify(programme) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("rollups", "verify", "--programme", programme.code, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_demo_rollups_agree_with_the_registrations(demo):
    code, out, _err = verify(demo)
    assert code == 0
    assert "stämmer med anmälningarna" in out
    assert PersonRollup.objects.filter(programme=demo).count() > 50


def test_figures_equal_the_reference_in_every_scope(demo):
    municipalities = sorted(
        set(PersonRollup.objects.filter(programme=demo).values_list("municipality_id", flat=True))
    )
    scopes = [Scope(demo), Scope(demo, end=timezone.localdate()), Scope(demo, demo.starts)]
    scopes += [Scope(demo, municipality_id=m) for m in municipalities]
    # A period inside the programme: the raw path answers, and the same way.
    scopes.append(Scope(demo, dt.date(demo.starts.year, 9, 1), dt.date(demo.starts.year, 12, 31)))
    for scope in scopes:
        assert figures(scope) == reference_figures(scope), scope
        assert collaboration_figures(scope) == collaboration_figures(scope, source="raw"), scope
    assert figures(Scope(demo)).participants > 0


def test_drift_is_named_and_rebuild_fixes_it(demo):
    registration = (
        Registration.objects.filter(
            session__course__programme=demo, status=Registration.Status.ATTENDED
        )
        .order_by("pk")
        .first()
    )
    # A raw change past the services: the rollups do not hear of it.
    Attendance.objects.filter(registration=registration).update(hours=Decimal("0.5"))
    code, _out, err = verify(demo)
    assert code == 1
    assert f"person {registration.person_id}:" in err
    assert "lagrat" in err
    assert "omräknat" in err
    assert "grannar rollups rebuild" in err
    out = io.StringIO()
    call_command("rollups", "rebuild", "--programme", demo.code, stdout=out)
    assert "byggdes om" in out.getvalue()
    assert verify(demo)[0] == 0
    assert AuditEvent.objects.filter(action="training.rollups.rebuilt").count() == 1


def test_an_unknown_programme_is_refused():
    with pytest.raises(CommandError, match="inget projekt med koden finns-inte"):
        call_command("rollups", "verify", "--programme", "finns-inte")


def test_writers_keep_the_rollups(world):
    programme = world["programme"]
    session = held(programme, on=dt.date(2024, 3, 4), subgoals=[1])
    later = held(programme, on=dt.date(2024, 5, 6), subgoals=[2])
    person = make_person(municipality=world["own"], birth_year=1990)
    registration = attend(person, session, status=Registration.Status.CONFIRMED)
    attendance_record(registration=registration, present=True, by=None, method="trainer")
    attend(person, later)
    assert rollups.verify(programme) == []
    person_update(person=person, by=None, municipality=world["other"], birth_year=1960)
    assert rollups.verify(programme) == []
    scope = Scope(programme, municipality_id=world["other"].pk)
    assert figures(scope) == reference_figures(scope)
    assert figures(scope).by_age_band == {">54": 1}
    attendance_record(registration=registration, present=False, by=None, method="trainer")
    assert rollups.verify(programme) == []
    assert figures(Scope(programme)).by_subgoal == {"2": 1}


def _grow(world, n: int) -> None:
    programme = world["programme"]
    sessions = [held(programme, on=dt.date(2024, 3 + i, 4), subgoals=[1 + i % 3]) for i in range(3)]
    for i in range(n):
        person = make_person(municipality=world["own"] if i % 2 else world["other"])
        attend(person, sessions[i % 3])


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_figures_read_a_fixed_number_of_queries(world):
    programme = world["programme"]
    _grow(world, 3)
    whole = Scope(programme)
    municipality = Scope(programme, municipality_id=world["own"].pk)
    small = [_queries(lambda s=s: figures(s)) for s in (whole, municipality)]
    small_collaboration = _queries(lambda: collaboration_figures(whole))
    _grow(world, 40)
    assert [_queries(lambda s=s: figures(s)) for s in (whole, municipality)] == small
    assert _queries(lambda: collaboration_figures(whole)) == small_collaboration
    # Without a period: the tallies, the sessions held and the rates.
    assert small == [3, 3]
    assert figures(whole) == reference_figures(whole)


def test_an_attendance_mark_costs_a_fixed_number_of_queries(world):
    programme = world["programme"]
    session = held(programme, on=dt.date(2024, 3, 4))

    def mark() -> int:
        person = make_person(municipality=world["own"])
        registration = attend(person, session, status=Registration.Status.CONFIRMED)
        return _queries(
            lambda: attendance_record(
                registration=registration, present=True, by=None, method="trainer"
            )
        )

    first = mark()
    _grow(world, 30)
    assert mark() == first
    assert mark() == first


def test_a_partial_period_reads_the_raw_registrations(world):
    programme = world["programme"]
    _grow(world, 6)
    scope = Scope(programme, dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    assert not rollups.covers(scope, rollups.programme_row(programme))
    assert figures(scope) == reference_figures(scope)
    assert figures(scope).sessions_held == 1
    assert rollups.covers(
        dataclasses.replace(scope, start=None, end=None), rollups.programme_row(programme)
    )


def test_tallies_are_kept_per_municipality(world):
    _grow(world, 4)
    rows = Tally.objects.filter(programme=world["programme"], dimension="all")
    assert {(r.municipality_id, r.key, r.persons) for r in rows} == {
        (world["own"].pk, "participants", 2),
        (world["other"].pk, "participants", 2),
    }
    assert Municipality.objects.count() > 2


def test_imports_and_a_reimport_with_new_hours_keep_the_rollups(world):
    programme = world["programme"]
    import_sessions(programme=programme, filename="s.csv", content=SESSIONS.encode())
    import_attendance(programme=programme, filename="a.csv", content=ATTENDANCE.encode())
    assert rollups.verify(programme) == []
    assert figures(Scope(programme)).attended_hours == 6 + 4
    longer = SESSIONS.replace("2017-03-02 15:00,6,", "2017-03-02 17:00,8,")
    import_sessions(programme=programme, filename="s.csv", content=longer.encode())
    assert rollups.verify(programme) == []
    assert figures(Scope(programme)).attended_hours == 8 + 4


@pytest.mark.parametrize("one_pass", [False, True])
def test_a_large_import_recounts_in_one_pass_the_same(world, monkeypatch, one_pass):
    """Beyond `ONE_PASS` persons a refresh reads the programme once instead of in batches;
    both ways give the rollups the registrations give, and leave the others alone."""
    programme = world["programme"]
    _grow(world, 3)  # people the import does not name
    import_sessions(programme=programme, filename="s.csv", content=SESSIONS.encode())
    if one_pass:
        monkeypatch.setattr(rollups, "ONE_PASS", 1)
    import_attendance(programme=programme, filename="a.csv", content=ATTENDANCE.encode())
    assert rollups.verify(programme) == []
    assert figures(Scope(programme)) == reference_figures(Scope(programme))
    assert figures(Scope(programme)).participants == 3 + 2


def test_a_programme_without_built_rollups_reads_the_registrations(world):
    programme = world["programme"]
    _grow(world, 4)
    ProgrammeRollup.objects.filter(programme=programme).delete()
    assert figures(Scope(programme)) == reference_figures(Scope(programme))
    assert figures(Scope(programme)).participants == 4
    differences = rollups.verify(programme)
    assert [d.table for d in differences] == ["programme"]
