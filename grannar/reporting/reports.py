"""The figures as people read them: labelled breakdowns (suppressed for those who must not see
small groups), key figures, charts, and the summary and final report built from them."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grannar.core import charts
from grannar.core.spreadsheets import workbook_bytes
from grannar.core.suppression import PRIMARY, SECONDARY, THRESHOLD, suppress
from grannar.programmes.models import Programme
from grannar.programmes.selectors import left_memberships
from grannar.reporting.counting import Figures, collaboration_figures, figures, sek
from grannar.reporting.documents import Document
from grannar.reporting.selectors import Labels, Targets, labels_for, sessions_held, targets_for
from grannar.training.facts import Scope

Value = int | str


@dataclass(frozen=True)
class Breakdown:
    """Participants by one attribute: rows of (code, label, count or a suppression mark)."""

    key: str
    title: str
    heading: str
    rows: list[tuple[str, str, Value]]
    total: Value
    withheld: bool = False  # too few people for any breakdown to be shown safely

    def chart(self) -> str:
        return charts.bar_chart(
            [(label, value) for _code, label, value in self.rows], title=self.title, empty="–"
        )


def breakdowns(result: Figures, labels: Labels, *, suppressed: bool) -> list[Breakdown]:
    """The participant breakdowns, with small cells hidden when `suppressed`."""
    specs = [
        (
            "by_municipality",
            _("Participants by municipality"),
            _("Municipality"),
            labels.municipality,
        ),
        (
            "by_staff_category",
            _("Participants by staff category"),
            _("Staff category"),
            labels.staff_category,
        ),
        ("by_sector", _("Participants by sector"), _("Sector"), labels.sector),
        ("by_gender", _("Participants by gender"), _("Gender"), labels.gender),
        ("by_age_band", _("Participants by age band"), _("Age band"), labels.age_band),
        ("by_subgoal", _("Participants by sub-goal"), _("Sub-goal"), labels.subgoal),
    ]
    tables = []
    for key, title, heading, names in specs:
        counts: dict[str, int] = getattr(result, key)
        # A person counts once per sub-goal but may be in several: that table has no total.
        total: Value = sum(counts.values()) if key != "by_subgoal" else ""
        cells: dict[str, Value] = dict(counts)
        withheld = False
        if suppressed:
            hidden = suppress(counts)
            # The headline shows the participants, so a table whose total had to be hidden
            # (its small cells could be worked out from it) is not shown at all; nor is any
            # table of fewer than 2 × the threshold, where the marks alone say too much.
            withheld = 0 < result.participants < 2 * THRESHOLD or (
                key != "by_subgoal" and hidden.total == SECONDARY
            )
            cells = {} if withheld else hidden.cells
            total = "" if withheld or key == "by_subgoal" else hidden.total
        tables.append(
            Breakdown(
                key=key,
                title=title,
                heading=heading,
                rows=[(code, names.get(code, code), value) for code, value in cells.items()],
                total=total,
                withheld=withheld,
            )
        )
    return tables


@dataclass(frozen=True)
class TargetTable:
    """Targets beside what was reached: rows of (label, target, reached, share)."""

    key: str
    title: str
    columns: tuple[str, str, str, str]
    rows: list[tuple[str, str, Value, str]]


def target_tables(
    result: Figures, tables: list[Breakdown], targets: Targets, labels: Labels
) -> list[TargetTable]:
    """Each target the programme sets against the participants reached, with the same cells
    as the breakdowns (so suppressed where they are): per municipality and staff category the
    share of the target reached, per gender the share of all participants."""
    shown = {table.key: table for table in tables}
    specs = [
        ("by_municipality", _("Target per municipality"), _("Municipality"), targets.municipality),
        (
            "by_staff_category",
            _("Target per staff category"),
            _("Staff category"),
            targets.staff_category,
        ),
        ("by_gender", _("Planned gender split"), _("Gender"), targets.gender),
    ]
    made = []
    for key, title, heading, goals in specs:
        if not goals:
            continue
        table = shown[key]
        names = getattr(labels, key.removeprefix("by_"))
        reached = _reached(table)
        rows = []
        for code, goal in goals.items():
            count = reached.get(code, "–" if table.withheld else 0)
            if key == "by_gender":
                whole = result.participants
                target, share = _percent(goal), _ratio(count, whole)
            else:
                target, share = display(goal), _ratio(count, goal)
            rows.append((names.get(code, code), target, count, share))
        columns = (
            (heading, _("Planned share"), _("Reached"), _("Share of participants"))
            if key == "by_gender"
            else (heading, _("Target"), _("Reached"), _("Share of target"))
        )
        made.append(TargetTable(key=key, title=title, columns=columns, rows=rows))
    return made


def _ratio(count: Value, whole: int) -> str:
    return _percent(count / whole) if isinstance(count, int) and whole else "–"


def _reached(table: Breakdown) -> dict[str, Value]:
    return {code: value for code, _label, value in table.rows}


def leaving_notes(programme: Programme) -> list[tuple[int, str]]:
    """Per municipality that left the programme (by id), a sentence naming the day it left."""
    notes = []
    for membership in left_memberships(programme):
        name = membership.municipality.name
        if membership.left is None:
            note = _("%(municipality)s left the programme early; the date is not recorded.") % {
                "municipality": name
            }
        else:
            note = _(
                "%(municipality)s left the programme on %(date)s; sessions after that date "
                "do not count in its figures."
            ) % {"municipality": name, "date": membership.left.isoformat()}
        notes.append((membership.municipality_id, note))
    return notes


def small(value: int, *, suppressed: bool) -> Value:
    """A single count of people, hidden when under the threshold for those who must not see it."""
    return PRIMARY if suppressed and 0 < value < THRESHOLD else value


def key_figures(
    result: Figures, *, suppressed: bool, target: bool = True
) -> list[tuple[str, Value]]:
    """The headline figures (against the target unless `target` is false, as for one
    municipality). Hours and co-financing of fewer than five people are hidden too."""
    few = suppressed and 0 < result.participants < THRESHOLD
    against = [
        (_("Target"), result.target_participants),
        (_("Attainment"), "–" if few else _percent(result.attainment)),
    ]
    return [
        (_("Participants"), small(result.participants, suppressed=suppressed)),
        *(against if target else []),
        (_("Support resources"), small(result.support_resources, suppressed=suppressed)),
        (_("Sessions held"), result.sessions_held),
        (_("Attended hours"), "–" if few else result.attended_hours),
        (_("Co-financing (SEK)"), "–" if few else sek(result.cofinancing_sek)),
    ]


def reached_points(result: Figures, *, suppressed: bool) -> list[tuple[str, int]]:
    """Participants reached, cumulative by month of their first session in the period. When
    suppressed, months are merged until each step adds at least five people, so that no step
    reveals a small group."""
    months = list(result.reached_by_month.items())
    points: list[tuple[str, int]] = []
    running = shown = 0
    for month, new in months:
        running += new
        if not suppressed or running - shown >= THRESHOLD:
            points.append((month, running))
            shown = running
    if suppressed and running < THRESHOLD:
        return []
    if running != shown:
        # The last months add fewer than five: they join the last step, which stays ≥ 5.
        points[-1] = (months[-1][0], running)
    return points


def reached_chart(result: Figures, *, suppressed: bool) -> str:
    return charts.line_chart(
        reached_points(result, suppressed=suppressed),
        title=_("Participants reached over time"),
        target=result.target_participants,
        target_label=_("Target: %(target)s") % {"target": display(result.target_participants)},
    )


def display(value: Value | Decimal | float) -> str:
    """A figure as the interface shows it: grouped digits, marks as they are."""
    if isinstance(value, str):
        return value
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _percent(ratio: float) -> str:
    return f"{formats.number_format(round(ratio * 100, 1), 1, use_l10n=True)} %"


# The summary ------------------------------------------------------------------------------


def summary_json(programme: Programme) -> str:
    """DESIGN.md's JSON summary (unsuppressed, for programme admins)."""
    scope = Scope(programme=programme)
    summary = figures(scope).as_summary()
    summary["collaboration"] = collaboration_figures(scope).as_summary()
    return json.dumps(summary, ensure_ascii=False)


