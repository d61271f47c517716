"""The dashboard: who sees what, filters, suppression, and a fixed number of queries."""

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from grannar.core.suppression import PRIMARY, SECONDARY, THRESHOLD, feasible_values, suppress
from grannar.programmes.models import Membership
from grannar.reporting.counting import Figures
from grannar.reporting.reports import breakdowns, reached_points
from grannar.reporting.selectors import Labels
from tests.factories import make_person, sign_in
from tests.reporting.builders import attend


def page(client, user, code, **params) -> str:
    sign_in(client, user)
    response = client.get(f"/reporting/{code}/", params)
    assert response.status_code == 200
    return response.content.decode()


def cells(html: str, breakdown: str, *, section: int = 0) -> dict[str, str]:
    sections = re.split(r'<section aria-labelledby="section-\d+"', html)[1:]
    match = re.search(rf'data-breakdown="{breakdown}"(.*?)</table>', sections[section], re.S)
    return {
        unescape(code): unescape(value)
        for code, value in re.findall(r'data-code="([^"]*)">([^<]*)</td>', match.group(1))
    }


def test_admin_sees_every_figure(populated, client):
    html = page(client, populated["users"]["admin"], populated["programme"].code)
    assert cells(html, "by_municipality") == {"1402": "3", "1481": "12"}
    assert "Hela programmet" in html
    assert "ESF-exporter" in html


def test_auditor_sees_every_figure_and_the_exports(populated, client):
    html = page(client, populated["users"]["auditor"], populated["programme"].code)
    assert cells(html, "by_municipality") == {"1402": "3", "1481": "12"}
    assert "ESF-exporter" in html


def test_coordinator_sees_own_municipality_in_full_and_the_rest_suppressed(populated, client):
    html = page(client, populated["users"]["coordinator"], populated["programme"].code)
    assert "Mölndal" in html
    own = cells(html, "by_staff_category", section=0)
    assert own == {"pedagogisk": "4", "socialsekreterare": "8"}  # 4 is shown: it is their own
    everything = cells(html, "by_municipality", section=1)
    assert everything == {"1402": PRIMARY, "1481": ".."}
    assert cells(html, "by_gender", section=1)["annat"] == PRIMARY
    assert "ESF-exporter" not in html
    assert "Test Person" not in html


def test_coordinator_choosing_another_municipality_gets_it_suppressed(populated, client):
    other = populated["other"]
    html = page(
        client,
        populated["users"]["coordinator"],
        populated["programme"].code,
        municipality=other.pk,
    )
    assert html.count('class="dashboard-section"') == 1
    assert "För få deltagare" in html
    assert "<dd>&lt;5</dd>" in html  # three participants: the headline is hidden too


def test_coordinator_choosing_own_municipality_gets_one_full_section(populated, client):
    own = populated["own"]
    html = page(
        client, populated["users"]["coordinator"], populated["programme"].code, municipality=own.pk
    )
    assert html.count('class="dashboard-section"') == 1
    assert cells(html, "by_gender") == {"kvinna": "9", "man": "3"}


def test_evaluator_sees_only_suppressed_aggregates(populated, client):
    html = page(client, populated["users"]["evaluator"], populated["programme"].code)
    assert html.count('class="dashboard-section"') == 1
    assert cells(html, "by_municipality") == {"1402": PRIMARY, "1481": ".."}
    assert "ESF-exporter" not in html


def test_period_filter(populated, client):
    html = page(
        client, populated["users"]["admin"], populated["programme"].code, start="2025-01-01"
    )
    assert cells(html, "by_municipality") == {"1402": "3", "1481": "4"}


def test_a_bad_period_is_explained_and_the_whole_period_shown(populated, client):
    html = page(
        client,
        populated["users"]["admin"],
        populated["programme"].code,
        start="2025-01-01",
        end="2024-01-01",
    )
    assert "Periodens slut får inte ligga före dess början." in html
    assert cells(html, "by_municipality") == {"1402": "3", "1481": "12"}


def test_charts_are_svg_with_a_title_and_no_script(populated, client):
    html = page(client, populated["users"]["admin"], populated["programme"].code)
    # The reached line, six breakdowns and six collaboration figures.
    assert html.count('role="img"') == 13
    assert html.count("<title id=") == 13
    assert "<script" not in html.split("<main", 1)[1]


def test_the_dashboard_issues_a_fixed_number_of_queries(populated, client):
    user = populated["users"]["coordinator"]
    code = populated["programme"].code
    page(client, user, code)
    with CaptureQueriesContext(connection) as few:
        page(client, user, code)
    session = populated["sessions"][1]
    for i in range(30):
        person = make_person(municipality=populated["other" if i % 2 else "own"])
        attend(person, session)
    with CaptureQueriesContext(connection) as many:
        html = page(client, user, code)
    assert cells(html, "by_municipality", section=1)["1402"] == "18"
    assert len(many) == len(few)


