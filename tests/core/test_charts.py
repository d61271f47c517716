"""The SVG charts: well-formed, accessible, CSP-safe, escaped, to scale, and embeddable in typst."""

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
import typst
from django.utils import translation
from django.utils.safestring import SafeString

from grannar.core.charts import bar_chart, line_chart, nice_ticks

NS = "http://www.w3.org/2000/svg"
SVG = {"svg": NS}
HOSTILE = '<script>&"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted XML


def tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(tag("text"))]


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(tag("rect")) if rect.get("class") == "bar"]


def viewbox(root: ET.Element) -> list[float]:
    return [float(number) for number in root.get("viewBox").split()]


def contrast(colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.fixture(autouse=True)
def english():
    """Number formatting follows the active language; pin it so the texts are predictable."""
    with translation.override("en"):
        yield


@pytest.fixture
def rows():
    return [("Mölndal", 120), ("Partille", 60), ("Härryda", "<5"), ("Lerum", 30.5)]


def all_charts():
    return [
        bar_chart([("A", 3), (HOSTILE, 7), ("C", "..")], title=HOSTILE, unit="h"),
        bar_chart([], title=HOSTILE, empty="No data"),
        line_chart([("2025-01", 2), ("2025-02", 5)], title=HOSTILE, target=8, target_label="Goal"),
        line_chart([("2025-01", 2)], title="One", target=1, target_label=HOSTILE, unit=HOSTILE),
        line_chart([], title="None"),
        line_chart([("2025-01", 2), ("2025-02", ".."), ("2025-03", 9)], title="t", heading=False),
        bar_chart([("A", 3)], title="Hidden heading", heading=False),
    ]


# nice_ticks


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (1734, [0, 500, 1000, 1500, 2000]),
        (7, [0, 2, 4, 6, 8]),
        (8, [0, 2, 4, 6, 8]),
        (100, [0, 25, 50, 75, 100]),
        (3, [0, 1, 2, 3]),
        (1, [0, 0.25, 0.5, 0.75, 1]),
        (11, [0, 5, 10, 15]),
        (0.3, [0, 0.1, 0.2, 0.3]),
        (0, [0, 1]),
        (-5, [0, 1]),
        (float("nan"), [0, 1]),
    ],
)
def test_nice_ticks(maximum, expected):
    assert nice_ticks(maximum) == pytest.approx(expected)


@pytest.mark.parametrize("maximum", [0.7, 1, 2.6, 5.01, 9, 10.01, 33, 99, 101, 250, 4321, 1e6 + 1])
def test_nice_ticks_give_four_or_five_round_steps_covering_the_maximum(maximum):
    ticks = nice_ticks(maximum)
    assert 4 <= len(ticks) <= 5
    assert ticks[0] == 0
    assert ticks[-1] >= maximum
    assert ticks[-2] < maximum
    step = ticks[1]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {1, 2, 2.5, 5}


# Common to every chart


@pytest.mark.parametrize("svg", all_charts())
def test_charts_are_accessible_well_formed_svg(svg):
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.tag == tag("svg")
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert len(viewbox(root)) == 4
    title = root.find("svg:title", SVG)
    desc = root.find("svg:desc", SVG)
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text
    assert desc.text
    assert root.get("font-family") == "Helvetica, Arial, 'DejaVu Sans', sans-serif"


@pytest.mark.parametrize("svg", all_charts())
def test_charts_obey_the_content_security_policy(svg):
    root = parse(svg)
    for element in root.iter():
        assert element.get("style") is None
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in {tag("style"), tag("script"), tag("foreignObject")}
        assert element.get("href") is None
        assert element.get("{http://www.w3.org/1999/xlink}href") is None


@pytest.mark.parametrize("svg", all_charts())
def test_charts_meet_the_contrast_minimums(svg):
    root = parse(svg)
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            colour = element.get(attribute)
            if colour in {None, "none", "#ffffff"}:
                continue
            minimum = 4.5 if element.tag == tag("text") else 3
            assert contrast(colour) >= minimum, (element.tag, attribute, colour)


