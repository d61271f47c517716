"""The collaboration figures on the dashboard and in the XLSX and PDF summaries: the same
numbers as the JSON summary, suppressed where they count people, and the overdue follow-ups."""

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grannar.collaboration.models import CompetencePlan, Outcome, Routine
from grannar.core.suppression import PRIMARY
from grannar.people.models import Person
from grannar.programmes.models import StaffCategory
from grannar.reporting.counting import collaboration_figures
from grannar.reporting.reports import (
    _percent,
    collaboration_rows,
    display,
    summary_document,
    summary_xlsx,
)
from grannar.training.facts import Scope
from grannar.training.models import Course
from tests.collaboration.figure_data import engage, meeting, outcome, plan, routine, workshop
from tests.factories import make_person, sign_in
from tests.pdf_checks import overlapping_words
from tests.reporting.builders import attend, held
from tests.reporting.test_reports import number, pdf_text

Status = Routine.Status
END, FOLLOW_UP = Outcome.Moment.PROGRAMME_END, Outcome.Moment.FOLLOW_UP

# Hand-counted from the fixture below (as of today).
EXPECTED = {
    "pilot_workshops": 2,
    "full_sector_coverage": 1,
    "routines": {"draft": 1, "testing": 1, "adopted": 2, "followed_up": 1, "retired": 1},
    "follow_ups_due": 1,
    "routines_in_use_at_follow_up": 1,
    "support_resources_engaged": 3,
    "support_resource_hours": 5,
    "support_resource_outcomes": {"work": 1, "studies": 1, "unknown": 1},
    "plan_coverage": 0.125,
    "handed_over_courses": 1,
    "sessions_after_handover": 1,
    "mixed_sector_sessions": 1,
}


@pytest.fixture
def together(populated):
    """On top of the fifteen participants (twelve in Mölndal, three in Partille) and one
    support resource (Mölndal, at the first session):

    Workshops: Mölndal with school, social services and housing (full coverage), Partille with
    school twice (one sector). Routines: Mölndal adopted with its follow-up overdue, followed up
    and in use, a draft; Partille testing, retired, adopted with its follow-up years away.
    Support resources (all Mölndal): the one who attended (no engagement), one at a meeting for
    2.5 h (2), one co-training 3 h (3): three engaged, five hours; latest outcomes work (after
    job seeking), studies, unknown. Plans: two adopted or followed up, one draft, of sixteen
    workplaces with participants (a housing participant added): 0.125. A handed-over course
    that ran once afterwards. The last session brings social services, school and housing
    together: one mixed session."""
    programme = populated["programme"]
    programme.target_pilot_workshops = 4
    programme.target_routines_adopted = 6
    programme.target_plan_coverage = Decimal("0.5")
    programme.save()
    own, other = populated["own"], populated["other"]
    people, sessions = populated["people"], populated["sessions"]
    housing = StaffCategory.objects.filter(sector__code="boende").first()
    attend(make_person(municipality=own, staff_category=housing), sessions[2])

    home = workshop(programme, own, sectors=["skola", "socialtjanst", "boende"])
    away = workshop(programme, other, sectors=["skola", "skola"])
    overdue = routine(
        home, Status.ADOPTED, adopted_on=dt.date(2024, 3, 1), follow_up_due=dt.date(2024, 9, 1)
    )
    routine(
        home,
        Status.FOLLOWED_UP,
        adopted_on=dt.date(2024, 2, 1),
        follow_up_due=dt.date(2024, 8, 1),
        followed_up_on=dt.date(2024, 8, 20),
        in_use=Routine.InUse.YES,
    )
    routine(home)
    routine(away, Status.TESTING, testing_from=dt.date(2024, 2, 1))
    routine(away, Status.RETIRED, retired_on=dt.date(2024, 5, 1))
    later = routine(
        away, Status.ADOPTED, adopted_on=dt.date(2024, 4, 1), follow_up_due=dt.date(2099, 1, 1)
    )

    first = Person.objects.with_scopes_disabled().get(support_resource=True)
    second = make_person(municipality=own, support_resource=True)
    third = make_person(municipality=own, support_resource=True)
    engage(second, hours="2.5", meeting=meeting(home, dt.date(2024, 4, 2)))
    engage(third, hours="3", session=sessions[1])
    outcome(first, programme, END, Outcome.Result.JOB_SEEKING, dt.date(2025, 1, 10))
    outcome(first, programme, FOLLOW_UP, Outcome.Result.WORK, dt.date(2025, 6, 10))
    outcome(second, programme, END, Outcome.Result.STUDIES, dt.date(2025, 1, 10))
    outcome(third, programme, END, Outcome.Result.UNKNOWN, dt.date(2025, 1, 10))

    plan(programme, people[0].workplace, CompetencePlan.Status.ADOPTED, dt.date(2024, 6, 1))
    plan(programme, people[12].workplace, CompetencePlan.Status.FOLLOWED_UP, dt.date(2024, 6, 1))
    plan(programme, people[1].workplace, CompetencePlan.Status.DRAFT)

    after = held(programme, on=dt.date(2025, 3, 3))
    Course.objects.filter(pk=after.course_id).update(
        handed_over_on=dt.date(2025, 1, 1), receiving_organiser="Regionens kurskatalog"
    )
    return {**populated, "overdue": overdue, "later": later, "home": home}


