"""The figures as people read them: labelled breakdowns (suppressed for those who must not see
small groups), key figures, charts, and the summary and final report built from them."""

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.collaboration.models import CompetencePlan, Outcome, Routine
from grannar.collaboration.selectors import lesson_list
from grannar.core import charts, numbers
from grannar.core.rules import FULL_COVERAGE_SECTORS, UNKNOWN
from grannar.core.spreadsheets import INTEGER, MONEY, PERCENT, Column, Spreadsheet
from grannar.core.suppression import PRIMARY, SECONDARY, THRESHOLD, suppress
from grannar.programmes.models import Programme
from grannar.programmes.selectors import left_memberships
from grannar.reporting.counting import (
    CollaborationFigures,
    Figures,
    collaboration_figures,
    figures,
    overdue_routines,
    sek,
)
from grannar.reporting.documents import Document
from grannar.reporting.selectors import (
    Labels,
    Targets,
    adopted_routines,
    handed_over_courses,
    labels_for,
    plans_by_status,
    sessions_held,
    targets_for,
    workshops_by_municipality,
)
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


def reached_points(
    result: Figures,
    *,
    suppressed: bool,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[tuple[str, Value]]:
    """Participants reached, cumulative, for every month from `start` to `end` (widened to any
    month with new participants), by the month of each person's first session in the period.

    When suppressed, new participants are held back until a step adds at least five people: a
    month in between, whose figure would show a smaller step, is shown as "..", and when fewer
    than five people were reached in all there is nothing to show."""
    new = result.reached_by_month
    bounds = [*new, *(f"{day:%Y-%m}" for day in (start, end) if day is not None)]
    if not bounds:
        return []
    months = _months(min(bounds), max(bounds))
    total = sum(new.values())
    if not suppressed:
        running = 0
        return [(month, running := running + new.get(month, 0)) for month in months]
    if 0 < total < THRESHOLD:
        return []
    steps: dict[str, int] = {}
    running = shown = 0
    for month, count in sorted(new.items()):
        running += count
        if running - shown >= THRESHOLD:
            steps[month] = shown = running
    if running != shown:
        # The last months add fewer than five: they join the last step, which stays ≥ 5.
        del steps[max(steps)]
        steps[max(new)] = running
    points: list[tuple[str, Value]] = []
    running = shown = 0
    for month in months:
        running += new.get(month, 0)
        if month in steps:
            shown = running
        points.append((month, running if running == shown else SECONDARY))
    return points


def _months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included."""
    year, month = map(int, first.split("-"))
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def reached_chart(result: Figures, *, suppressed: bool) -> str:
    return _reached_chart(
        reached_points(result, suppressed=suppressed), target=result.target_participants
    )


def _reached_chart(
    points: list[tuple[str, Value]], *, target: int | None, heading: bool = True
) -> str:
    return charts.line_chart(
        points,
        title=_("Participants reached over time"),
        target=target,
        target_label=_("Target: %(target)s") % {"target": display(target)} if target else "",
        heading=heading,
    )


def display(value: Value | Decimal | float) -> str:
    """A figure as the interface shows it: grouped digits, marks as they are."""
    if isinstance(value, str):
        return value
    return numbers.number(value)


def _percent(ratio: float) -> str:
    return numbers.percent(ratio)


# Collaboration and lasting change --------------------------------------------------------


def collaboration_rows(result: CollaborationFigures) -> list[tuple[str, str, float | int]]:
    """Every collaboration figure of the JSON summary as (JSON key, label, value), statuses and
    outcomes by name: what the summary's sheet and PDF list. Every routine status is listed,
    zeros included; outcomes only where someone has one."""
    rows: list[tuple[str, str, float | int]] = [
        ("pilot_workshops", _("Pilot workshops"), result.pilot_workshops),
        (
            "full_sector_coverage",
            _("Pilot workshops spanning three or more sectors"),
            result.full_sector_coverage,
        ),
    ]
    for status in Routine.Status:
        rows.append(
            (
                f"routines.{status.value}",
                _("Routines: %(status)s") % {"status": status.label},
                result.routines.get(status.value, 0),
            )
        )
    rows += [
        ("follow_ups_due", _("Routines with an overdue follow-up"), result.follow_ups_due),
        (
            "routines_in_use_at_follow_up",
            _("Routines in use at follow-up"),
            result.routines_in_use_at_follow_up,
        ),
        (
            "support_resources_engaged",
            _("Support resources engaged"),
            result.support_resources_engaged,
        ),
        ("support_resource_hours", _("Support resource hours"), result.support_resource_hours),
    ]
    for outcome in Outcome.Result:
        if outcome.value in result.support_resource_outcomes:
            rows.append(
                (
                    f"support_resource_outcomes.{outcome.value}",
                    _("Support resources' outcome: %(outcome)s") % {"outcome": outcome.label},
                    result.support_resource_outcomes[outcome.value],
                )
            )
    rows += [
        ("plan_coverage", _("Plan coverage"), result.plan_coverage),
        (
            "handed_over_courses",
            _("Courses handed over to the catalogue"),
            result.handed_over_courses,
        ),
        (
            "sessions_after_handover",
            _("Sessions of handed-over courses after the handover"),
            result.sessions_after_handover,
        ),
        (
            "mixed_sector_sessions",
            _("Sessions with participants from three or more sectors"),
            result.mixed_sector_sessions,
        ),
    ]
    return rows


def collaboration_targets(
    programme: Programme, result: CollaborationFigures
) -> list[tuple[str, str, float | int, float | int]]:
    """The collaboration targets the programme sets, as (key, label, target, reached). Routines
    adopted are those adopted or since followed up."""
    adopted = result.routines.get(Routine.Status.ADOPTED, 0) + result.routines.get(
        Routine.Status.FOLLOWED_UP, 0
    )
    specs = [
        (
            "pilot_workshops",
            _("Pilot workshops"),
            programme.target_pilot_workshops,
            result.pilot_workshops,
        ),
        ("routines_adopted", _("Routines adopted"), programme.target_routines_adopted, adopted),
        (
            "plan_coverage",
            _("Plan coverage"),
            None
            if programme.target_plan_coverage is None
            else float(programme.target_plan_coverage),
            result.plan_coverage,
        ),
    ]
    return [(key, label, goal, reached) for key, label, goal, reached in specs if goal is not None]


def _shown(key: str, value: float | int) -> str:
    """A collaboration figure as text: the coverage as a percentage, the rest as numbers."""
    return _percent(value) if key == "plan_coverage" else display(value)


def _target_share(goal: float | int, reached: float | int) -> str:
    return _percent(reached / goal) if goal else "–"


def _summary_collaboration(document: Document, programme: Programme, scope: Scope) -> None:
    """The collaboration figures and their targets, for the summary PDF."""
    result = collaboration_figures(scope)
    document.heading(_("Collaboration and lasting change"), level=2)
    document.table(
        caption=_("Collaboration and lasting change"),
        columns=[_("Figure"), _("Value")],
        rows=[[label, _shown(key, value)] for key, label, value in collaboration_rows(result)],
    )
    goals = collaboration_targets(programme, result)
    if goals:
        document.table(
            caption=_("Collaboration targets"),
            columns=[_("Figure"), _("Target"), _("Reached"), _("Share of target")],
            rows=[
                [label, _shown(key, goal), _shown(key, reached), _target_share(goal, reached)]
                for key, label, goal, reached in goals
            ],
        )


# The summary ------------------------------------------------------------------------------


def summary_json(programme: Programme) -> str:
    """DESIGN.md's JSON summary (unsuppressed, for programme admins)."""
    scope = Scope(programme=programme)
    summary = figures(scope).as_summary()
    summary["collaboration"] = collaboration_figures(scope).as_summary()
    return json.dumps(summary, ensure_ascii=False)


def summary_document(programme: Programme) -> Document:
    """Key figures, every breakdown and the collaboration figures, for the PDF summary."""
    scope = Scope(programme=programme)
    result = figures(scope)
    labels = labels_for(programme)
    document = Document(title=_("Summary: %(programme)s") % {"programme": programme.name})
    document.heading(document.title)
    document.text(_("Figures as of %(date)s.") % {"date": timezone.localdate().isoformat()})
    document.figures(
        [(label, display(value)) for label, value in key_figures(result, suppressed=False)]
    )
    for table in _document_breakdowns(result, labels):
        _breakdown_table(document, table)
    _summary_collaboration(document, programme, scope)
    return document


# Swedish alphabetical order puts å, ä and ö after z, in that order.
_SWEDISH_ORDER = str.maketrans({"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003"})


def _document_breakdowns(result: Figures, labels: Labels) -> list[Breakdown]:
    """The breakdowns in full, for documents: places and groups of people in alphabetical
    order, so a reader finds a name; genders, age bands and sub-goals in their own order."""
    tables = []
    for table in breakdowns(result, labels, suppressed=False):
        if table.key in ("by_municipality", "by_staff_category", "by_sector"):
            rows = sorted(table.rows, key=lambda row: row[1].casefold().translate(_SWEDISH_ORDER))
            table = replace(table, rows=rows)
        tables.append(table)
    return tables


def _target_table(document: Document, table: TargetTable) -> None:
    document.table(
        caption=table.title,
        columns=list(table.columns),
        rows=[[label, target, display(count), share] for label, target, count, share in table.rows],
    )


def _breakdown_table(document: Document, table: Breakdown) -> None:
    """A breakdown by name: readers of a document look for the municipality or category, not
    its code (the codes are in the JSON and XLSX summaries)."""
    rows = [[label, display(value)] for _code, label, value in table.rows]
    if table.total != "":
        rows.append([_("Total"), display(table.total)])
    document.table(caption=table.title, columns=[table.heading, _("Participants")], rows=rows)


def summary_xlsx(programme: Programme, *, made_by: str) -> bytes:
    """The summary as a workbook: what it is, the key figures as numbers, then one sheet per
    breakdown with names (the municipality code beside the name) and each row's share, and the
    collaboration figures with their targets."""
    scope = Scope(programme=programme)
    result = figures(scope)
    labels = labels_for(programme)
    book = Spreadsheet(
        title=_("Summary"),
        programme=f"{programme.name} ({programme.code})",
        period=f"{programme.starts.isoformat()} – {programme.ends.isoformat()}",
        made_by=made_by,
    )
    sheet = book.sheet(_("Key figures"), [Column(_("Figure")), Column(_("Value"))])
    for label, value, number_format in [
        (_("Participants"), result.participants, INTEGER),
        (_("Target"), result.target_participants, INTEGER),
        (_("Attainment"), result.attainment, PERCENT),
        (_("Support resources"), result.support_resources, INTEGER),
        (_("Sessions held"), result.sessions_held, INTEGER),
        (_("Attended hours"), result.attended_hours, INTEGER),
        (_("Co-financing"), result.cofinancing_sek, MONEY),
    ]:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    for table in breakdowns(result, labels, suppressed=False):
        coded = table.key == "by_municipality"
        columns = [Column(table.heading), Column(_("Participants"), INTEGER)]
        if table.key != "by_subgoal":
            columns.append(Column(_("Share"), PERCENT))
        page = book.sheet(table.heading, [Column(_("Municipality code"))] * coded + columns)
        for code, label, value in table.rows:
            unknown_age = table.key == "by_age_band" and code == UNKNOWN
            shown = _("Unknown") if unknown_age else label[:1].upper() + label[1:]
            share = [value / table.total if table.total else 0.0] if table.total != "" else []
            page.append([code] * coded + [shown, value, *share])
        if table.total != "":
            page.append([""] * coded + [_("Total"), table.total, 1.0 if table.total else 0.0])
    together = collaboration_figures(scope)
    page = book.sheet(_("Collaboration"), [Column(_("Figure")), Column(_("Value"))])
    for key, label, value in collaboration_rows(together):
        page.append([label, value])
        page.cell(row=page.max_row, column=2).number_format = (
            PERCENT if key == "plan_coverage" else INTEGER
        )
    goals = collaboration_targets(programme, together)
    if goals:
        page = book.sheet(
            _("Collaboration targets"),
            [
                Column(_("Figure")),
                Column(_("Target")),
                Column(_("Reached")),
                Column(_("Share of target"), PERCENT),
            ],
        )
        for key, label, goal, reached in goals:
            page.append([label, goal, reached, reached / goal if goal else 0.0])
            for column in (2, 3):
                page.cell(row=page.max_row, column=column).number_format = (
                    PERCENT if key == "plan_coverage" else INTEGER
                )
    return book.xlsx()


# The final report -------------------------------------------------------------------------


def _cover(document: Document, programme: Programme, subtitle: str) -> None:
    document.cover(
        title=programme.name,
        subtitle=subtitle,
        lines=[
            programme.owner,
            f"{programme.starts.isoformat()} – {programme.ends.isoformat()}",
            _("Made from the programme's data on %(date)s.")
            % {"date": timezone.localdate().isoformat()},
        ],
        funding=programme.funding_statement,
    )


def final_report(programme: Programme) -> Document:
    """The programme's final report: cover, key figures against targets, charts, a page per
    municipality (with its pilot workshop) and per sub-goal, the sessions held, the chapters on
    lasting change and on what we can learn, and the evaluation chapter."""
    scope = Scope(programme=programme)
    result = figures(scope)
    labels = labels_for(programme)
    document = Document(title=_("Final report: %(programme)s") % {"programme": programme.name})
    _cover(document, programme, _("Final report"))
    document.heading(_("Key figures against targets"))
    if programme.summary:
        document.text(programme.summary)
    document.figures(
        [(label, display(value)) for label, value in key_figures(result, suppressed=False)]
    )
    document.chart(reached_chart(result, suppressed=False), _("Participants reached over time"))
    tables = _document_breakdowns(result, labels)
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
    workshops = workshops_by_municipality(programme)
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
        for table in _document_breakdowns(part, labels):
            if table.key in ("by_staff_category", "by_gender", "by_subgoal"):
                _breakdown_table(document, table)
        _workshop_section(document, workshops.get(municipality_id))
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
    collaboration = collaboration_figures(scope)
    lasting_change_chapter(document, programme, collaboration)
    document.page_break()
    lessons_chapter(document, programme)
    document.page_break()
    evaluation_chapter(document, programme)
    return document


def _label(choices, value: str) -> str:
    """A stored choice as a reader says it, capitalised."""
    return str(choices(value).label).capitalize()


def _workshop_section(document: Document, workshop) -> None:
    """A municipality's pilot workshop: its focus, the sectors of its group (and a plain note
    when they are fewer than the full coverage) and its routines with their status."""
    document.heading(_("Pilot workshop"), level=3)
    if workshop is None:
        document.text(_("None is recorded for the municipality."))
        return
    sectors = sorted({member.sector.name for member in workshop.members.all()}, key=_swedish)
    document.entries(
        [
            (_("Focus"), workshop.focus or "–"),
            (_("Sectors in the group"), ", ".join(sectors) or "–"),
        ]
    )
    if len(sectors) < FULL_COVERAGE_SECTORS:
        document.text(
            ngettext(
                "The group spans %(count)s of the %(full)s sectors (school, social services and "
                "housing) that a pilot workshop is meant to bring together.",
                "The group spans %(count)s of the %(full)s sectors (school, social services and "
                "housing) that a pilot workshop is meant to bring together.",
                len(sectors),
            )
            % {"count": len(sectors), "full": FULL_COVERAGE_SECTORS}
        )
    routines = list(workshop.routines.all())
    if not routines:
        document.text(_("The workshop has recorded no routines."))
        return
    document.table(
        caption=_("Routines of the pilot workshop"),
        columns=[_("Routine"), _("Status"), _("Adopted on"), _("Still in use")],
        rows=[
            [
                routine.title,
                _label(Routine.Status, routine.status),
                routine.adopted_on.isoformat() if routine.adopted_on else "–",
                _label(Routine.InUse, routine.in_use) if routine.in_use else "–",
            ]
            for routine in routines
        ],
        numeric_from=4,
    )


def _swedish(name: str) -> str:
    return name.casefold().translate(_SWEDISH_ORDER)


def collaboration_key_figures(
    result: CollaborationFigures, *, suppressed: bool
) -> list[tuple[str, str]]:
    """The collaboration headline figures as a document shows them; counts of people (the
    support resources) hidden under five when `suppressed`, their hours with them."""
    adopted = sum(
        result.routines.get(status, 0)
        for status in (Routine.Status.ADOPTED, Routine.Status.FOLLOWED_UP)
    )
    few = suppressed and 0 < result.support_resources_engaged < THRESHOLD
    return [
        (_("Pilot workshops"), display(result.pilot_workshops)),
        (
            _("Pilot workshops spanning three or more sectors"),
            display(result.full_sector_coverage),
        ),
        (_("Routines adopted (followed up included)"), display(adopted)),
        (
            _("Routines followed up"),
            display(result.routines.get(Routine.Status.FOLLOWED_UP, 0)),
        ),
        (_("Routines still in use at follow-up"), display(result.routines_in_use_at_follow_up)),
        (_("Follow-ups due"), display(result.follow_ups_due)),
        (
            _("Support resources engaged"),
            display(small(result.support_resources_engaged, suppressed=suppressed)),
        ),
        (_("Support resources' hours"), "–" if few else display(result.support_resource_hours)),
        (_("Plan coverage"), _percent(result.plan_coverage)),
        (_("Courses handed over to the regular catalogue"), display(result.handed_over_courses)),
        (_("Sessions after the handover"), display(result.sessions_after_handover)),
        (
            _("Sessions with three or more sectors in the room"),
            display(result.mixed_sector_sessions),
        ),
    ]


def lasting_change_chapter(
    document: Document, programme: Programme, result: CollaborationFigures
) -> None:
    """Routines adopted and followed up, competence plans, courses handed over and the support
    resources' outcomes. The report is public: counts of people under five are hidden."""
    document.heading(_("Lasting change"))
    document.figures(collaboration_key_figures(result, suppressed=True))

    document.heading(_("Routines adopted and followed up"), level=2)
    routines = adopted_routines(programme)
    in_use = Counter(r.in_use for r in routines if r.status == Routine.Status.FOLLOWED_UP)
    document.figures(
        [
            (_label(Routine.InUse, value), display(in_use.get(value, 0)))
            for value in Routine.InUse.values
        ]
    )
    if routines:
        document.table(
            caption=_("Routines adopted and followed up"),
            columns=[
                _("Municipality"),
                _("Routine"),
                _("Adopted on"),
                _("Followed up on"),
                _("Still in use"),
            ],
            rows=[
                [
                    routine.workshop.municipality.name,
                    routine.title,
                    routine.adopted_on.isoformat() if routine.adopted_on else "–",
                    routine.followed_up_on.isoformat() if routine.followed_up_on else "–",
                    _label(Routine.InUse, routine.in_use) if routine.in_use else "–",
                ]
                for routine in routines
            ],
            numeric_from=5,
        )
    else:
        document.text(_("No routine has been adopted yet."))

    document.heading(_("Competence-supply plans"), level=2)
    document.text(
        _(
            "Plan coverage is the share of workplaces with at least one participant that have "
            "an adopted or followed-up plan: %(with_plan)s of %(workplaces)s."
        )
        % {
            "with_plan": display(result.workplaces_with_plan),
            "workplaces": display(result.workplaces_with_participants),
        }
    )
    plans = plans_by_status(programme)
    document.figures(
        [(_("Plan coverage"), _percent(result.plan_coverage))]
        + [
            (_label(CompetencePlan.Status, status), display(plans.get(status, 0)))
            for status in CompetencePlan.Status.values
        ]
    )

    document.heading(_("Courses handed over to the regular catalogue"), level=2)
    courses = handed_over_courses(programme, timezone.localdate())
    if courses:
        document.text(
            _(
                "Sessions after the handover belong to the regular catalogue and count in no "
                "figure of the programme; they are listed here to show that the courses live on."
            )
        )
        document.table(
            caption=_("Courses handed over"),
            columns=[
                _("Course"),
                _("Handed over on"),
                _("Receiving organiser"),
                _("Sessions afterwards"),
                _("Attended afterwards"),
            ],
            rows=[
                [
                    course.title,
                    course.handed_over_on.isoformat(),
                    course.receiving_organiser or "–",
                    display(course.sessions_after),
                    display(small(course.attended_after, suppressed=True)),
                ]
                for course in courses
            ],
            numeric_from=3,
        )
    else:
        document.text(_("No course has been handed over to the regular catalogue yet."))

    document.heading(_("Support resources' outcomes"), level=2)
    document.text(
        _(
            "Each support resource counts once, by their latest recorded outcome (at follow-up "
            "before at programme end). Groups of fewer than five are shown as <5, and a figure "
            "from which such a group could be worked out is shown as two dots."
        )
    )
    outcomes = result.support_resource_outcomes
    if outcomes:
        hidden = suppress(outcomes)
        rows = [
            [_label(Outcome.Result, code), display(value)] for code, value in hidden.cells.items()
        ]
        rows.append([_("Total"), display(hidden.total)])
        document.table(
            caption=_("Support resources by outcome"),
            columns=[_("Outcome"), _("Support resources")],
            rows=rows,
        )
    else:
        document.text(_("No outcome has been recorded for the support resources yet."))


def lessons_chapter(document: Document, programme: Programme) -> None:
    """“What can we learn?”: every lesson in full, grouped by what it is tied to."""
    document.heading(_("What can we learn?"))
    groups = _lesson_groups(programme)
    if not groups:
        document.text(_("No lessons have been recorded yet."))
        return
    for heading, lessons in groups:
        document.heading(heading, level=2)
        for lesson in lessons:
            document.heading(lesson.title, level=3)
            document.entries(
                [
                    (_("Context"), lesson.context),
                    (_("What we did"), lesson.what_we_did),
                    (_("What happened"), lesson.what_happened),
                    (_("Recommendation"), lesson.recommendation),
                ]
            )


def _lesson_groups(programme: Programme) -> list[tuple[str, list]]:
    """The programme's lessons under what they are tied to: the programme as a whole first,
    then pilot workshops, routines and courses, each by name; oldest lesson first."""
    groups: dict[tuple[int, str], list] = {}
    for lesson in reversed(lesson_list(programme=programme)):
        if lesson.workshop_id:
            key = (
                1,
                _("Pilot workshop: %(municipality)s")
                % {"municipality": lesson.workshop.municipality.name},
            )
        elif lesson.routine_id:
            key = (2, _("Routine: %(routine)s") % {"routine": lesson.routine.title})
        elif lesson.course_id:
            key = (3, _("Course: %(course)s") % {"course": lesson.course.title})
        else:
            key = (0, _("The programme as a whole"))
        groups.setdefault(key, []).append(lesson)
    return [
        (heading, lessons)
        for (_order, heading), lessons in sorted(
            groups.items(), key=lambda item: (item[0][0], _swedish(item[0][1]))
        )
    ]


def final_summary(programme: Programme) -> Document:
    """The short final report: the key figures against the target, the collaboration headline
    figures and the lessons' recommendations, in a few pages."""
    scope = Scope(programme=programme)
    result = figures(scope)
    document = Document(
        title=_("Final report in brief: %(programme)s") % {"programme": programme.name}
    )
    _cover(document, programme, _("Final report in brief"))
    document.heading(_("Key figures against targets"))
    if programme.summary:
        document.text(programme.summary)
    document.figures(
        [(label, display(value)) for label, value in key_figures(result, suppressed=False)]
    )
    document.chart(reached_chart(result, suppressed=False), _("Participants reached over time"))
    document.page_break()
    document.heading(_("Collaboration and lasting change"))
    document.figures(collaboration_key_figures(collaboration_figures(scope), suppressed=True))
    document.heading(_("What can we learn?"))
    groups = _lesson_groups(programme)
    if not groups:
        document.text(_("No lessons have been recorded yet."))
    for heading, lessons in groups:
        document.heading(heading, level=2)
        document.entries([(lesson.title, lesson.recommendation) for lesson in lessons])
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
                    "–" if q.mean is None else numbers.number(q.mean, 2),
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
    return (
        f"{numbers.signed(paired.mean, 2)} "
        f"({numbers.signed(paired.low, 2)} – {numbers.signed(paired.high, 2)})"
    )


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
            cells.append(
                "–"
                if figure.mean is None
                else f"{numbers.number(figure.mean, 2)} (n = {numbers.number(figure.n)})"
            )
    return cells


def _municipalities(programme: Programme) -> list[tuple[int, str]]:
    return list(
        programme.memberships.filter(participates=True)
        .order_by("municipality__name")
        .values_list("municipality_id", "municipality__name")
    )


# The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One figure of the dashboard under its own heading: a sentence saying what it counts, the
    chart, and the table it is drawn from (a breakdown or a target table)."""

    key: str
    title: str
    note: str
    chart: str = ""
    breakdown: Breakdown | None = None
    targets: TargetTable | None = None


@dataclass(frozen=True)
class Section:
    """One block of the dashboard: the figures of a scope, suppressed or in full."""

    title: str
    suppressed: bool
    key_figures: list[tuple[str, Value, str]]  # label, value, what it counts
    target_note: str  # why no target or attainment is shown, or ""
    reached: list[tuple[str, Value]]
    reached_panel: Panel
    targets: list[Panel]
    tables: list[Panel]
    collaboration: "CollaborationPanel"


@dataclass(frozen=True)
class FigureTable:
    """One collaboration figure of the dashboard: a sentence saying what it counts, a chart and
    the table it is drawn from, rows of (code, label, value) under `heading` and `unit`."""

    key: str
    title: str
    note: str
    heading: str
    unit: str
    rows: list[tuple[str, str, Value]]
    total: Value = ""
    withheld: bool = False

    @property
    def chart(self) -> str:
        return charts.bar_chart(
            [(label, value) for _code, label, value in self.rows],
            title=self.title,
            empty="–",
            heading=False,
        )


@dataclass(frozen=True)
class CollaborationPanel:
    """The collaboration figures of a section: key figures (code, label, value, what it
    counts), the tables with charts, the targets where the section has them, and for admins the
    routines whose follow-up is overdue."""

    key_figures: list[tuple[str, str, Value, str]]
    tables: list[FigureTable]
    targets: TargetTable | None
    overdue: list[dict]


def collaboration_panel(
    *,
    programme: Programme,
    scope: Scope,
    sessions_held_: int,
    suppressed: bool,
    with_targets: bool,
    admin: bool,
) -> CollaborationPanel:
    """The collaboration figures of `scope` for the dashboard. Counts of people (support
    resources, their outcomes) are suppressed like every breakdown; workshops, routines, plans,
    courses and sessions are not people and are shown as they are (docs/decisions.md). The
    catalogue handover belongs to the programme, so a municipality's panel leaves it out."""
    result = collaboration_figures(scope)
    whole = scope.municipality_id is None
    engaged = result.support_resources_engaged
    few = suppressed and 0 < engaged < THRESHOLD
    key_figures = [
        (
            "follow_ups_due",
            _("Routines with an overdue follow-up"),
            result.follow_ups_due,
            _(
                "Adopted routines whose follow-up date has passed without a follow-up being "
                "recorded."
            ),
        ),
        (
            "routines_in_use_at_follow_up",
            _("Routines in use at follow-up"),
            result.routines_in_use_at_follow_up,
            _("Followed-up routines that were found to be fully in use."),
        ),
        (
            "support_resources_engaged",
            _("Support resources engaged"),
            small(engaged, suppressed=suppressed),
            _(
                "Support resources who took part in a session or a pilot-workshop meeting, or "
                "attended a session, in the period."
            ),
        ),
        (
            "support_resource_hours",
            _("Support resource hours"),
            "–" if few else result.support_resource_hours,
            _("The support resources' engagement hours, rounded down to whole hours each."),
        ),
        (
            "plan_coverage",
            _("Plan coverage"),
            _percent(result.plan_coverage),
            _(
                "Workplaces with an adopted or followed-up competence-supply plan, as a share of "
                "the workplaces with at least one participant."
            ),
        ),
    ]
    outcomes: dict[str, Value] = dict(result.support_resource_outcomes)
    outcomes_total: Value = sum(result.support_resource_outcomes.values())
    withheld = False
    if suppressed:
        hidden = suppress(result.support_resource_outcomes)
        withheld = 0 < outcomes_total < 2 * THRESHOLD or hidden.total == SECONDARY
        outcomes = {} if withheld else hidden.cells
        outcomes_total = "" if withheld else hidden.total
    full = result.full_sector_coverage
    plans = result.workplaces_with_plan
    tables = [
        FigureTable(
            key="pilot_workshops",
            title=_("Pilot workshops by sector coverage"),
            note=_(
                "Workshops of the participating municipalities, by whether their project group "
                "spans three or more sectors."
            ),
            heading=_("Sector coverage"),
            unit=_("Pilot workshops"),
            rows=[
                ("full", _("Three or more sectors"), full),
                ("partial", _("Fewer than three sectors"), result.pilot_workshops - full),
            ],
            total=result.pilot_workshops,
        ),
        FigureTable(
            key="routines",
            title=_("Routines by status"),
            note=_(
                "Each routine of the workshops counts once, in the status it had on the "
                "period's last day (today while the period runs)."
            ),
            heading=_("Status"),
            unit=_("Routines"),
            rows=[
                (status.value, str(status.label).capitalize(), result.routines.get(status, 0))
                for status in Routine.Status
            ],
            total=sum(result.routines.values()),
        ),
        FigureTable(
            key="support_resource_outcomes",
            title=_("Support resources by outcome"),
            note=_(
                "Each support resource with a recorded outcome counts once, by the latest one "
                "(the follow-up after the programme's end)."
            ),
            heading=_("Outcome"),
            unit=_("Support resources"),
            rows=[
                (code, str(Outcome.Result(code).label).capitalize(), value)
                for code, value in outcomes.items()
            ],
            total=outcomes_total,
            withheld=withheld,
        ),
        FigureTable(
            key="plans",
            title=_("Workplaces with a competence-supply plan"),
            note=_(
                "Workplaces with at least one participant in the period, by whether they have an "
                "adopted or followed-up competence-supply plan."
            ),
            heading=_("Workplaces"),
            unit=_("Workplaces"),
            rows=[
                ("with_plan", _("With a plan"), plans),
                (
                    "without_plan",
                    _("Without a plan"),
                    result.workplaces_with_participants - plans,
                ),
            ],
            total=result.workplaces_with_participants,
        ),
    ]
    if whole:
        tables.append(
            FigureTable(
                key="handover",
                title=_("Courses handed over to the regular catalogue"),
                note=_(
                    "Courses handed over to the regular catalogue, and their sessions that "
                    "started after the handover; those sessions count in no other figure."
                ),
                heading=_("Figure"),
                unit=_("Number"),
                rows=[
                    ("handed_over_courses", _("Courses handed over"), result.handed_over_courses),
                    (
                        "sessions_after_handover",
                        _("Sessions after the handover"),
                        result.sessions_after_handover,
                    ),
                ],
            )
        )
    mixed = result.mixed_sector_sessions
    tables.append(
        FigureTable(
            key="mixed_sector_sessions",
            title=_("Sessions that brought sectors together"),
            note=_(
                "Sessions held in the period, by whether their participants (support resources "
                "not included) came from three or more sectors."
            ),
            heading=_("Sectors in the room"),
            unit=_("Sessions"),
            rows=[
                ("mixed", _("Three or more sectors"), mixed),
                ("other", _("Fewer than three sectors"), max(sessions_held_ - mixed, 0)),
            ],
            total=max(sessions_held_, mixed),
        )
    )
    targets = None
    goals = collaboration_targets(programme, result) if with_targets else []
    if goals:
        targets = TargetTable(
            key="collaboration",
            title=_("Collaboration targets"),
            columns=(_("Figure"), _("Target"), _("Reached"), _("Share of target")),
            rows=[
                (label, _shown(key, goal), _shown(key, reached), _target_share(goal, reached))
                for key, label, goal, reached in goals
            ],
        )
    return CollaborationPanel(
        key_figures=key_figures,
        tables=tables,
        targets=targets,
        overdue=overdue_routines(scope) if admin and not suppressed else [],
    )


def sees_everything(user) -> bool:
    """Programme admins and auditors see every figure unsuppressed."""
    return user.is_superuser or user.has_role("admin", "auditor")


def dashboard(
    *, programme: Programme, user, start=None, end=None, municipality_id: int | None = None
) -> list[Section]:
    """The dashboard for `user`: in full for admins and auditors; a coordinator's own
    municipality in full and everything else suppressed; suppressed for evaluators. Each
    section is measured against its own target: the programme's, a municipality's own, or none
    when the period is shorter than the programme's."""
    labels = labels_for(programme)
    targets = targets_for(programme)
    members = {
        m_id: (name, target, participates)
        for m_id, name, target, participates in programme.memberships.values_list(
            "municipality_id", "municipality__name", "target", "participates"
        )
    }
    full = sees_everything(user)
    own = [
        m for m in user.coordinated_municipality_ids if m in members and members[m][2] and not full
    ]
    view = _View(
        programme=programme,
        labels=labels,
        targets=targets,
        start=start,
        end=end,
        admin=user.is_superuser or user.has_role("admin"),
    )
    sections = []
    if municipality_id is None:
        for m_id in own:
            name, goal, _participates = members[m_id]
            sections.append(view.section(m_id, name, goal, suppressed=False))
    if municipality_id:
        name, goal, _participates = members.get(municipality_id, ("", None, False))
    else:
        name, goal = _("The whole programme"), programme.target_participants
    suppressed = not full and municipality_id not in own
    sections.append(view.section(municipality_id, name, goal, suppressed=suppressed))
    return sections


@dataclass(frozen=True)
class _View:
    """What every section of one dashboard shares: the programme, its names and targets, and
    the period asked for."""

    programme: Programme
    labels: Labels
    targets: Targets
    start: dt.date | None
    end: dt.date | None
    admin: bool = False

    @property
    def whole_period(self) -> bool:
        """Whether the period covers the programme's, the only one its targets are set for."""
        programme = self.programme
        return (self.start is None or self.start <= programme.starts) and (
            self.end is None or self.end >= programme.ends
        )

    def axis(self) -> tuple[dt.date, dt.date]:
        """The months the time axis spans: from the period's (or the programme's) start to its
        end, or to today while it is still running (never before the start)."""
        first = self.start or self.programme.starts
        last = min(self.end or self.programme.ends, timezone.localdate())
        return first, max(first, last)

    def section(
        self, municipality_id: int | None, title: str, goal: int | None, *, suppressed: bool
    ) -> Section:
        """One scope's figures against `goal` (its own target) where the period allows."""
        scope = Scope(self.programme, self.start, self.end, municipality_id)
        result = figures(scope)
        whole = municipality_id is None
        target_note = ""
        if not self.whole_period:
            goal = None
            target_note = _(
                "The targets are set for the whole programme period (%(start)s – %(end)s), so "
                "a shorter period is shown without targets or attainment."
            ) % {"start": self.programme.starts.isoformat(), "end": self.programme.ends.isoformat()}
        elif not goal:
            goal = None
            target_note = _(
                "%(municipality)s has no participant target of its own in the programme file, "
                "so no target or attainment is shown."
            ) % {"municipality": title}
        tables = breakdowns(result, self.labels, suppressed=suppressed)
        start, end = self.axis()
        reached = reached_points(result, suppressed=suppressed, start=start, end=end)
        target_tables_ = (
            target_tables(result, tables, self.targets, self.labels)
            if whole and self.whole_period
            else []
        )
        return Section(
            title=title,
            suppressed=suppressed,
            key_figures=_explained(
                key_figures(
                    replace(result, target_participants=goal or 0),
                    suppressed=suppressed,
                    target=goal is not None,
                ),
                whole=whole,
            ),
            target_note=target_note,
            reached=reached,
            reached_panel=Panel(
                key="reached",
                title=_("Participants reached over time"),
                note=_reached_note(suppressed),
                chart=_reached_chart(reached, target=goal, heading=False),
            ),
            targets=[
                Panel(key=t.key, title=t.title, note=_target_notes()[t.key], targets=t)
                for t in target_tables_
            ],
            tables=[
                Panel(
                    key=t.key,
                    title=t.title,
                    note=_breakdown_notes()[t.key],
                    chart=charts.bar_chart(
                        [(label, value) for _code, label, value in t.rows],
                        title=t.title,
                        empty="–",
                        heading=False,
                    ),
                    breakdown=t,
                )
                for t in tables
            ],
            collaboration=collaboration_panel(
                programme=self.programme,
                scope=scope,
                sessions_held_=result.sessions_held,
                suppressed=suppressed,
                with_targets=whole and self.whole_period,
                admin=self.admin,
            ),
        )


def _explained(figures_: list[tuple[str, Value]], *, whole: bool) -> list[tuple[str, Value, str]]:
    """Each key figure with one sentence saying what it counts."""
    if whole:
        scoped = {
            _("Participants"): _(
                "People who attended at least one session in the period, support resources not "
                "included; each person counts once."
            ),
            _("Target"): _("The programme's target for participants over its whole period."),
            _("Sessions held"): _("Sessions that at least one person attended in the period."),
        }
    else:
        scoped = {
            _("Participants"): _(
                "People of the municipality (by their current record) who attended at least one "
                "session in the period, support resources not included."
            ),
            _("Target"): _(
                "The municipality's own target for participants over the whole programme period."
            ),
            _("Sessions held"): _(
                "Sessions that someone from the municipality attended: a session counts for "
                "every municipality its people come from, not for the host, so the "
                "municipalities' figures can add up to more than the programme's."
            ),
        }
    notes = {
        **scoped,
        _("Attainment"): _("Participants as a share of the target."),
        _("Support resources"): _(
            "Support resources who attended at least one session in the period; they are not "
            "counted as participants."
        ),
        _("Attended hours"): _(
            "The participants' attended hours, rounded down to whole hours per attendance (the "
            "session's credited hours where none were recorded)."
        ),
        _("Co-financing (SEK)"): _(
            "Whole attended hours times the hourly rate of each participant's staff category "
            "(the programme's default rate where the category sets none)."
        ),
    }
    return [(label, value, notes.get(label, "")) for label, value in figures_]


def _reached_note(suppressed: bool) -> str:
    if suppressed:
        return _(
            "Participants so far, by the month of their first attended session in the period; "
            "“..” marks a month whose figure would reveal a group of fewer than five."
        )
    return _(
        "Participants so far, by the month of their first attended session in the period; a "
        "month without new participants repeats the month before."
    )


def _breakdown_notes() -> dict[str, str]:
    return {
        "by_municipality": _(
            "Each participant counts once, in the municipality of their current record, so the "
            "rows add up to all participants."
        ),
        "by_staff_category": _(
            "Each participant counts once, in the staff category of their current record."
        ),
        "by_sector": _("Each participant counts once, in the sector of their staff category."),
        "by_gender": _(
            "Each participant counts once, by the gender in their record (“not given” where "
            "none is recorded)."
        ),
        "by_age_band": _(
            "Each participant counts once, by their age in the year of their first attended "
            "session in the programme."
        ),
        "by_subgoal": _(
            "A participant counts once under each sub-goal of the courses they attended, so the "
            "rows can add up to more than all participants."
        ),
    }


def _target_notes() -> dict[str, str]:
    return {
        "by_municipality": _(
            "Participants of each municipality against the municipality's own target for the "
            "whole programme period."
        ),
        "by_staff_category": _(
            "Participants of each staff category against the category's target for the whole "
            "programme period."
        ),
        "by_gender": _("Each gender's share of all participants against the planned share."),
    }
