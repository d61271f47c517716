"""The counting rules, each with a small hand-computed case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grannar.core.rules import age_band, gender_key, identity, whole_hours
from grannar.people.models import Gender
from grannar.people.services import person_update
from grannar.programmes.models import ProgrammeCategory, StaffCategory
from grannar.reporting.counting import figures, reference_figures
from grannar.training.facts import Scope, person_facts
from grannar.training.models import Registration
from tests.factories import make_person
from tests.reporting.builders import attend, held

Status = Registration.Status


@pytest.mark.parametrize(
    ("attended", "credited", "expected"),
    [("2.99", "3", 2), (None, "3.5", 3), ("0.5", "3", 0), ("4", "4", 4), (None, "1", 1)],
)
def test_whole_hours_round_down_and_fall_back_to_credited(attended, credited, expected):
    value = Decimal(attended) if attended else None
    assert whole_hours(value, Decimal(credited)) == expected


@pytest.mark.parametrize(
    ("birth_year", "first_year", "band"),
    [(2000, 2024, "<25"), (1999, 2024, "25-54"), (1970, 2024, "25-54"), (1969, 2024, ">54")],
)
def test_age_band_edges(birth_year, first_year, band):
    assert age_band(birth_year=birth_year, first_year=first_year) == band


def test_age_band_without_birth_year_is_unknown():
    assert age_band(birth_year=None, first_year=2024) == "okand"


def test_gender_not_given_is_unknown():
    assert gender_key("") == "okand"
    assert gender_key(None) == "okand"
    assert gender_key("annat") == "annat"


def test_identity_is_trimmed_and_case_insensitive():
    assert identity("  Anna.Berg@Kommun.SE ") == identity("anna.berg@kommun.se")


@pytest.fixture
def case(world, no_scope):
    """Six people, hand-counted:

    A  socialsekreterare (rate 400), Mölndal, woman, born 2000: 2.5 h recorded (→2) in 2024
       on sub-goals 1+2, and a whole 3 h session in 2025 on sub-goal 1 → 5 h, 2 000 kr, age <25
       (24 in 2024, although 25 in 2025).
    B  other category (default rate 300), Partille, man, no birth year: one 3 h session in 2025,
       plus a no-show and a cancellation that do not count → 3 h, 900 kr.
    C  support resource: attended, counted apart, no hours or co-financing.
    D  only a no-show: not a participant.
    E  attended only in the regular catalogue (no programme): not a participant.
    """
    programme = world["programme"]
    social = StaffCategory.objects.get(code="socialsekreterare")
    other = ProgrammeCategory.objects.filter(programme=programme).exclude(category=social)
    other = other.first().category
    ProgrammeCategory.objects.filter(programme=programme, category=social).update(
        hourly_rate_sek=Decimal(400)
    )
    people = {
        "A": make_person(
            municipality=world["own"], staff_category=social, birth_year=2000, gender=Gender.WOMAN
        ),
        "B": make_person(
            municipality=world["other"], staff_category=other, birth_year=None, gender=Gender.MAN
        ),
        "C": make_person(municipality=world["own"], support_resource=True),
        "D": make_person(municipality=world["own"]),
        "E": make_person(municipality=world["own"]),
    }
    s2024 = held(programme, on=dt.date(2024, 5, 6), subgoals=[1, 2], credited="3")
    s2025 = held(programme, on=dt.date(2025, 2, 3), subgoals=[1], credited="3")
    s_noshow = held(programme, on=dt.date(2025, 3, 3))
    s_regular = held(None, on=dt.date(2025, 3, 4))
    attend(people["A"], s2024, hours="2.5")
    attend(people["A"], s2025)
    attend(people["B"], s2025)
    attend(people["B"], s_noshow, status=Status.NO_SHOW)
    attend(people["B"], s2024, status=Status.CANCELLED)
    attend(people["C"], s2025)
    attend(people["D"], s_noshow, status=Status.NO_SHOW)
    attend(people["E"], s_regular)
    return {"programme": programme, "people": people, "world": world, "social": social}


def test_figures_by_hand(case):
    result = figures(Scope(programme=case["programme"]))
    assert result.participants == 2
    assert result.support_resources == 1
    assert result.sessions_held == 2
    assert result.attended_hours == 5 + 3
    assert result.cofinancing_sek == Decimal(5 * 400 + 3 * 300)
    assert result.by_municipality == {"1402": 1, "1481": 1}
    assert result.by_gender == {"kvinna": 1, "man": 1}
    assert result.by_age_band == {"<25": 1, "okand": 1}
    assert result.by_subgoal == {"1": 2, "2": 1}
    assert result.reached_by_month == {"2024-05": 1, "2025-02": 1}
    assert result.attainment == round(2 / case["programme"].target_participants, 3)


def test_summary_keys_are_those_of_the_design(case):
    summary = figures(Scope(programme=case["programme"])).as_summary()
    assert list(summary) == [
        "programme",
        "target_participants",
        "participants",
        "attainment",
        "support_resources",
        "sessions_held",
        "attended_hours",
        "cofinancing_sek",
        "by_municipality",
        "by_staff_category",
        "by_gender",
        "by_age_band",
        "by_subgoal",
    ]
    assert summary["cofinancing_sek"] == 2900
    assert isinstance(summary["cofinancing_sek"], int)


def test_current_record_counts(case):
    """A person who moved is counted where they are now, in their current category."""
    person_update(person=case["people"]["A"], by=None, municipality=case["world"]["other"])
    scope = Scope(programme=case["programme"])
    result = figures(scope)
    assert result.by_municipality == {"1402": 2}
    assert result == reference_figures(scope)


def test_period_keeps_the_age_band_of_the_first_session(case):
    result = figures(
        Scope(programme=case["programme"], start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    )
    assert result.participants == 2
    assert result.attended_hours == 3 + 3  # A's 2024 hours are outside the period
    assert result.by_age_band == {"<25": 1, "okand": 1}  # A was 24 at her first session
    assert result.sessions_held == 1
    assert result.reached_by_month == {"2025-02": 2}


def test_period_with_nothing_in_it(case):
    result = figures(
        Scope(programme=case["programme"], start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    )
    assert (result.participants, result.attended_hours, result.sessions_held) == (0, 0, 0)
    assert result.by_municipality == {}


def test_municipality_scope(case):
    result = figures(Scope(programme=case["programme"], municipality_id=case["world"]["own"].pk))
    assert result.participants == 1
    assert result.support_resources == 1
    assert result.by_municipality == {"1481": 1}
    assert result.cofinancing_sek == Decimal(2000)


def test_entry_and_exit_dates(case):
    facts = {f.person_id: f for f in person_facts(Scope(programme=case["programme"]))}
    a = facts[case["people"]["A"].pk]
    assert (a.entry, a.exit) == (dt.date(2024, 5, 6), dt.date(2025, 2, 3))
    assert a.hours == 5
    assert case["people"]["D"].pk not in facts
    assert case["people"]["E"].pk not in facts


def test_programme_default_rate_when_category_sets_none(case):
    ProgrammeCategory.objects.filter(programme=case["programme"]).update(hourly_rate_sek=None)
    programme = case["programme"]
    programme.default_hourly_rate_sek = Decimal("250.50")
    programme.save()
    result = figures(Scope(programme=programme))
    assert result.cofinancing_sek == Decimal("250.50") * 8
    assert figures(Scope(programme=programme)).as_summary()["cofinancing_sek"] == 2004.0


def test_figures_use_a_fixed_number_of_queries(case, world):
    programme = case["programme"]
    with CaptureQueriesContext(connection) as few:
        figures(Scope(programme=programme))
    session = held(programme, on=dt.date(2025, 4, 1), subgoals=[2, 3])
    for _ in range(25):
        attend(make_person(municipality=world["own"]), session, hours="1.5")
    with CaptureQueriesContext(connection) as many:
        result = figures(Scope(programme=programme))
    assert result.participants == 27
    assert len(many) == len(few)