# Suppression as the dashboard applies it --------------------------------------------------

LABELS = Labels(municipality={}, staff_category={}, sector={}, subgoal={}, gender={}, age_band={})


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"k{i}" for i in range(8)]),
        st.one_of(st.integers(0, 6), st.integers(0, 60)),
        max_size=8,
    )
)
def test_no_suppressed_cell_can_be_worked_out_from_the_totals(counts):
    """Whatever the counts, a reader who knows the participants total (shown as a key figure),
    the visible cells and the marks can narrow no hidden cell down to one value."""
    total = sum(counts.values())
    result = Figures(programme="p", target_participants=10, participants=total)
    result.by_municipality = counts
    table = next(
        t for t in breakdowns(result, LABELS, suppressed=True) if t.key == "by_municipality"
    )
    if table.withheld:
        assert table.rows == []
        assert 0 < total < 2 * THRESHOLD or suppress(counts).total == SECONDARY
        return
    assert table.total == total
    shown = {code: value for code, _label, value in table.rows}
    for code, value in counts.items():
        if 0 < value < THRESHOLD:
            assert shown[code] == PRIMARY
        elif isinstance(shown[code], int):
            assert shown[code] == value
    hidden = suppress(counts)
    for code in hidden.hidden:
        assert len(feasible_values(hidden, code)) >= 2


@given(st.lists(st.integers(0, 9), max_size=24))
def test_reached_over_time_never_steps_by_fewer_than_five(monthly):
    """Every month is on the axis; a shown month adds nothing or at least five people to the
    shown month before it, and a month in between is hidden; the last month shows everyone."""
    result = Figures(programme="p", target_participants=10)
    labels = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(24)]
    result.reached_by_month = {labels[i]: n for i, n in enumerate(monthly) if n}
    points = reached_points(
        result, suppressed=True, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31)
    )
    total = sum(monthly)
    if 0 < total < THRESHOLD:
        assert points == []
        return
    assert [month for month, _value in points] == labels
    previous = 0
    running = 0
    for (_month, value), new in zip(points, [*monthly, *[0] * 24], strict=False):
        running += new
        if value == SECONDARY:
            assert running - previous > 0
            continue
        assert value == running
        assert value - previous == 0 or value - previous >= THRESHOLD
        previous = value
    assert points[-1][1] == total


def test_reached_over_time_in_full_for_admins_has_every_month():
    result = Figures(programme="p", target_participants=10)
    result.reached_by_month = {"2024-01": 3, "2024-02": 1, "2024-04": 7}
    assert reached_points(result, suppressed=False) == [
        ("2024-01", 3),
        ("2024-02", 4),
        ("2024-03", 4),
        ("2024-04", 11),
    ]
    assert reached_points(
        result, suppressed=False, start=dt.date(2023, 11, 15), end=dt.date(2024, 6, 1)
    ) == [
        ("2023-11", 0),
        ("2023-12", 0),
        ("2024-01", 3),
        ("2024-02", 4),
        ("2024-03", 4),
        ("2024-04", 11),
        ("2024-05", 11),
        ("2024-06", 11),
    ]
    # Suppressed: January and February add fewer than five, so they are held back until April.
    assert reached_points(result, suppressed=True) == [
        ("2024-01", SECONDARY),
        ("2024-02", SECONDARY),
        ("2024-03", SECONDARY),
        ("2024-04", 11),
    ]


def test_reached_over_time_with_nobody_yet_is_a_flat_axis():
    result = Figures(programme="p", target_participants=10)
    for suppressed in (False, True):
        assert reached_points(
            result, suppressed=suppressed, start=dt.date(2024, 11, 1), end=dt.date(2025, 1, 31)
        ) == [("2024-11", 0), ("2024-12", 0), ("2025-01", 0)]
    assert reached_points(result, suppressed=False) == []


def test_suppressed_last_months_join_the_last_step_where_they_happened():
    result = Figures(programme="p", target_participants=10)
    result.reached_by_month = {"2024-03": 6, "2024-09": 6, "2025-02": 3}
    points = dict(
        reached_points(result, suppressed=True, start=dt.date(2024, 1, 1), end=dt.date(2025, 6, 30))
    )
    assert points["2024-02"] == 0
    assert points["2024-03"] == points["2024-08"] == 6
    # September's 6 and February's 3 are one step of 9: no month in between shows 12.
    assert {points[f"2024-{m:02d}"] for m in range(9, 13)} == {SECONDARY}
    assert points["2025-01"] == SECONDARY
    assert points["2025-02"] == points["2025-06"] == 15