def summary_document(programme: Programme) -> Document:
    """Key figures and every breakdown, for the PDF summary."""
    result = figures(Scope(programme=programme))
    labels = labels_for(programme)
    document = Document(title=_("Summary: %(programme)s") % {"programme": programme.name})
    document.heading(document.title)
    document.text(_("Figures as of %(date)s.") % {"date": timezone.localdate().isoformat()})
    document.figures(
        [(label, display(value)) for label, value in key_figures(result, suppressed=False)]
    )
    for table in breakdowns(result, labels, suppressed=False):
        _breakdown_table(document, table)
    return document


def _target_table(document: Document, table: TargetTable) -> None:
    document.table(
        caption=table.title,
        columns=list(table.columns),
        rows=[[label, target, display(count), share] for label, target, count, share in table.rows],
    )


def _breakdown_table(document: Document, table: Breakdown) -> None:
    rows = [[code, label, display(value)] for code, label, value in table.rows]
    if table.total != "":
        rows.append(["", _("Total"), display(table.total)])
    document.table(
        caption=table.title,
        columns=[_("Code"), table.heading, _("Participants")],
        rows=rows,
        numeric_from=2,
    )


def summary_xlsx(programme: Programme) -> bytes:
    """The summary as a workbook: key figures, then one sheet per breakdown."""
    result = figures(Scope(programme=programme))
    labels = labels_for(programme)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    sheet.append([_("Figure"), _("Value")])
    sheet.append([_("Programme"), programme.code])
    for label, value in key_figures(result, suppressed=False):
        sheet.append([label, value])
    for table in breakdowns(result, labels, suppressed=False):
        page = book.create_sheet(table.heading[:31])
        page.append([_("Code"), table.heading, _("Participants")])
        for code, label, value in table.rows:
            page.append([code, label, value])
        if table.total != "":
            page.append(["", _("Total"), table.total])
    return workbook_bytes(book)


