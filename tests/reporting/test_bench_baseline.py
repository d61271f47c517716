"""The baselines of `bench/dashboard_scale.py` (one tight SQL query per dialect, and the same
query in DuckDB) give exactly the figures `figures()` gives, on this test run's database, so
that the benchmark compares like with like and cannot drift from the counting rules."""

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from grannar.demo import demo_load
from grannar.people.models import Gender, Person
from grannar.reporting.counting import figures
from grannar.training import rollups
from grannar.training.facts import Scope
from grannar.training.models import Attendance, Registration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dashboard_scale.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("dashboard_scale", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def every_way(bench, programme) -> tuple[dict, dict, dict]:
    ours = bench.ours(figures(Scope(programme=programme)))
    return (
        ours,
        bench.tight_figures(connection, programme),
        bench.duckdb_figures(bench.duckdb_load(connection), programme),
    )


def test_tight_sql_and_duckdb_give_the_figures_of_the_national_demo(bench):
    programme = demo_load(scale="national", persons=200).programme
    ours, tight, duck = every_way(bench, programme)
    assert ours["participants"] > 0
    assert ours["sessions_held"] > 0
    assert bench.differences(ours, tight) == []
    assert bench.differences(ours, duck) == []


def test_the_baselines_follow_every_counting_rule(bench):
    """Leaving dates, handover to the catalogue, partial and missing attendance hours,
    support resources, unknown birth years and genders, the programme's and a category's
    hourly rates: the region demo has them all, and a few more are set here."""
    programme = demo_load(scale="small").programme
    before = bench.ours(figures(Scope(programme=programme)))
    attended = Registration.objects.filter(
        session__course__programme=programme, status=Registration.Status.ATTENDED
    ).order_by("session__starts", "id")
    # A municipality with participants leaves halfway, a course is handed over, some hours
    # are half and some missing, someone's gender is not one of the reported ones.
    candidates = [
        r
        for r in attended.filter(session__course__handed_over_on__isnull=True)
        if programme.memberships.get(municipality=r.person.municipality).left is None
    ]
    middle = candidates[len(candidates) // 2]
    day = middle.session.starts.date()
    membership = programme.memberships.get(municipality=middle.person.municipality)
    membership.left = day
    membership.save(update_fields=["left"])
    course = middle.session.course
    course.handed_over_on = day - dt.timedelta(days=1)
    course.save(update_fields=["handed_over_on"])
    Attendance.objects.filter(registration__in=attended[:5].values("id")).update(
        hours=Decimal("1.75")
    )
    Attendance.objects.filter(registration__in=attended[5:10].values("id")).delete()
    Person.objects.filter(pk__in=attended[10:12].values("person_id")).update(gender="")
    Person.objects.filter(pk__in=attended[12:14].values("person_id")).update(
        gender=Gender.OTHER, birth_year=None
    )

    # Written past the services above: recount the figures as `grannar rollups rebuild` does.
    rollups.rebuild(programme)

    # Each rule leaves out registrations that would otherwise count.
    assert attended.filter(
        session__course=course, session__starts__date__gt=course.handed_over_on
    ).exists()
    assert attended.filter(
        person__municipality=membership.municipality, session__starts__date__gt=day
    ).exists()

    ours, tight, duck = every_way(bench, programme)
    assert ours["attended_hours"] < before["attended_hours"]
    assert ours["sessions_held"] < before["sessions_held"]
    assert ours["support_resources"] > 0
    assert ours["by_age_band"].get("okand")
    assert ours["cofinancing_sek"] > 0
    assert bench.differences(ours, tight) == []
    assert bench.differences(ours, duck) == []


def test_a_figure_that_differs_is_named(bench):
    ours = {"participants": 3, "by_gender": {"kvinna": 2, "man": 1}}
    assert bench.differences(ours, {"participants": 3, "by_gender": {"kvinna": 3}}) == ["by_gender"]
    assert bench.differences(ours, dict(ours)) == []