@pytest.mark.parametrize("svg", all_charts())
def test_hostile_texts_are_escaped(svg):
    raw = str(svg)
    assert "<script" not in raw
    assert '&"' not in raw
    if "&lt;script&gt;" in raw:
        # The parsed document gives the original text back, so nothing was double-escaped.
        assert any(HOSTILE in text for text in [*texts(parse(svg)), *parse(svg).itertext()])


def test_two_charts_on_one_page_have_distinct_ids():
    first, second = (parse(bar_chart([("a", 1)], title="Same")) for _ in range(2))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


# Bar chart


def test_bar_chart_draws_one_bar_per_numeric_row(rows):
    root = parse(bar_chart(rows, title="Participants"))
    assert len(bars(root)) == 3
    assert len(root.findall("svg:g[@class='row']", SVG)) == 4


def test_a_suppressed_cell_has_no_bar_but_its_text(rows):
    root = parse(bar_chart(rows, title="Participants"))
    row = next(
        g for g in root.iter(tag("g")) if g.findtext("svg:title", namespaces=SVG) == "Härryda"
    )
    assert row.find("svg:rect", SVG) is None
    assert "<5" in texts(row)


def test_bar_widths_are_proportional_to_the_values(rows):
    root = parse(bar_chart(rows, title="Participants"))
    widths = [float(rect.get("width")) for rect in bars(root)]
    largest, half, quarter = widths
    assert largest == max(widths)
    assert half == pytest.approx(largest / 2, abs=1)
    assert quarter == pytest.approx(largest * 30.5 / 120, abs=1)
    # Every bar starts at the same x and the largest one stays inside the viewBox.
    assert len({rect.get("x") for rect in bars(root)}) == 1
    rect = bars(root)[0]
    assert float(rect.get("x")) + largest < viewbox(root)[2]


def test_values_and_unit_are_printed_at_the_bar_ends(rows):
    root = parse(bar_chart(rows, title="Hours", unit="h"))
    assert {"120 h", "60 h", "30.5 h", "<5"} <= set(texts(root))
    for row in root.findall("svg:g[@class='row']", SVG):
        rect = row.find("svg:rect", SVG)
        value = row.find("svg:text[@class='value']", SVG)
        if rect is not None:
            assert float(value.get("x")) > float(rect.get("x")) + float(rect.get("width"))


def test_bar_chart_desc_lists_the_data(rows):
    desc = parse(bar_chart(rows, title="Hours", unit="h")).findtext("svg:desc", namespaces=SVG)
    assert desc == "Mölndal: 120 h; Partille: 60 h; Härryda: <5; Lerum: 30.5 h."


def test_bar_chart_grows_with_the_rows():
    heights = [viewbox(parse(bar_chart([("x", 1)] * n, title="t")))[3] for n in (1, 2, 10)]
    assert heights[0] < heights[1] < heights[2]
    assert heights[2] - heights[1] == pytest.approx(8 * (heights[1] - heights[0]))


def test_long_labels_are_truncated_but_kept_whole_in_the_row_title():
    label = "Göteborgs Stads förvaltning för utbildning och arbetsmarknad, västra området"
    root = parse(bar_chart([(label, 5), ("Short", 3)], title="t"))
    row = root.find("svg:g[@class='row']", SVG)
    assert row.findtext("svg:title", namespaces=SVG) == label
    shown = texts(row)[0]
    assert shown.endswith("…")
    assert label.startswith(shown[:-1])
    assert "Short" in texts(root)


def test_empty_bar_chart_says_so():
    root = parse(bar_chart([], title="Participants", empty="No data"))
    assert texts(root) == ["Participants", "No data"]
    assert not bars(root)
    assert "–" in texts(parse(bar_chart([], title="Participants")))