# The final report -------------------------------------------------------------------------


def final_report(programme: Programme) -> Document:
    """The programme's final report: cover, key figures against targets, charts, a page per
    municipality and per sub-goal, the sessions held, and the evaluation chapter."""
    scope = Scope(programme=programme)
    result = figures(scope)
    labels = labels_for(programme)
    document = Document(title=_("Final report: %(programme)s") % {"programme": programme.name})
    document.cover(
        title=programme.name,
        subtitle=_("Final report"),
        lines=[
            programme.owner,
            f"{programme.starts.isoformat()} – {programme.ends.isoformat()}",
            _("Made from the programme's data on %(date)s.")
            % {"date": timezone.localdate().isoformat()},
        ],
        funding=programme.funding_statement,
    )
    document.heading(_("Key figures against targets"))
    if programme.summary:
        document.text(programme.summary)
    document.figures(
        [(label, display(value)) for label, value in key_figures(result, suppressed=False)]
    )
    document.chart(reached_chart(result, suppressed=False), _("Participants reached over time"))
    tables = breakdowns(result, labels, suppressed=False)
    for table in target_tables(result, tables, targets_for(programme), labels):
        _target_table(document, table)
    for table in tables:
        document.chart(table.chart(), table.title)
        _breakdown_table(document, table)

    document.page_break()
    document.heading(_("Municipalities"))
    notes = dict(leaving_notes(programme))
    for note in notes.values():
        document.text(note)
    for municipality_id, name in _municipalities(programme):
        part = figures(Scope(programme=programme, municipality_id=municipality_id))
        document.heading(name, level=2)
        if municipality_id in notes:
            document.text(notes[municipality_id])
        document.figures(
            [
                (label, display(value))
                for label, value in key_figures(part, suppressed=False, target=False)
            ]
        )
        for table in breakdowns(part, labels, suppressed=False):
            if table.key in ("by_staff_category", "by_gender", "by_subgoal"):
                _breakdown_table(document, table)
        document.page_break()

    document.heading(_("Sub-goals"))
    held = list(sessions_held(scope).prefetch_related("course__subgoals"))
    for number, title in labels.subgoal.items():
        sessions = [
            s for s in held if any(str(g.number) == number for g in s.course.subgoals.all())
        ]
        document.heading(title, level=2)
        document.figures(
            [
                (_("Participants"), display(result.by_subgoal.get(number, 0))),
                (_("Sessions held"), display(len(sessions))),
                (_("Attendances"), display(sum(s.attended for s in sessions))),
            ]
        )
        courses: dict[str, list] = {}
        for session in sessions:
            courses.setdefault(session.course.title, []).append(session)
        document.table(
            caption=_("Courses in the sub-goal"),
            columns=[_("Course"), _("Sessions held"), _("Attendances")],
            rows=[
                [title_, display(len(items)), display(sum(s.attended for s in items))]
                for title_, items in sorted(courses.items())
            ],
        )
        document.page_break()

    document.heading(_("Sessions held"))
    document.table(
        caption=_("Sessions held"),
        columns=[_("Date"), _("Course"), _("Place"), _("Attended")],
        rows=[
            [
                timezone.localtime(s.starts).date().isoformat(),
                s.course.title,
                s.location or (s.host_municipality.name if s.host_municipality else ""),
                display(s.attended),
            ]
            for s in held
        ],
        numeric_from=3,
    )
    document.page_break()
    evaluation_chapter(document, programme)
    return document


