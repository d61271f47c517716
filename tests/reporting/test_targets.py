"""Targets per municipality, staff category and gender against what was reached."""

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from django.utils import translation

from grannar.people.models import Gender
from grannar.programmes.models import Membership, Municipality, ProgrammeCategory, StaffCategory
from grannar.programmes.services import programme_load
from grannar.reporting.reports import final_report
from tests.factories import make_person
from tests.reporting.builders import attend, held
from tests.reporting.test_dashboard import page
from tests.reporting.test_reports import pdf_text


def target_rows(html: str, key: str) -> list[list[str]]:
    match = re.search(rf'data-targets="{key}"(.*?)</table>', html, re.S)
    assert match, key
    body = match.group(1).split("<tbody>")[1]
    return [
        [unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def with_targets(populated):
    """The populated programme (Mölndal 12, Partille 3; socialsekreterare 8, pedagogisk 7;
    women 11, men 3, other 1) with targets set as a programme file would set them."""
    programme = populated["programme"]
    Membership.objects.filter(programme=programme, municipality=populated["own"]).update(target=20)
    Membership.objects.filter(programme=programme, municipality=populated["other"]).update(
        target=10
    )
    for code, target in (("socialsekreterare", 16), ("pedagogisk", 10)):
        ProgrammeCategory.objects.filter(programme=programme, category__code=code).update(
            target=target
        )
    programme.gender_target = {"kvinna": 0.75, "man": 0.25}
    programme.save()
    return populated


def test_admin_sees_each_target_against_what_was_reached(with_targets, client):
    html = page(client, with_targets["users"]["admin"], with_targets["programme"].code)
    assert target_rows(html, "by_municipality") == [
        ["Mölndal", "20", "12", "60,0\xa0%"],
        ["Partille", "10", "3", "30,0\xa0%"],
    ]
    assert sorted(target_rows(html, "by_staff_category")) == [
        ["Pedagogisk personal", "10", "7", "70,0\xa0%"],
        ["Socialsekreterare", "16", "8", "50,0\xa0%"],
    ]
    assert target_rows(html, "by_gender") == [
        ["Kvinna", "75,0\xa0%", "11", "73,3\xa0%"],
        ["Man", "25,0\xa0%", "3", "20,0\xa0%"],
    ]


def test_suppressed_dashboards_hide_small_reached_cells_and_their_shares(with_targets, client):
    for role, section in (("evaluator", 0), ("coordinator", 1)):
        html = page(client, with_targets["users"][role], with_targets["programme"].code)
        whole = re.split(r'<section aria-labelledby="section-\d+"', html)[1:][section]
        assert target_rows(whole, "by_municipality") == [
            ["Mölndal", "20", "..", "–"],
            ["Partille", "10", "<5", "–"],
        ]
        assert target_rows(whole, "by_gender")[1] == ["Man", "25,0\xa0%", "<5", "–"]


def test_a_municipality_section_shows_no_programme_targets(with_targets, client):
    html = page(
        client,
        with_targets["users"]["coordinator"],
        with_targets["programme"].code,
        municipality=with_targets["own"].pk,
    )
    assert "data-targets" not in html


def test_without_targets_no_target_tables(populated, client):
    programme = populated["programme"]
    programme.gender_target = {}
    programme.target_pilot_workshops = programme.target_routines_adopted = None
    programme.target_plan_coverage = None
    programme.save()
    html = page(client, populated["users"]["admin"], programme.code)
    assert "data-targets" not in html


def test_a_programme_file_with_targets_reaches_the_final_report(db, no_scope):
    text = Path(__file__).with_name("other-programme.toml").read_text(encoding="utf-8")
    text = text.replace(
        'code = "9901"\nparticipates = true', 'code = "9901"\nparticipates = true\ntarget = 10'
    )
    text = text.replace(
        'code = "9902"\nparticipates = true', 'code = "9902"\nparticipates = true\ntarget = 4'
    )
    text = text.replace("hourly_rate_sek = 550", "hourly_rate_sek = 550\ntarget = 2")
    text += "\n[targets]\ngender = { kvinna = 0.5, man = 0.5 }\n"
    programme = programme_load(text=text).programme
    north, south = Municipality.objects.get(code="9901"), Municipality.objects.get(code="9902")
    nurse = StaffCategory.objects.get(code="sjukskoterska")
    guide = StaffCategory.objects.get(code="vagledare")
    session = held(programme, on=dt.date(2025, 5, 5), credited="4")
    for municipality, category, gender in [
        (north, nurse, Gender.WOMAN),
        (north, guide, Gender.MAN),
        (south, guide, Gender.WOMAN),
    ]:
        attend(
            make_person(municipality=municipality, staff_category=category, gender=gender),
            session,
        )
    with translation.override("en"):
        document = final_report(programme)
        tables = {b["caption"]: b for b in document.blocks if b["type"] == "table"}
        html = document.as_html()
        pdf = pdf_text(document.as_pdf())
    assert tables["Target per municipality"]["columns"] == [
        "Municipality",
        "Target",
        "Reached",
        "Share of target",
    ]
    assert tables["Target per municipality"]["rows"] == [
        ["Norrby", "10", "2", "20.0\xa0%"],
        ["Söderby", "4", "1", "25.0\xa0%"],
    ]
    assert tables["Target per staff category"]["rows"] == [["Sjuksköterska", "2", "1", "50.0\xa0%"]]
    assert tables["Planned gender split"]["rows"] == [
        ["Woman", "50.0\xa0%", "2", "66.7\xa0%"],
        ["Man", "50.0\xa0%", "1", "33.3\xa0%"],
    ]
    assert "Target per staff category" in html
    assert "Target per staff category" in pdf
    assert "Söderby 4 1 25.0 %" in pdf