# What each section is measured against, and what each figure says it counts ---------------


def section_html(html: str, section: int) -> str:
    return re.split(r'<section aria-labelledby="section-\d+"', html)[1:][section]


def key_grid(html: str, *, section: int = 0) -> dict[str, str]:
    return {
        unescape(label): unescape(value)
        for label, value in re.findall(
            r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", section_html(html, section)
        )
    }


def reached_rows(html: str, *, section: int = 0) -> list[tuple[str, str]]:
    match = re.search(r'data-figure="reached"(.*?)</table>', section_html(html, section), re.S)
    return [
        (month, unescape(value))
        for month, value in re.findall(
            r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', match.group(1)
        )
    ]


def target_line(html: str, *, section: int = 0) -> str | None:
    """The text of the reached chart's target label, or None when it has no target line."""
    match = re.search(r'data-figure="reached"(.*?)</figure>', section_html(html, section), re.S)
    chart = match.group(1)
    if 'class="target"' not in chart:
        assert "target-label" not in chart
        return None
    return unescape(re.search(r'class="target-label"[^>]*>([^<]*)<', chart).group(1))


@pytest.fixture
def targeted(populated):
    """The populated programme with a target of 20 for Mölndal and none for Partille."""
    Membership.objects.filter(
        programme=populated["programme"], municipality=populated["own"]
    ).update(target=20)
    return populated


def test_a_municipality_is_measured_against_its_own_target(targeted, client):
    html = page(client, targeted["users"]["coordinator"], targeted["programme"].code)
    own = key_grid(html, section=0)
    # Mölndal: 12 participants against its own 20.
    assert own["Deltagare"] == "12"
    assert own["Mål"] == "20"
    assert own["Måluppfyllelse"] == "60,0\xa0%"
    assert target_line(html, section=0) == "Mål: 20"
    assert "1\xa0100" not in section_html(html, 0)
    # The whole programme: 15 against the programme's 1 100.
    whole = key_grid(html, section=1)
    assert whole["Deltagare"] == "15"
    assert whole["Mål"] == "1\xa0100"
    assert whole["Måluppfyllelse"] == "1,4\xa0%"
    assert target_line(html, section=1) == "Mål: 1\xa0100"


def test_a_municipality_without_a_target_of_its_own_shows_none_and_says_why(targeted, client):
    html = page(
        client,
        targeted["users"]["admin"],
        targeted["programme"].code,
        municipality=targeted["other"].pk,
    )
    figures_ = key_grid(html)
    assert figures_["Deltagare"] == "3"
    assert "Mål" not in figures_
    assert "Måluppfyllelse" not in figures_
    assert target_line(html) is None
    assert (
        "Partille har inget eget deltagarmål i projektfilen, så inget mål och ingen "
        "måluppfyllelse visas." in html
    )


def test_a_shorter_period_shows_no_target_and_says_why(targeted, client):
    admin, code = targeted["users"]["admin"], targeted["programme"].code
    for params in ({"start": "2016-05-01"}, {"end": "2018-11-30"}):
        html = page(client, admin, code, **params)
        figures_ = key_grid(html)
        assert "Mål" not in figures_
        assert "Måluppfyllelse" not in figures_
        assert target_line(html) is None
        assert "data-targets" not in html
        assert (
            "Målen gäller hela projektperioden (2016-04-01 – 2018-12-31), så en kortare period "
            "visas utan mål och måluppfyllelse." in html
        )
    html = page(client, targeted["users"]["coordinator"], code, start="2024-01-01")
    assert "Mål" not in key_grid(html, section=0)  # the municipality's target is for it all too
    assert target_line(html, section=0) is None


def test_a_period_covering_the_whole_programme_keeps_the_target(targeted, client):
    html = page(
        client,
        targeted["users"]["admin"],
        targeted["programme"].code,
        start="2016-04-01",
        end="2025-12-31",
    )
    assert key_grid(html)["Mål"] == "1\xa0100"
    assert target_line(html) == "Mål: 1\xa0100"
    assert "Målen gäller hela projektperioden" not in html


def test_the_time_axis_has_every_month_of_the_period(populated, client):
    # 2024: six people first came in March, six more in September (the rest in 2025).
    html = page(
        client,
        populated["users"]["admin"],
        populated["programme"].code,
        start="2024-01-01",
        end="2024-12-31",
    )
    assert reached_rows(html) == [
        ("2024-01", "0"),
        ("2024-02", "0"),
        *[(f"2024-{m:02d}", "6") for m in range(3, 9)],
        *[(f"2024-{m:02d}", "12") for m in range(9, 13)],
    ]


