"""Server-rendered SVG charts for the dashboard and the PDF report.

The same SVG string goes into an HTML page (`{{ chart }}`) and into typst (`image(bytes(...),
format: "svg")`), so the charts use nothing either side might not support or might forbid:

- no JavaScript, no external resources, no `style` attributes or `<style>` elements (the
  Content-Security-Policy forbids inline styles), only SVG presentation attributes;
- one fixed `viewBox` coordinate system and `width="100%"`, so the chart scales to a phone or to
  the page width without any layout code;
- accessible (WCAG 2.1 AA): `role="img"` with `aria-labelledby` / `aria-describedby` pointing at
  the `<title>` and a one-sentence `<desc>` listing or summarising the data, because a screen
  reader treats an `img` as a single unit and never reaches the shapes; text colours have at
  least 4.5:1 contrast on white and lines / bars at least 3:1.

Every piece of text comes from user data or translations, so all of it is escaped here and the
result is marked safe only once it is complete. Texts are language-neutral (the `desc` is built
from labels and numbers only) so the module needs no translation strings of its own.
"""

import math
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["bar_chart", "line_chart", "nice_ticks"]

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "Helvetica, Arial, 'DejaVu Sans', sans-serif"

# Contrast against white (WCAG relative luminance): TEXT 17.4:1, MUTED 7.0:1, BAR 6.8:1,
# TARGET 7.7:1, GRID 3.03:1 (the lightest grey that still meets the 3:1 non-text minimum, so the
# gridlines count as a readable part of the chart rather than decoration).
TEXT = "#1a1a1a"
MUTED = "#595959"
BAR = "#1f5f8b"
LINE = "#1f5f8b"
TARGET = "#8a3b12"
GRID = "#949494"

WIDTH = 600  # viewBox units; the rendered size comes from width="100%"
PAD = 8
TITLE_SIZE = 15
LABEL_SIZE = 12
TICK_SIZE = 11
TITLE_BASELINE = 22
# The space the visible title takes; a chart shown under a page heading of its own leaves it out.
TITLE_SPACE = 30

BAR_ROW = 24  # vertical space per bar row
BAR_HEIGHT = 16
BAR_TOP = 38  # first row starts below the title

LINE_HEIGHT = 300
MAX_X_LABELS = 12
X_LABEL_CHARS = 12  # x labels are short period names; anything longer is cut

# There are no font metrics on the server, so text width is estimated: Helvetica averages about
# 0.5 em per character and digits are 0.556 em; 0.58 em leaves a margin for capitals.
EM_PER_CHAR = 0.58
ELLIPSIS = "…"

