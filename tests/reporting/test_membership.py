"""A municipality's leaving date in the figures, the ESF exports and the reports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from grannar.people.models import Gender
from grannar.programmes.models import Membership, ProgrammeCategory, StaffCategory
from grannar.programmes.signals import membership_changed
from grannar.reporting.counting import figures
from grannar.reporting.reports import final_report
from grannar.reporting.selectors import sessions_held
from grannar.training.facts import Scope, person_facts
from tests.factories import make_person
from tests.reporting.builders import attend, held
from tests.reporting.test_esf import download
from tests.reporting.test_reports import pdf_text

LEFT = dt.date(2024, 6, 30)


@pytest.fixture
def leaver(world, no_scope):
    """Partille (other) leaves the programme on 2024-06-30; hand-counted:

    P1 Partille, socialsekreterare (400 kr/h), woman: 2.5 h recorded (→ 2) on 2024-05-06
       (sub-goal 1), 3 h on the leaving day itself (sub-goal 2), 6 h on 2024-09-02 (sub-goal 3,
       after leaving: does not count) → 5 h, 2 000 kr, entry 2024-05-06, exit 2024-06-30.
    P2 Partille, other category (300 kr/h), man: only sessions after leaving → not counted.
    M1 Mölndal (own), other category, woman: 6 h on 2024-09-02 → 6 h, 1 800 kr.
    """
    programme = world["programme"]
    Membership.objects.filter(programme=programme, municipality=world["other"]).update(
        left=LEFT, left_early=True
    )
    social = StaffCategory.objects.get(code="socialsekreterare")
    other = StaffCategory.objects.get(code="pedagogisk")
    ProgrammeCategory.objects.filter(programme=programme, category=social).update(
        hourly_rate_sek=Decimal(400)
    )
    before = held(programme, on=dt.date(2024, 5, 6), subgoals=[1], credited="3")
    on_the_day = held(programme, on=LEFT, subgoals=[2], credited="3")
    after = held(programme, on=dt.date(2024, 9, 2), subgoals=[3], credited="6")
    only_leavers = held(programme, on=dt.date(2024, 10, 1), subgoals=[1], credited="3")
    people = {
        "P1": make_person(municipality=world["other"], staff_category=social, gender=Gender.WOMAN),
        "P2": make_person(municipality=world["other"], staff_category=other, gender=Gender.MAN),
        "M1": make_person(municipality=world["own"], staff_category=other, gender=Gender.WOMAN),
    }
    attend(people["P1"], before, hours="2.5")
    attend(people["P1"], on_the_day)
    attend(people["P1"], after)
    attend(people["P2"], after)
    attend(people["P2"], only_leavers)
    attend(people["M1"], after)
    sessions = {"before": before, "on_the_day": on_the_day, "after": after, "only": only_leavers}
    return {**world, "people": people, "sessions": sessions}


def test_figures_count_only_what_happened_while_a_member(leaver):
    result = figures(Scope(programme=leaver["programme"]))
    assert result.participants == 2
    assert result.attended_hours == 5 + 6
    assert result.cofinancing_sek == Decimal(5 * 400 + 6 * 300)
    assert result.sessions_held == 3
    assert result.by_municipality == {"1402": 1, "1481": 1}
    assert result.by_gender == {"kvinna": 2}
    assert result.by_staff_category == {"pedagogisk": 1, "socialsekreterare": 1}
    assert result.by_subgoal == {"1": 1, "2": 1, "3": 1}
    assert result.reached_by_month == {"2024-05": 1, "2024-09": 1}


def test_without_a_leaving_date_everything_counts(leaver):
    """The control: the same data counts in full when no leaving date is recorded."""
    Membership.objects.filter(municipality=leaver["other"]).update(left=None)
    # As a programme file loaded through programme_load tells the rollups.
    membership_changed.send(
        sender=Membership, programme=leaver["programme"], municipality_ids=[leaver["other"].pk]
    )
    result = figures(Scope(programme=leaver["programme"]))
    assert result.participants == 3
    assert result.attended_hours == 5 + 6 + 6 + 6 + 3
    assert result.sessions_held == 4


def test_the_leaving_municipality_alone(leaver):
    part = figures(Scope(programme=leaver["programme"], municipality_id=leaver["other"].pk))
    assert (part.participants, part.attended_hours, part.sessions_held) == (1, 5, 2)
    facts = {f.person_id: f for f in person_facts(Scope(programme=leaver["programme"]))}
    first = facts[leaver["people"]["P1"].pk]
    assert (first.entry, first.exit) == (dt.date(2024, 5, 6), LEFT)
    assert leaver["people"]["P2"].pk not in facts


def test_sessions_held_list_agrees_with_the_figures(leaver):
    rows = {s.pk: s.attended for s in sessions_held(Scope(programme=leaver["programme"]))}
    sessions = leaver["sessions"]
    assert rows == {sessions["before"].pk: 1, sessions["on_the_day"].pk: 1, sessions["after"].pk: 1}


def test_esf_exports_agree_with_the_figures(leaver, client):
    admin, code = leaver["users"]["admin"], leaver["programme"].code
    book = download(client, admin, code, "participants")
    rows = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    # P1 and M1, by municipality code with entry and exit dates; P2 is not a participant.
    assert sorted((row[7], row[-2].date(), row[-1].date()) for row in rows) == [
        ("1402", dt.date(2024, 5, 6), LEFT),
        ("1481", dt.date(2024, 9, 2), dt.date(2024, 9, 2)),
    ]
    attendance = list(download(client, admin, code, "attendance").worksheets[1].values)
    months = sorted((row[0], row[8]) for row in attendance[1:] if row[3] == "1402")
    assert months == [("2024-05", 2), ("2024-06", 3)]
    total = list(download(client, admin, code, "cofinancing").worksheets[1].values)[-1]
    assert total[5] == 11
    assert Decimal(str(total[7])) == Decimal(3800)


def test_the_final_report_names_the_municipality_and_its_leaving_date(leaver):
    with translation.override("sv"):
        document = final_report(leaver["programme"])
        html = document.as_html()
        pdf = " ".join(pdf_text(document.as_pdf()).split())
    note = "Partille lämnade projektet den 2024-06-30"
    assert note in html
    assert note in pdf
    texts = [b["text"] for b in document.blocks if b["type"] == "text"]
    assert sum(note in text for text in texts) == 2  # the list and Partille's own page
    assert "Öckerö lämnade projektet i förtid; datumet finns inte registrerat." in texts


def test_the_dashboard_names_the_municipality_and_its_leaving_date(leaver, client):
    from tests.reporting.test_dashboard import page

    for role in ("admin", "coordinator", "evaluator"):
        html = page(client, leaver["users"][role], leaver["programme"].code)
        assert "Kommuner som lämnat projektet" in html
        assert "Partille lämnade projektet den 2024-06-30" in html