def evaluation_chapter(document: Document, programme: Programme) -> None:
    """Per survey its response rate, the scale questions' means (a chart and a table) and the
    change since the series' before; per series every moment side by side and the paired
    change between each two, with its confidence interval."""
    from grannar.evaluation.analysis import programme_results, programme_series
    from grannar.evaluation.models import Question

    document.heading(_("Evaluation"))
    cache: dict = {}
    results = programme_results(programme, cache=cache)
    if not results:
        document.text(_("The programme has no survey results yet."))
        return
    document.text(
        _(
            "Scale questions run from 1 to 5. Figures for fewer than five answers are not shown; "
            "change is measured on the same people at two moments (before, after, follow-up), "
            "with a %(level)s confidence interval."
        )
        % {"level": "95 %"}
    )
    for result in results:
        survey = result.survey
        document.heading(survey.localized_title, level=2)
        rate = "–" if result.response_rate is None else _percent(result.response_rate)
        document.figures(
            [
                (_("Invited"), display(result.invitations)),
                (_("Answers"), display(result.responses)),
                (_("Response rate"), rate),
            ]
        )
        scales = [q for q in result.questions if q.question.kind == Question.Kind.LIKERT]
        if not scales:
            continue
        document.chart(
            charts.bar_chart(
                [
                    (q.question.localized_text, q.mean if q.mean is not None else PRIMARY)
                    for q in scales
                ],
                title=_("Mean answer (1–5)"),
            ),
            _("Mean answer (1–5)"),
        )
        document.table(
            caption=survey.localized_title,
            columns=[
                _("Question"),
                _("Answers"),
                _("Mean"),
                _("Change since before (%(level)s CI)") % {"level": "95 %"},
            ],
            rows=[
                [
                    q.question.localized_text,
                    display(q.n),
                    "–" if q.mean is None else f"{q.mean:.2f}",
                    "–" if q.paired is None else _change_text(q.paired),
                ]
                for q in scales
            ],
        )
    for series in programme_series(programme, cache=cache):
        _series_section(document, series)


