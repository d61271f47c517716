"""The dashboard: who sees what, filters, suppression, and a fixed number of queries."""

import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from grannar.core.suppression import PRIMARY, SECONDARY, THRESHOLD, feasible_values, suppress
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
    assert html.count('role="img"') == 7
    assert html.count("<title id=") == 7
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
    result = Figures(programme="p", target_participants=10)
    result.reached_by_month = {f"2024-{i:02d}": n for i, n in enumerate(monthly, start=1)}
    points = reached_points(result, suppressed=True)
    previous = 0
    for _month, value in points:
        assert value - previous >= THRESHOLD
        previous = value
    if points:
        assert points[-1][1] == sum(monthly)
    else:
        assert sum(monthly) < THRESHOLD


def test_reached_over_time_in_full_for_admins():
    result = Figures(programme="p", target_participants=10)
    result.reached_by_month = {"2024-01": 3, "2024-02": 1, "2024-04": 7}
    assert reached_points(result, suppressed=False) == [
        ("2024-01", 3),
        ("2024-02", 4),
        ("2024-04", 11),
    ]
    assert reached_points(result, suppressed=True) == [("2024-04", 11)]