def summary_json(code: str, capsysbinary) -> dict:
    call_command("report", "summary", "--programme", code, "--format", "json")
    return json.loads(capsysbinary.readouterr().out)["collaboration"]


def page(client, user, code, **params) -> str:
    sign_in(client, user)
    response = client.get(f"/reporting/{code}/", params)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, index: int) -> str:
    return re.split(r'<section aria-labelledby="section-\d+"', html)[1:][index].split(
        '<div class="collaboration"'
    )[1]


def shown(html: str, *, index: int = 0) -> dict[str, str]:
    """The collaboration panel of a section: "figure" or "table.code" → the text shown."""
    part = section(html, index)
    found = {
        key: unescape(value) for key, value in re.findall(r'data-figure="(\w+)">([^<]*)<', part)
    }
    for key, body in re.findall(r'data-collaboration="(\w+)"(.*?)</table>', part, re.S):
        for code, value in re.findall(r'data-code="(\w+)">([^<]*)</td>', body):
            found[f"{key}.{code}"] = unescape(value)
        total = re.search(r"<tfoot>.*?<td[^>]*>([^<]*)</td>", body, re.S)
        if total:
            found[f"{key}.total"] = unescape(total.group(1))
    return found


def flat(summary: dict) -> dict[str, float | int]:
    """The JSON collaboration object with its nested counts as "routines.adopted" and so on."""
    values = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            values.update({f"{key}.{code}": count for code, count in value.items()})
        else:
            values[key] = value
    return values


# The dashboard's place for each figure of the JSON summary.
ON_DASHBOARD = {
    "pilot_workshops": "pilot_workshops.total",
    "full_sector_coverage": "pilot_workshops.full",
    "follow_ups_due": "follow_ups_due",
    "routines_in_use_at_follow_up": "routines_in_use_at_follow_up",
    "support_resources_engaged": "support_resources_engaged",
    "support_resource_hours": "support_resource_hours",
    "plan_coverage": "plan_coverage",
    "handed_over_courses": "handover.handed_over_courses",
    "sessions_after_handover": "handover.sessions_after_handover",
    "mixed_sector_sessions": "mixed_sector_sessions.mixed",
}


def test_json_xlsx_pdf_and_dashboard_agree(together, capsysbinary, client):
    programme = together["programme"]
    summary = summary_json(programme.code, capsysbinary)
    assert summary == EXPECTED
    expected = flat(summary)
    rows = collaboration_rows(collaboration_figures(Scope(programme=programme)))
    # Every figure of the JSON summary is listed, every routine status even at zero.
    assert {key for key, _label, _value in rows} == set(expected)

    book = load_workbook(io.BytesIO(summary_xlsx(programme, made_by="Test")))
    sheet = {row[0]: row[1] for row in book["Samverkan"].iter_rows(min_row=2, values_only=True)}
    assert len(sheet) == len(rows)
    text = pdf_text(summary_document(programme).as_pdf())
    assert "Samverkan och bestående förändring" in text
    for key, label, _value in rows:
        assert sheet[label] == expected[key], key
        value = _percent(expected[key]) if key == "plan_coverage" else display(expected[key])
        assert f"{label} {value}".replace("\xa0", " ") in text, key
    # Names, not codes.
    assert sheet["Rutiner: antagen"] == 2
    assert sheet["Stödresursers utfall: arbete"] == 1
    assert "followed_up" not in text
    assert "job_seeking" not in text

    html = page(client, together["users"]["admin"], programme.code)
    panel = shown(html)
    for key, place in ON_DASHBOARD.items():
        if key == "plan_coverage":
            assert panel[place] == _percent(expected[key]), key
        else:
            assert number(panel[place]) == expected[key], key
    for key, count in expected.items():
        if key.startswith(("routines.", "support_resource_outcomes.")):
            table = "routines" if key.startswith("routines.") else "support_resource_outcomes"
            assert number(panel[f"{table}.{key.split('.', 1)[1]}"]) == count, key
    assert number(panel["routines.total"]) == sum(EXPECTED["routines"].values())
    assert "Pilotverkstäder efter täckning av sektorer" in html


def test_the_collaboration_targets_against_what_was_reached(together, client):
    programme = together["programme"]
    html = page(client, together["users"]["admin"], programme.code)
    match = re.search(r'data-targets="collaboration"(.*?)</table>', html, re.S)
    rows = [
        [unescape(cell).replace("\xa0", " ") for cell in row]
        for row in re.findall(
            r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>'
            r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>',
            match.group(1),
        )
    ]
    # Adopted routines: the two adopted and the one since followed up.
    assert rows == [
        ["Pilotverkstäder", "4", "2", "50,0 %"],
        ["Antagna rutiner", "6", "3", "50,0 %"],
        ["Planernas täckning", "50,0 %", "12,5 %", "25,0 %"],
    ]
    book = load_workbook(io.BytesIO(summary_xlsx(programme, made_by="Test")))
    targets = list(book["Samverkansmål"].iter_rows(min_row=2, values_only=True))
    assert targets == [
        ("Pilotverkstäder", 4, 2, 0.5),
        ("Antagna rutiner", 6, 3, 0.5),
        ("Planernas täckning", 0.5, 0.125, 0.25),
    ]
    # Targets are set for the programme's whole period: a shorter one shows none.
    html = page(client, together["users"]["admin"], programme.code, start="2024-06-01")
    assert 'data-targets="collaboration"' not in html