Number = int | float


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Gridline values from 0 up to at least `maximum`, at most `count` of them.

    The step is 1, 2, 2.5 or 5 × 10^k: the smallest of those that covers `maximum` in `count - 1`
    intervals. That always gives 3 or 4 intervals for the default `count=5` (the next nice step
    is at most twice the previous), i.e. 4–5 gridlines including zero. A maximum of 0 (or
    anything not positive and finite) gives [0, 1] so there is still a scale to draw against.
    """
    count = max(count, 2)
    if not (isinstance(maximum, int | float) and math.isfinite(maximum)) or maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    # The tolerance keeps e.g. raw = 0.25 (stored as 0.2499999...) on the 2.5 step.
    step = next(
        nice * magnitude for nice in (1, 2, 2.5, 5, 10) if nice * magnitude >= raw * (1 - 1e-9)
    )
    intervals = max(1, math.ceil(maximum / step - 1e-9))
    # Rounding removes float noise such as 0.30000000000000004 from the multiplied steps.
    return [float(round(i * step, 10)) for i in range(intervals + 1)]


def bar_chart(
    rows: Sequence[tuple[str, int | float | str]],
    *,
    title: str,
    unit: str = "",
    empty: str = "–",
    heading: bool = True,
) -> SafeString:
    """Horizontal bars, one per row: label on the left, value at the end of the bar.

    A value given as a string is a suppressed or missing cell (e.g. "<5", ".."): it gets no bar,
    only the string in the value position, so it is never mistaken for a zero. Bars are scaled so
    the largest value fills the bar area. The height grows with the number of rows; no rows give a
    small chart that shows the title and `empty` (pass a translated "no data" text). With
    `heading=False` the title is not drawn (it stays the accessible name), for a page that shows
    it as a heading above the chart.
    """
    if not rows:
        return _empty_chart(title=title, empty=empty, heading=heading)

    cells = [(str(label), _number(value), _value_text(value, unit)) for label, value in rows]
    chart_id = _new_id()
    first_row = BAR_TOP if heading else BAR_TOP - TITLE_SPACE
    height = first_row + len(cells) * BAR_ROW + PAD

    # The label column is as wide as the longest label needs, but at most 40 % of the chart, so
    # a single long label cannot squeeze the bars to nothing; longer labels are truncated.
    label_width = min(
        max(_text_width(label, LABEL_SIZE) for label, _, _ in cells) + PAD, WIDTH * 0.4
    )
    value_width = max(_text_width(text, LABEL_SIZE) for _, _, text in cells) + PAD
    bar_x = PAD + label_width
    bar_area = max(WIDTH - PAD - bar_x - value_width, 1)
    largest = max((v for _, v, _ in cells if v is not None), default=0)

    parts = [_title_text(title, chart_id)] if heading else []
    for index, (label, value, text) in enumerate(cells):
        top = first_row + index * BAR_ROW
        baseline = top + BAR_ROW / 2 + LABEL_SIZE * 0.35  # optical vertical centre of the text
        shown = _truncate(label, label_width - PAD, LABEL_SIZE)
        row = [
            # The full label stays available (tooltip, copy) when the visible one is truncated.
            f"<title>{_esc(label)}</title>",
            f'<text x="{_n(bar_x - PAD)}" y="{_n(baseline)}" text-anchor="end" '
            f'font-size="{LABEL_SIZE}" fill="{TEXT}">{_esc(shown)}</text>',
        ]
        value_x = bar_x
        if value is not None:
            # Negative values have no length on a 0-based bar; they are drawn as an empty bar
            # and still printed, rather than drawn backwards over the labels.
            width = bar_area * max(value, 0) / largest if largest > 0 else 0
            row.append(
                f'<rect class="bar" x="{_n(bar_x)}" y="{_n(top + (BAR_ROW - BAR_HEIGHT) / 2)}" '
                f'width="{_n(width)}" height="{BAR_HEIGHT}" fill="{BAR}"/>'
            )
            value_x += width
        row.append(
            f'<text class="value" x="{_n(value_x + 4)}" y="{_n(baseline)}" '
            f'font-size="{LABEL_SIZE}" fill="{TEXT}">{_esc(text)}</text>'
        )
        parts.append(f'<g class="row">{"".join(row)}</g>')

    desc = "; ".join(f"{label}: {text}" for label, _, text in cells) + "."
    return _svg(chart_id, title=title, desc=desc, height=height, body=parts)


def line_chart(
    points: Sequence[tuple[str, float | str]],
    *,
    title: str,
    target: float | None = None,
    target_label: str = "",
    unit: str = "",
    empty: str = "–",
    heading: bool = True,
) -> SafeString:
    """A cumulative line over ordered labels (e.g. months), with an optional dashed target line.

    The y axis runs from 0 to the larger of the highest value and the target, on `nice_ticks`
    gridlines. At most 12 x labels are shown, evenly spaced and fewer if they would not fit side
    by side. Each point has a small marker whose `<title>` gives its label and value. Values are
    expected to be 0 or more (cumulative counts). A value given as a string is a suppressed point
    (e.g. ".."): it keeps its place on the axis but gets no marker, and the line breaks there
    rather than suggest a value. No points give the same small chart as an empty bar chart;
    `heading=False` leaves the visible title out as in `bar_chart`.
    """
    if not points:
        return _empty_chart(title=title, empty=empty, heading=heading)

    labels = [str(label) for label, _ in points]
    values = [_number(value) for _, value in points]
    texts = [_value_text(value, unit) for _, value in points]
    known = [value for value in values if value is not None]
    chart_id = _new_id()
    ticks = nice_ticks(max([*known, target if target is not None else 0]))
    tick_texts = [_format_number(tick) for tick in ticks]
    shown_labels = [_truncate(label, X_LABEL_CHARS * LABEL_SIZE, TICK_SIZE) for label in labels]
    x_label_width = max(_text_width(label, TICK_SIZE) for label in shown_labels)

    # Plot area: room for the y tick labels on the left, for half an x label on either side
    # (they are centred on their point), for the title and unit above, the x labels below.
    left = PAD + max(_text_width(text, TICK_SIZE) for text in tick_texts) + 6
    left = max(left, PAD + x_label_width / 2)
    right = WIDTH - max(PAD, x_label_width / 2 + 2)
    shift = 0 if heading else TITLE_SPACE
    height = LINE_HEIGHT - shift
    top = 52 - shift
    bottom = height - 30
    y_max = ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / y_max

    def x_of(index: int) -> float:
        if len(values) == 1:
            return (left + right) / 2
        return left + (right - left) * index / (len(values) - 1)

    parts = [_title_text(title, chart_id)] if heading else []
    if unit:
        parts.append(
            f'<text x="{_n(left - 6)}" y="{top - 14}" text-anchor="end" '
            f'font-size="{TICK_SIZE}" fill="{MUTED}">{_esc(unit)}</text>'
        )

    grid = []
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = _n(y_of(tick))
        grid.append(
            f'<line x1="{_n(left)}" y1="{y}" x2="{_n(right)}" y2="{y}" stroke="{GRID}" '
            f'stroke-width="1"/>'
            f'<text x="{_n(left - 6)}" y="{_n(y_of(tick) + TICK_SIZE * 0.35)}" '
            f'text-anchor="end" font-size="{TICK_SIZE}" fill="{MUTED}">{_esc(text)}</text>'
        )
    parts.append(f'<g class="grid">{"".join(grid)}</g>')

    # Only every `step`th label: the smallest step that keeps neighbouring labels a gap apart
    # and shows at most 12 of them.
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    if len(labels) > 1:
        spacing = (right - left) / (len(labels) - 1)
        step = max(step, math.ceil((x_label_width + 10) / spacing))
    x_ticks = [
        f'<text x="{_n(x_of(i))}" y="{bottom + 18}" text-anchor="middle" '
        f'font-size="{TICK_SIZE}" fill="{MUTED}">{_esc(shown_labels[i])}</text>'
        for i in range(0, len(labels), step)
    ]
    parts.append(f'<g class="x-labels">{"".join(x_ticks)}</g>')

    if target is not None:
        y = _n(y_of(target))
        parts.append(
            f'<line class="target" x1="{_n(left)}" y1="{y}" x2="{_n(right)}" y2="{y}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>'
        )

    # One polyline per run of known points: a suppressed point breaks the line.
    runs: list[list[int]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(i)
    for run in (r for r in runs if len(r) > 1):
        coordinates = " ".join(f"{_n(x_of(i))},{_n(y_of(values[i]))}" for i in run)
        parts.append(
            f'<polyline class="line" points="{coordinates}" fill="none" stroke="{LINE}" '
            f'stroke-width="2.5" stroke-linejoin="round"/>'
        )
    markers = [
        f'<circle class="marker" cx="{_n(x_of(i))}" cy="{_n(y_of(v))}" r="3.5" fill="{LINE}">'
        f"<title>{_esc(label)}: {_esc(text)}</title></circle>"
        for i, (label, v, text) in enumerate(zip(labels, values, texts, strict=True))
        if v is not None
    ]
    parts.append(f'<g class="markers">{"".join(markers)}</g>')

    if target is not None:
        # The label goes last so it is painted over the data line, with a white outline under
        # the glyphs (paint-order) that keeps it readable where the line crosses it.
        parts.append(
            f'<text class="target-label" x="{_n(right)}" y="{_n(y_of(target) - 5)}" '
            f'text-anchor="end" font-size="{TICK_SIZE}" fill="{TARGET}" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">'
            f"{_esc(target_label or _format_number(target, unit))}</text>"
        )

    # A summary, not a list: a cumulative series is described by where it starts and ends.
    first, last = f"{labels[0]}: {texts[0]}", ""
    if len(values) > 1:
        last = f" – {labels[-1]}: {texts[-1]}"
    goal = ""
    if target is not None:
        goal = f"; {target_label or '→'} {_format_number(target, unit)}"
    desc = f"{first}{last}{goal}."
    return _svg(chart_id, title=title, desc=desc, height=height, body=parts)


def _empty_chart(*, title: str, empty: str, heading: bool = True) -> SafeString:
    """The title and the caller's "no data" text, at a height that does not leave a hole."""
    chart_id = _new_id()
    shift = 0 if heading else TITLE_SPACE
    body = [
        *([_title_text(title, chart_id)] if heading else []),
        f'<text x="{PAD}" y="{TITLE_BASELINE + 24 - shift}" font-size="{LABEL_SIZE}" '
        f'fill="{MUTED}">{_esc(empty)}</text>',
    ]
    return _svg(chart_id, title=title, desc=empty, height=60 - shift, body=body)