def test_the_time_axis_runs_from_the_programme_start_to_the_last_new_participant(populated, client):
    html = page(client, populated["users"]["admin"], populated["programme"].code)
    rows = reached_rows(html)
    # The programme starts in April 2016; the last newcomers came in February 2025.
    assert rows[0] == ("2016-04", "0")
    assert rows[-1] == ("2025-02", "15")
    assert len(rows) == 12 * 8 + 11
    assert dict(rows)["2024-08"] == "6"


def test_the_time_axis_ends_today_while_the_programme_runs(populated, client):
    programme = populated["programme"]
    today = timezone.localdate()
    programme.ends = today + dt.timedelta(days=400)
    programme.save()
    html = page(client, populated["users"]["admin"], programme.code, start="2024-01-01")
    assert reached_rows(html)[-1] == (f"{today:%Y-%m}", "15")


def test_a_suppressed_time_axis_hides_the_months_of_a_small_step(populated, client):
    html = page(
        client, populated["users"]["evaluator"], populated["programme"].code, start="2024-01-01"
    )
    rows = dict(reached_rows(html))
    # March 6 and September 6 are steps of five or more; February 2025 adds only 3, so it
    # joins September's step and the months in between are hidden.
    assert rows["2024-02"] == "0"
    assert rows["2024-03"] == rows["2024-08"] == "6"
    assert {rows[f"2024-{m:02d}"] for m in range(9, 13)} == {SECONDARY}
    assert rows["2025-01"] == SECONDARY
    assert rows["2025-02"] == "15"
    assert "”..” markerar en månad vars siffra skulle avslöja en grupp" in html


def test_every_figure_says_what_it_counts(populated, client):
    html = page(client, populated["users"]["coordinator"], populated["programme"].code)
    for index in (0, 1):
        part, together = section_html(html, index).split('<div class="collaboration"')
        notes = re.findall(r'<dd class="figure-note">([^<]+)</dd>', part)
        assert len(notes) == len(key_grid(html, section=index))
        blocks = re.findall(
            r'<div class="figure-block"[^>]*>\s*<h3>([^<]+)</h3>\s*'
            r'<p class="figure-note">([^<]+)</p>',
            part,
        )
        # Over time, the six breakdowns and, for the whole programme, its planned gender split.
        assert len(blocks) == part.count('class="figure-block"') == (7 if index == 0 else 8)
        assert all(note.strip() for _title, note in blocks)
        # Five collaboration key figures; five tables, and for the whole programme the
        # handover and the programme's collaboration targets.
        notes = re.findall(r'<dd class="figure-note">([^<]+)</dd>', together)
        assert len(notes) == together.count("<dt>") == 5
        blocks = re.findall(
            r'<div class="figure-block"[^>]*>\s*<h4>([^<]+)</h4>\s*'
            r'<p class="figure-note">([^<]+)</p>',
            together,
        )
        assert len(blocks) == together.count('class="figure-block"') == (5 if index == 0 else 7)
        assert all(note.strip() for _title, note in blocks)
    own, whole = section_html(html, 0), section_html(html, 1)
    assert "avrundade nedåt till hela timmar per närvaro" in own
    assert "räknas för varje kommun som deltagarna kommer från, inte för värdkommunen" in own
    assert "värdkommunen" not in whole
    assert "så raderna kan tillsammans bli fler än alla deltagare" in whole
    assert "så raderna blir tillsammans alla deltagare" in whole


def test_sessions_count_for_every_municipality_their_people_come_from(populated, client):
    """Hand-computed: Mölndal's people attended all three sessions, Partille's only the last,
    so the municipalities' 3 + 1 sessions are more than the programme's 3."""
    admin, code = populated["users"]["admin"], populated["programme"].code
    whole = key_grid(page(client, admin, code))
    own = key_grid(page(client, admin, code, municipality=populated["own"].pk))
    other = key_grid(page(client, admin, code, municipality=populated["other"].pk))
    assert (whole["Genomförda tillfällen"], own["Genomförda tillfällen"]) == ("3", "3")
    assert other["Genomförda tillfällen"] == "1"
    # Whole hours per attendance: 2.5 h counts 2; otherwise the credited 3 h or 6 h.
    # Mölndal: 2 + 5 × 3 (March) + 6 × 6 (September) + 4 × 3 (February) = 65; Partille 3 × 3.
    assert own["Närvarotimmar"] == "65"
    assert other["Närvarotimmar"] == "9"
    assert whole["Närvarotimmar"] == "74"