def test_all_zero_and_negative_values_draw_empty_bars():
    root = parse(bar_chart([("a", 0), ("b", -3)], title="t"))
    assert [float(rect.get("width")) for rect in bars(root)] == [0, 0]
    assert {"0", "-3"} <= set(texts(root))


def test_numbers_follow_the_active_language():
    with translation.override("sv"):
        root = parse(bar_chart([("a", 1734), ("b", 2.5)], title="t"))
    assert {"1\xa0734", "2,5"} <= set(texts(root))


# Line chart


def months(count: int) -> list[tuple[str, float]]:
    return [(f"{2025 + i // 12}-{i % 12 + 1:02d}", 10.0 * (i + 1)) for i in range(count)]


def y_of_value(root: ET.Element, value: float) -> float:
    """Map a value to its y from the drawn gridlines (0 and the top tick), as a reader would."""
    grid = root.find("svg:g[@class='grid']", SVG)
    lines = grid.findall("svg:line", SVG)
    tick_texts = [float(text.text.replace(",", "")) for text in grid.findall("svg:text", SVG)]
    zero_y, top_y = float(lines[0].get("y1")), float(lines[-1].get("y1"))
    return zero_y - (zero_y - top_y) * value / tick_texts[-1]


def test_line_chart_has_a_marker_per_point_and_the_target_at_the_right_height():
    points = months(6)  # 10 … 60
    root = parse(line_chart(points, title="Hours", target=75, target_label="Goal 75 h"))
    markers = [c for c in root.iter(tag("circle")) if c.get("class") == "marker"]
    assert len(markers) == len(points)
    target = root.find(".//svg:line[@class='target']", SVG)
    assert target.get("stroke-dasharray")
    assert target.get("y1") == target.get("y2")
    # Ticks 0, 20, …, 80: the target sits 75/80 of the way up the plot area.
    assert float(target.get("y1")) == pytest.approx(y_of_value(root, 75), abs=0.01)
    assert "Goal 75 h" in texts(root)
    for marker, (_, value) in zip(markers, points, strict=True):
        assert float(marker.get("cy")) == pytest.approx(y_of_value(root, value), abs=0.01)
    # Everything is inside the viewBox.
    height = viewbox(root)[3]
    assert all(0 < float(marker.get("cy")) < height for marker in markers)


def test_line_chart_scale_covers_the_target_when_it_exceeds_the_data():
    root = parse(line_chart(months(3), title="t", target=1734))
    grid_texts = [t.text for t in root.find("svg:g[@class='grid']", SVG).findall("svg:text", SVG)]
    assert grid_texts == ["0", "500", "1,000", "1,500", "2,000"]
    assert "1,734" in texts(root)  # without a target_label the target value is shown


def test_line_chart_markers_are_ordered_left_to_right():
    root = parse(line_chart(months(5), title="t"))
    xs = [float(c.get("cx")) for c in root.iter(tag("circle"))]
    assert xs == sorted(xs)
    assert len(set(xs)) == 5
    polyline = root.find("svg:polyline", SVG)
    assert len(polyline.get("points").split()) == 5


def test_at_most_twelve_x_labels_that_do_not_overlap():
    root = parse(line_chart(months(36), title="t"))
    labels = root.find("svg:g[@class='x-labels']", SVG).findall("svg:text", SVG)
    assert 2 <= len(labels) <= 12
    assert labels[0].text == "2025-01"
    xs = [float(label.get("x")) for label in labels]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(gaps) - min(gaps) < 0.1  # evenly spaced
    assert min(gaps) > 7 * 11 * 0.5  # wider than a 7-character label at font size 11


def test_short_series_shows_every_x_label():
    root = parse(line_chart(months(4), title="t"))
    labels = root.find("svg:g[@class='x-labels']", SVG).findall("svg:text", SVG)
    assert [label.text for label in labels] == ["2025-01", "2025-02", "2025-03", "2025-04"]