def test_admins_see_the_overdue_follow_ups_linking_to_each_routine(together, client):
    code = together["programme"].code
    html = page(client, together["users"]["admin"], code)
    match = re.search(r'<ul class="overdue-routines">(.*?)</ul>', html, re.S)
    links = re.findall(r'href="([^"]+)">([^<]+)</a>', match.group(1))
    overdue = together["overdue"]
    assert links == [(f"/collaboration/routines/{overdue.pk}/", overdue.title)]
    assert "senast 2024-09-01" in match.group(1)
    assert f"/collaboration/routines/{together['later'].pk}/" not in html
    for role in ("auditor", "coordinator", "evaluator"):
        assert "overdue-routines" not in page(client, together["users"][role], code), role


def test_the_overdue_list_follows_the_period_and_the_municipality(together, client):
    admin, code = together["users"]["admin"], together["programme"].code
    # On 2024-08-31 the routine was adopted but not yet due.
    html = page(client, admin, code, end="2024-08-31")
    assert "overdue-routines" not in html
    assert shown(html)["follow_ups_due"] == "0"
    other = page(client, admin, code, municipality=together["other"].pk)
    assert "overdue-routines" not in other
    own = page(client, admin, code, municipality=together["own"].pk)
    assert f"/collaboration/routines/{together['overdue'].pk}/" in own


def test_people_are_suppressed_outside_the_own_municipality(together, client):
    html = page(client, together["users"]["coordinator"], together["programme"].code)
    own, whole = shown(html, index=0), shown(html, index=1)
    # Mölndal, the coordinator's own: in full, without the programme's handover.
    assert own["support_resources_engaged"] == "3"
    assert own["support_resource_hours"] == "5"
    assert own["support_resource_outcomes.work"] == "1"
    assert own["pilot_workshops.total"] == "1"
    assert own["routines.draft"] == "1"
    assert own["routines.testing"] == "0"
    assert not any(key.startswith("handover.") for key in own)
    # The whole programme: three support resources are a small group; workshops, routines,
    # plans and sessions are not people and are shown.
    assert whole["support_resources_engaged"] == PRIMARY
    assert whole["support_resource_hours"] == "–"
    assert not any(key.startswith("support_resource_outcomes.") for key in whole)
    assert "För få stödresurser" in section(html, 1)
    assert whole["routines.adopted"] == "2"
    assert whole["plans.with_plan"] == "2"
    assert whole["handover.handed_over_courses"] == "1"
    evaluator = shown(page(client, together["users"]["evaluator"], together["programme"].code))
    assert evaluator == whole


def test_support_resources_show_once_there_are_enough(together, client):
    programme = together["programme"]
    own = together["own"]
    for result in [Outcome.Result.WORK] * 3 + [Outcome.Result.STUDIES] * 4:
        person = make_person(municipality=own, support_resource=True)
        engage(person, hours="1", meeting=meeting(together["home"], dt.date(2024, 5, 6)))
        outcome(person, programme, END, result, dt.date(2025, 1, 10))
    whole = shown(page(client, together["users"]["evaluator"], programme.code))
    assert whole["support_resources_engaged"] == "10"
    assert whole["support_resource_hours"] == "12"
    # Work 4 and studies 5 of ten: the work cell is small, the unknown one too.
    assert whole["support_resource_outcomes.studies"] == "5"
    assert whole["support_resource_outcomes.work"] == PRIMARY
    assert whole["support_resource_outcomes.unknown"] == PRIMARY


def test_the_panel_keeps_a_fixed_number_of_queries(together, client):
    admin, code = together["users"]["admin"], together["programme"].code
    page(client, admin, code)
    with CaptureQueriesContext(connection) as few:
        page(client, admin, code)
    for i in range(6):
        routine(
            together["home"],
            Status.ADOPTED,
            adopted_on=dt.date(2024, 1, 10),
            follow_up_due=dt.date(2024, 7, 10 + i),
        )
        person = make_person(municipality=together["own"], support_resource=True)
        engage(person, hours="2", meeting=meeting(together["home"], dt.date(2024, 6, 1 + i)))
    with CaptureQueriesContext(connection) as many:
        html = page(client, admin, code)
    assert shown(html)["follow_ups_due"] == "7"
    assert html.count('href="/collaboration/routines/') == 7
    assert len(many) == len(few)


def test_the_summary_pdf_has_no_overlapping_words(together):
    assert overlapping_words(summary_document(together["programme"]).as_pdf()) == []