def _change_text(paired) -> str:
    if paired.mean is None:
        return _("fewer than five pairs")
    return f"{paired.mean:+.2f} ({paired.low:+.2f} – {paired.high:+.2f})"


def _series_section(document: Document, series) -> None:
    """One series' moments side by side: the mean at each, then the paired changes."""
    document.heading(
        _("Before, after and follow-up: %(series)s") % {"series": series.series}, level=2
    )
    document.text(
        _(
            "Each change is measured on the people who answered at both moments; "
            "fewer than five answers or pairs are not shown."
        )
    )
    document.table(
        caption=_("Mean answer at each moment"),
        columns=[_("Question"), *[str(label).capitalize() for _moment, label in series.moments]],
        rows=[[q.question.localized_text, *_moment_cells(q, series)] for q in series.questions],
    )
    document.table(
        caption=_("Change for the same people between the moments"),
        columns=[
            _("Question"),
            _("Between"),
            _("Pairs"),
            _("Change (%(level)s CI)") % {"level": "95 %"},
        ],
        rows=[
            [
                q.question.localized_text,
                change.label,
                display(change.paired.n) if change.paired.n >= THRESHOLD else PRIMARY,
                _change_text(change.paired),
            ]
            for q in series.questions
            for change in q.changes
        ],
        numeric_from=2,
    )


def _moment_cells(question, series) -> list[str]:
    """The question's mean at each of the series' moments; blank where it was not asked."""
    found = {m.moment: m for m in question.moments}
    cells = []
    for moment, _label in series.moments:
        figure = found.get(moment)
        if figure is None:
            cells.append("")
        else:
            cells.append("–" if figure.mean is None else f"{figure.mean:.2f} (n = {figure.n})")
    return cells


def _municipalities(programme: Programme) -> list[tuple[int, str]]:
    return list(
        programme.memberships.filter(participates=True)
        .order_by("municipality__name")
        .values_list("municipality_id", "municipality__name")
    )


# The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One block of the dashboard: the figures of a scope, suppressed or in full."""

    title: str
    suppressed: bool
    key_figures: list[tuple[str, Value]]
    reached: list[tuple[str, int]]
    reached_chart: str
    tables: list[Breakdown]
    targets: list[TargetTable]


def sees_everything(user) -> bool:
    """Programme admins and auditors see every figure unsuppressed."""
    return user.is_superuser or user.has_role("admin", "auditor")


def dashboard(
    *, programme: Programme, user, start=None, end=None, municipality_id: int | None = None
) -> list[Section]:
    """The dashboard for `user`: in full for admins and auditors; a coordinator's own
    municipality in full and everything else suppressed; suppressed for evaluators."""
    labels = labels_for(programme)
    targets = targets_for(programme)
    names = dict(_municipalities(programme))
    full = sees_everything(user)
    own = [] if full else [m for m in user.coordinated_municipality_ids if m in names]
    sections = []
    if municipality_id is None:
        for m_id in own:
            sections.append(
                _section(Scope(programme, start, end, m_id), names[m_id], labels, targets, False)
            )
    title = names.get(municipality_id, "") if municipality_id else _("The whole programme")
    suppressed = not full and municipality_id not in own
    sections.append(
        _section(Scope(programme, start, end, municipality_id), title, labels, targets, suppressed)
    )
    return sections


def _section(
    scope: Scope, title: str, labels: Labels, targets: Targets, suppressed: bool
) -> Section:
    """One scope's figures; the programme's targets only where the scope is the whole of it."""
    result = figures(scope)
    tables = breakdowns(result, labels, suppressed=suppressed)
    whole = scope.municipality_id is None
    return Section(
        title=title,
        suppressed=suppressed,
        key_figures=key_figures(result, suppressed=suppressed, target=whole),
        reached=reached_points(result, suppressed=suppressed),
        reached_chart=reached_chart(result, suppressed=suppressed),
        tables=tables,
        targets=target_tables(result, tables, targets, labels) if whole else [],
    )