def test_single_point_line_chart():
    root = parse(line_chart([("2025-01", 5)], title="t", target=8, target_label="Goal"))
    assert len(list(root.iter(tag("circle")))) == 1
    assert root.find(".//svg:line[@class='target']", SVG) is not None
    assert "2025-01: 5" in root.findtext("svg:desc", namespaces=SVG)


def test_empty_line_chart_says_so():
    root = parse(line_chart([], title="Hours", target=10, empty="No data"))
    assert texts(root) == ["Hours", "No data"]
    assert not list(root.iter(tag("circle")))


def test_line_chart_desc_summarises_the_series():
    desc = parse(
        line_chart(months(12), title="t", target=150, target_label="Goal", unit="h")
    ).findtext("svg:desc", namespaces=SVG)
    assert desc == "2025-01: 10 h – 2025-12: 120 h; Goal 150 h."


def test_all_zero_series_still_has_a_scale():
    root = parse(line_chart([("a", 0), ("b", 0)], title="t"))
    ys = {c.get("cy") for c in root.iter(tag("circle"))}
    assert len(ys) == 1
    assert not any(re.search(r"nan|inf", value) for value in ys)


def test_a_suppressed_point_keeps_its_place_but_has_no_marker_and_breaks_the_line():
    points = [("2025-01", 0), ("2025-02", 6), ("2025-03", ".."), ("2025-04", ".."), ("2025-05", 14)]
    root = parse(line_chart(points, title="t"))
    markers = [c for c in root.iter(tag("circle")) if c.get("class") == "marker"]
    assert [m.findtext("svg:title", namespaces=SVG) for m in markers] == [
        "2025-01: 0",
        "2025-02: 6",
        "2025-05: 14",
    ]
    # Five places on the axis: the last marker sits at the right end, four steps from the first.
    xs = [float(m.get("cx")) for m in markers]
    assert (xs[2] - xs[0]) == pytest.approx(4 * (xs[1] - xs[0]), abs=0.02)
    # The line runs from January to February only; nothing is drawn across the hidden months.
    lines = root.findall("svg:polyline", SVG)
    assert [len(line.get("points").split()) for line in lines] == [2]
    assert float(markers[2].get("cy")) == pytest.approx(y_of_value(root, 14), abs=0.01)
    assert root.findtext("svg:desc", namespaces=SVG) == "2025-01: 0 – 2025-05: 14."


def test_a_chart_under_a_page_heading_leaves_its_visible_title_out():
    with_title = parse(line_chart(months(3), title="Reached", target=40))
    without = parse(line_chart(months(3), title="Reached", target=40, heading=False))
    assert "Reached" in texts(with_title)
    assert "Reached" not in texts(without)
    assert without.findtext("svg:title", namespaces=SVG) == "Reached"  # still its name
    assert viewbox(without)[3] == viewbox(with_title)[3] - 30
    bars_root = parse(bar_chart([("A", 3), ("B", 4)], title="Per kommun", heading=False))
    assert texts(bars_root) == ["A", "3", "B", "4"]
    assert bars_root.findtext("svg:title", namespaces=SVG) == "Per kommun"
    first_bar = bars(bars_root)[0]
    assert 0 < float(first_bar.get("y")) < 20
    empty = parse(bar_chart([], title="Per kommun", empty="No data", heading=False))
    assert texts(empty) == ["No data"]


# typst


def test_charts_embed_in_a_typst_pdf(rows):
    source = (
        b'#image(bytes(sys.inputs.bars), format: "svg", width: 100%)\n'
        b'#image(bytes(sys.inputs.line), format: "svg", width: 100%)\n'
        b'#image(bytes(sys.inputs.empty), format: "svg", width: 100%)\n'
    )
    inputs = {
        "bars": str(bar_chart([*rows, (HOSTILE, 3)], title=HOSTILE, unit="h")),
        "line": str(line_chart(months(36), title="t", target=400, target_label="Goal")),
        "empty": str(line_chart([], title="Nothing")),
    }
    pdf = typst.compile(source, sys_inputs=inputs)
    assert pdf.startswith(b"%PDF")