def _svg(chart_id: str, *, title: str, desc: str, height: float, body: list[str]) -> SafeString:
    """Wrap the escaped body in the accessible root element; the only place `mark_safe` is used.

    No height attribute: with `width="100%"` browsers and typst derive the height from the
    viewBox aspect ratio.
    """
    svg = (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {WIDTH} {_n(height)}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-family="{_esc(FONT_FAMILY)}">'
        f'<title id="{chart_id}-title">{_esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>'
        f'<rect width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>'
        f"{''.join(body)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every interpolated text went through _esc above


def _title_text(title: str, chart_id: str) -> str:
    """The visible title; hidden from assistive technology, which reads the `<title>` already."""
    shown = _truncate(title, WIDTH - 2 * PAD, TITLE_SIZE)
    return (
        f'<text x="{PAD}" y="{TITLE_BASELINE}" font-size="{TITLE_SIZE}" font-weight="bold" '
        f'fill="{TEXT}" aria-hidden="true">{_esc(shown)}</text>'
    )


def _new_id() -> str:
    """A fresh id per chart, so several charts on one page never share `aria-labelledby` targets."""
    return f"chart-{uuid.uuid4().hex[:12]}"


def _esc(text: str) -> str:
    """Escape for XML text and attribute values (`&`, `<`, `>`, `"` and `'`)."""
    return str(escape(text))


def _number(value: int | float | str) -> float | None:
    """The numeric value of a cell, or None for a suppressed / non-numeric one (no bar)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _value_text(value: int | float | str, unit: str) -> str:
    """What is printed at the end of a bar: the formatted number, or the cell's own text."""
    number = _number(value)
    if number is None:
        return str(value)
    return _format_number(number, unit)


def _format_number(value: float, unit: str = "") -> str:
    """A number in the active language's format (grouping, decimal comma), at most 2 decimals."""
    rounded = round(value, 2)
    if rounded == int(rounded):
        text = number_format(int(rounded), force_grouping=True)
    else:
        text = number_format(Decimal(f"{rounded:.2f}".rstrip("0")), force_grouping=True)
    return f"{text} {unit}" if unit else text


def _text_width(text: str, size: float) -> float:
    """Estimated rendered width of `text` at font size `size`, in viewBox units."""
    return len(text) * size * EM_PER_CHAR


def _truncate(text: str, width: float, size: float) -> str:
    """`text` cut with an ellipsis so that its estimated width fits in `width`."""
    if _text_width(text, size) <= width:
        return text
    keep = max(int(width / (size * EM_PER_CHAR)) - 1, 1)
    return text[:keep].rstrip() + ELLIPSIS


def _n(value: float) -> str:
    """A coordinate with at most 2 decimals, trailing zeros dropped (keeps the SVG small)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
