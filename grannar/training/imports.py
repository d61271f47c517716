"""Imports of sessions.csv and attendance.csv (CSV or XLSX), as DESIGN.md specifies.

Every row is checked first; problems are reported as `row N, column C: what is wrong` with
rows counted as a spreadsheet shows them (the header is row 1). By default one problem stops
the whole file; `skip_invalid` imports the valid rows. `dry_run` does the whole import in a
transaction that is rolled back, so it reports exactly what would change.
"""

import csv
import datetime as dt
import functools
import io
import time
import zipfile
import zoneinfo
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from grannar.core.audit import log_action
from grannar.core.bulk import id_list, insert_rows
from grannar.core.pause import pause_point
from grannar.people.checks import check_birth_year
from grannar.people.models import Gender, Person, Workplace, normalize_email
from grannar.programmes.models import Municipality, Programme, ProgrammeCategory
from grannar.training import rollups
from grannar.training.models import Attendance, Course, Registration, Session
from grannar.training.signals import attendance_recorded_after_commit

LOCAL = zoneinfo.ZoneInfo("Europe/Stockholm")
SESSION_COLUMNS = [
    "session_code", "course_code", "course_title", "format", "subgoals", "starts", "ends",
    "hours", "capacity", "location", "municipality_code",
]  # fmt: skip
ATTENDANCE_COLUMNS = [
    "session_code", "email", "first_name", "last_name", "gender", "birth_year",
    "municipality_code", "workplace", "staff_category", "support_resource", "status",
    "attended_hours",
]  # fmt: skip
# Where each column is stored, so that a value longer than its field is a row problem.
SESSION_LENGTHS = {
    "session_code": (Session, "code"),
    "course_code": (Course, "code"),
    "course_title": (Course, "title"),
    "location": (Session, "location"),
}
ATTENDANCE_LENGTHS = {
    "email": (Person, "email"),
    "first_name": (Person, "first_name"),
    "last_name": (Person, "last_name"),
    "workplace": (Workplace, "name"),
}
# The columns whose values every row of one course must share.
COURSE_COLUMNS = ("course_title", "format", "subgoals")
CHANGE_LABELS = {
    "courses_created": gettext_lazy("courses created"),
    "courses_updated": gettext_lazy("courses updated"),
    "courses_unchanged": gettext_lazy("courses unchanged"),
    "sessions_created": gettext_lazy("sessions created"),
    "sessions_updated": gettext_lazy("sessions updated"),
    "sessions_unchanged": gettext_lazy("sessions unchanged"),
    "workplaces_created": gettext_lazy("workplaces created"),
    "people_created": gettext_lazy("people created"),
    "people_updated": gettext_lazy("people updated"),
    "people_unchanged": gettext_lazy("people unchanged"),
    "registrations_created": gettext_lazy("registrations created"),
    "registrations_updated": gettext_lazy("registrations updated"),
    "registrations_unchanged": gettext_lazy("registrations unchanged"),
    "attendance_created": gettext_lazy("attendance recorded"),
    "attendance_updated": gettext_lazy("attendance changed"),
    "attendance_unchanged": gettext_lazy("attendance unchanged"),
    "attendance_removed": gettext_lazy("attendance removed"),
}
# Rows written per statement batch, and how often progress is reported while reading.
CHUNK_ROWS = 2000
PROGRESS_EVERY = 1000
# on_progress(stage, done, total): stage "checking" while rows are checked, then "writing".
Progress = Callable[[str, int, int], None]
GENDERS = frozenset(Gender.values)
YES = {"ja", "true", "1"}
NO = {"nej", "false", "0", ""}
STATUSES = {
    "attended": Registration.Status.ATTENDED,
    "no_show": Registration.Status.NO_SHOW,
    "cancelled": Registration.Status.CANCELLED,
    "registered": Registration.Status.CONFIRMED,
}


class ImportRefused(Exception):
    def __init__(self, report: "ImportReport"):
        self.report = report
        super().__init__("\n".join(report.problems))


@dataclass
class ImportReport:
    """What an import found and changed; `as_dict` is what the web interface keeps."""

    kind: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    skipped_rows: int = 0
    changes: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(count for key, count in self.changes.items() if not key.endswith("unchanged"))

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "problems": self.problems,
            "skipped_rows": self.skipped_rows,
            "changes": dict(sorted(self.changes.items())),
            "notes": self.notes,
        }

    def summary(self) -> str:
        """The changes in words of the interface language; says so when nothing changed."""
        parts = ", ".join(f"{label}: {count}" for label, count in change_lines(self.changes))
        if not parts:
            return _("nothing to import")
        if not self.changed:
            return _("nothing changed (%(details)s)") % {"details": parts}
        return parts


def change_lines(changes: dict) -> list[tuple[str, int]]:
    """(label, count) for each kind of change, in the order of CHANGE_LABELS."""
    order = list(CHANGE_LABELS)
    return [
        (str(CHANGE_LABELS.get(key, key)), count)
        for key, count in sorted(
            changes.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
        )
        if count
    ]


class _Problems:
    def __init__(self):
        self.items: list[tuple[int, str]] = []
        self.bad_rows: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(
            (
                row,
                _("row %(row)s, column %(column)s: %(message)s")
                % {"row": row, "column": column, "message": message},
            )
        )
        self.bad_rows.add(row)

    def messages(self) -> list[str]:
        return [message for _row, message in sorted(self.items, key=lambda item: item[0])]


def _check_lengths(number: int, row: dict, problems: _Problems, lengths: dict) -> None:
    for column, (model, name) in lengths.items():
        limit = _max_length(model, name)
        if len(row[column]) > limit:
            problems.add(
                number,
                column,
                _("at most %(limit)s characters (this has %(length)s)")
                % {"limit": limit, "length": len(row[column])},
            )


@functools.cache
def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class _Rollback(Exception):
    """Raised inside a dry run's transaction to undo it."""


class Table:
    """A file's rows, read lazily: `rows()` reads the file from the start each time it is
    called, so a large file can be checked and then written in passes without being held as
    rows in memory. `problems` lists what is wrong with the file or its header."""

    def __init__(self, filename: str, content: bytes, columns: list[str]):
        self.filename = filename
        self.content = content
        self.xlsx = filename.lower().endswith(".xlsx")
        self.header: list[str] = []
        self.problems: list[str] = []
        self.estimate = 0  # rows below the header, for progress; empty rows included
        try:
            with self._open() as values:
                first = next(values, None)
        except _Unreadable as error:
            self.problems = [error.message]
            return
        if first is None:
            self.problems = [_("row 1: the file is empty")]
            return
        self.header = [(name or "").strip().lower() for name in first]
        self.problems = [
            _("row 1, column %(column)s: unknown column") % {"column": name}
            for name in self.header
            if name and name not in columns
        ]
        self.problems += [
            _("row 1, column %(column)s: missing column") % {"column": name}
            for name in columns
            if name not in self.header
        ]
        if self.xlsx:
            with self._open() as values:
                self.estimate = max((values.max_row or 1) - 1, 0)
        else:
            self.estimate = max(content.count(b"\n") - 1, 0)

    @contextmanager
    def _open(self):
        """The table's raw rows (lists of cells); for XLSX the iterator also has `max_row`."""
        if self.xlsx:
            try:
                workbook = load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
                sheet = workbook.worksheets[0]
            except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as e:
                raise _Unreadable(
                    _("the file is not a readable XLSX workbook (%(error)s)") % {"error": e}
                ) from e
            try:
                yield _SheetRows(sheet)
            finally:
                workbook.close()
        else:
            text = io.TextIOWrapper(io.BytesIO(self.content), encoding="utf-8-sig", newline="")
            try:
                yield _CsvRows(text)
            finally:
                text.detach()

    def rows(self) -> Iterator[tuple[int, dict]]:
        """(spreadsheet row number, {column: trimmed text}) for each row that is not empty.
        Raises `ImportRefused`-ready `_Unreadable` when the file cannot be read further."""
        for number, cells in self.cells():
            yield number, self.record(cells)

    def cells(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells as read) for each row that is not empty: `record`
        makes the row of one, for a pass that needs only some of them."""
        with self._open() as values:
            next(values, None)
            for number, cells in enumerate(values, start=2):
                if "".join(cells).strip():
                    yield number, cells

    def record(self, cells: list[str]) -> dict:
        """{column: trimmed text} of one row's cells; missing cells are empty."""
        columns = self._columns
        if len(cells) < len(self.header):
            cells = [*cells, *[""] * (len(self.header) - len(cells))]
        return {name: cells[i].strip() for i, name in columns}

    @functools.cached_property
    def _columns(self) -> list[tuple[int, str]]:
        return [(i, name) for i, name in enumerate(self.header) if name]


class _Unreadable(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class _CsvRows:
    def __init__(self, text):
        self.reader = csv.reader(text)

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except UnicodeDecodeError as error:
            raise _Unreadable(_("the file is not UTF-8 text")) from error


class _SheetRows:
    def __init__(self, sheet):
        self.max_row = sheet.max_row
        self.values = sheet.iter_rows(values_only=True)

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return [_cell(value) for value in next(self.values)]
        except StopIteration:
            raise
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
            raise _Unreadable(
                _("the file is not a readable XLSX workbook (%(error)s)") % {"error": error}
            ) from error


def read_table(
    filename: str, content: bytes, columns: list[str]
) -> tuple[list[tuple[int, dict]], list[str]]:
    """Rows as (spreadsheet row number, {column: trimmed text}), and problems with the header;
    for small files (sessions). Attendance lists are read with `Table` as they are written."""
    table = Table(filename, content, columns)
    if table.problems:
        return [], table.problems
    try:
        return list(table.rows()), []
    except _Unreadable as error:
        return [], [error.message]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=LOCAL)


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation
    return value


def _run(report: ImportReport, dry_run: bool, write) -> ImportReport:
    report.dry_run = dry_run
    try:
        with transaction.atomic():
            write()
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


# --- sessions.csv -----------------------------------------------------------------------------


def import_sessions(
    *,
    programme: Programme,
    filename: str,
    content: bytes,
    by=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Create or update courses and sessions from a sessions file."""
    report = ImportReport(kind="sessions")
    rows, header_problems = read_table(filename, content, SESSION_COLUMNS)
    report.rows = len(rows)
    if header_problems:
        report.problems = header_problems
        raise ImportRefused(report)
    problems = _Problems()
    formats = {f.code.lower(): f for f in programme.formats.all()}
    subgoals = {s.number: s for s in programme.subgoals.all()}
    municipalities = _programme_municipalities(programme)
    other_sessions = set(
        Session.objects.exclude(course__programme=programme).values_list("code", flat=True)
    )
    valid: dict[str, dict] = {}
    first_of_course: dict[str, tuple[int, dict]] = {}
    for index, (number, row) in enumerate(rows, start=1):
        if on_progress:
            on_progress("checking", index, len(rows))
        _check_same_course(number, row, problems, first_of_course)
        parsed = _check_session_row(
            number, row, problems, formats, subgoals, municipalities, other_sessions
        )
        if parsed is not None:
            valid[parsed["session_code"]] = parsed  # a later row for the same session wins
    report.problems = problems.messages()
    report.skipped_rows = len(problems.bad_rows)
    if report.problems and not skip_invalid:
        raise ImportRefused(report)

    def write():
        courses: dict[str, Course] = {}
        for data in valid.values():
            if data["course_code"] not in courses:
                courses[data["course_code"]] = _write_course(programme, data, report)
            _write_session(courses[data["course_code"]], data, report)
        # Times, hours, courses and sub-goals are what the figures count by: recount them all
        # at once for the sessions of the courses in the file.
        rollups.refresh_sessions(
            programme,
            Session.objects.filter(course__in=list(courses.values())).values_list("pk", flat=True),
        )
        if report.changed and not dry_run:
            log_action(
                action="training.import.sessions",
                actor=by,
                target=programme,
                data=dict(report.changes),
            )

    return _run(report, dry_run, write)


def _programme_municipalities(programme: Programme) -> dict[str, Municipality]:
    return {
        m.municipality.code: m.municipality
        for m in programme.memberships.filter(participates=True).select_related("municipality")
    }


def _course_values(row: dict) -> dict[str, Any]:
    return {
        "course_title": row["course_title"],
        "format": row["format"].lower(),
        "subgoals": {part.strip() for part in row["subgoals"].split(";") if part.strip()},
    }


def _check_same_course(number, row, problems, first_of_course) -> None:
    """Every row of one course must give it the same title, format and sub-goals."""
    if not row["course_code"]:
        return
    values = _course_values(row)
    first = first_of_course.setdefault(row["course_code"], (number, values))
    for column in COURSE_COLUMNS:
        if values[column] != first[1][column]:
            problems.add(
                number,
                column,
                _("differs from row %(row)s for course %(course)s")
                % {"row": first[0], "course": row["course_code"]},
            )


def _check_session_row(number, row, problems, formats, subgoals, municipalities, other_sessions):
    data: dict[str, Any] = {}
    _check_lengths(number, row, problems, SESSION_LENGTHS)
    for name in ("session_code", "course_code", "course_title"):
        if not row[name]:
            problems.add(number, name, _("required"))
        data[name] = row[name]
    if row["session_code"] in other_sessions:
        problems.add(number, "session_code", _("already used by another programme's session"))
    data["format"] = None
    if row["format"]:
        data["format"] = formats.get(row["format"].lower())
        if data["format"] is None:
            problems.add(number, "format", _("unknown format %(code)s") % {"code": row["format"]})
    data["subgoals"] = []
    for part in filter(None, (p.strip() for p in row["subgoals"].split(";"))):
        try:
            data["subgoals"].append(subgoals[int(part)])
        except (ValueError, KeyError):
            problems.add(number, "subgoals", _("unknown sub-goal %(number)s") % {"number": part})
    if not row["subgoals"].replace(";", "").strip():
        problems.add(number, "subgoals", _("a programme course must serve at least one sub-goal"))
    for name in ("starts", "ends"):
        try:
            data[name] = _datetime(row[name])
        except ValueError:
            problems.add(number, name, _("not a date and time (YYYY-MM-DD HH:MM)"))
    if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
        problems.add(number, "ends", _("must be after starts"))
    try:
        data["hours"] = _decimal(row["hours"])
        if data["hours"] <= 0 or data["hours"] > 999:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.add(number, "hours", _("must be a number of hours greater than 0"))
    try:
        data["capacity"] = int(row["capacity"])
        if data["capacity"] < 0:
            raise ValueError
    except ValueError:
        problems.add(number, "capacity", _("must be a whole number, 0 or more"))
    data["location"] = row["location"]
    data["municipality"] = None
    if row["municipality_code"]:
        data["municipality"] = municipalities.get(row["municipality_code"])
        if data["municipality"] is None:
            problems.add(
                number,
                "municipality_code",
                _("municipality %(code)s is not in the programme")
                % {"code": row["municipality_code"]},
            )
    data["row"] = number
    return data if number not in problems.bad_rows else None


def _save_changes(
    obj, values: dict, report: ImportReport, name: str, changed_elsewhere: bool = False
) -> None:
    """Save what differs and count the object once as created, updated or unchanged;
    `changed_elsewhere` counts it as updated for a change outside `values` (its relations)."""
    if obj.pk is None:
        for key, value in values.items():
            setattr(obj, key, value)
        obj.save()
        report.changes[f"{name}_created"] += 1
        return
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
    if changed or changed_elsewhere:
        report.changes[f"{name}_updated"] += 1
    else:
        report.changes[f"{name}_unchanged"] += 1


def _write_course(programme: Programme, data: dict, report: ImportReport) -> Course:
    """Create or update a course once per file. A new course takes the hours of its first
    session; after that the course's credited hours are its own, not each session's."""
    course = Course.objects.filter(programme=programme, code=data["course_code"]).first()
    wanted = {s.pk for s in data["subgoals"]}
    if course is None:
        course = Course(
            programme=programme,
            code=data["course_code"],
            status=Course.Status.PUBLISHED,
            credited_hours=data["hours"],
        )
        subgoals_changed = True
    else:
        subgoals_changed = set(course.subgoals.values_list("pk", flat=True)) != wanted
    _save_changes(
        course,
        {"title": data["course_title"], "format": data["format"]},
        report,
        "courses",
        changed_elsewhere=subgoals_changed,
    )
    if subgoals_changed:
        course.subgoals.set(wanted)
    return course


def _write_session(course: Course, data: dict, report: ImportReport) -> None:
    session = Session.objects.select_for_update().filter(code=data["session_code"]).first()
    if session is not None and data["capacity"] < session.seats_taken + session.reserved_free:
        data["capacity"] = session.seats_taken + session.reserved_free
        report.notes.append(
            ngettext(
                "row %(row)s, column capacity: %(taken)s seat is already taken; "
                "capacity kept at %(taken)s",
                "row %(row)s, column capacity: %(taken)s seats are already taken; "
                "capacity kept at %(taken)s",
                data["capacity"],
            )
            % {"row": data["row"], "taken": data["capacity"]}
        )
    _save_changes(
        session or Session(code=data["session_code"]),
        {
            "course": course,
            "starts": data["starts"],
            "ends": data["ends"],
            "credited_hours": data["hours"],
            "capacity": data["capacity"],
            "location": data["location"],
            "host_municipality": data["municipality"],
        },
        report,
        "sessions",
    )


# --- attendance.csv ---------------------------------------------------------------------------


def import_attendance(
    *,
    programme: Programme,
    filename: str,
    content: bytes,
    by=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Create or update people, registrations and attendance from an attendance list.

    The file is read as a stream, three times: once to check every row, then, inside one
    transaction, once to write the people and once to write registrations and attendance, in
    chunks. Which row wins for each (session, person), and which row gives each person's
    attributes, is worked out by the database from a temporary table of the checked rows'
    keys: memory does not grow with the file.
    """
    report = ImportReport(kind="attendance")
    table = Table(filename, content, ATTENDANCE_COLUMNS)
    if table.problems:
        report.problems = table.problems
        raise ImportRefused(report)
    context = _AttendanceContext(programme)
    problems = _Problems()
    stage = _Stage()
    try:
        try:
            for number, row in table.rows():
                report.rows += 1
                if on_progress and report.rows % PROGRESS_EVERY == 0:
                    on_progress("checking", report.rows, max(table.estimate, report.rows))
                data = context.check(number, row, problems)
                if data is not None:
                    stage.add(number, data["session"], data["email"])
        except _Unreadable as error:
            report.problems = [error.message]
            raise ImportRefused(report) from error
        report.problems = problems.messages()
        report.skipped_rows = len(problems.bad_rows)
        if report.problems and not skip_invalid:
            raise ImportRefused(report)
        people, registrations = stage.settle()
        steps = _Steps(on_progress, total=people + registrations)

        def write():
            # Ids of the people this import wrote or found unchanged, each once (the people
            # pass sees each person once), eight bytes an id.
            touched_persons = array("q")
            _write_people(table, context, stage, report, steps, touched_persons)
            pause_point("training.import.people_written")
            _write_registrations(table, context, stage, report, steps)
            # One recount for everyone in the file, in every programme they take part in.
            rollups.refresh_people(touched_persons)
            if report.changed and not dry_run:
                log_action(
                    action="training.import.attendance",
                    actor=by,
                    target=programme,
                    data=dict(report.changes),
                )

        return _run(report, dry_run, write)
    finally:
        stage.drop()


class _Stage:
    """The keys of the checked rows in a temporary table of this connection: (row number,
    session, e-mail, and a number that orders a person's rows by session start, then row)."""

    MARKED = {
        "wins": "SELECT row_number FROM grannar_import_stage "
        "WHERE row_number BETWEEN %s AND %s AND wins",
        "gives_person": "SELECT row_number FROM grannar_import_stage "
        "WHERE row_number BETWEEN %s AND %s AND gives_person",
    }
    ROW_BITS = 2**24  # rows per file the person key can tell apart (16 million)

    def __init__(self):
        self.buffer: list[tuple[int, int, str, int]] = []
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS grannar_import_stage")
            cursor.execute(
                "CREATE TEMPORARY TABLE grannar_import_stage (row_number integer PRIMARY KEY, "
                "session_id bigint NOT NULL, email varchar(254) NOT NULL, "
                "person_key bigint NOT NULL, wins boolean NOT NULL DEFAULT FALSE, "
                "gives_person boolean NOT NULL DEFAULT FALSE)"
            )

    def add(self, number: int, session: Session, email: str) -> None:
        key = int(session.starts.timestamp()) * self.ROW_BITS + number
        self.buffer.append((number, session.pk, email, key))
        if len(self.buffer) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO grannar_import_stage (row_number, session_id, email, person_key) "
                    "VALUES (%s, %s, %s, %s)",
                    self.buffer,
                )
            self.buffer = []

    def settle(self) -> tuple[int, int]:
        """Mark the rows that win: the last row for each (session, person), and for each
        person the row of their latest session (the last such row). Returns how many of each."""
        self._flush()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE grannar_import_stage SET wins = TRUE WHERE row_number IN "
                "(SELECT MAX(row_number) FROM grannar_import_stage GROUP BY session_id, email)"
            )
            registrations = cursor.rowcount
            cursor.execute(
                "UPDATE grannar_import_stage SET gives_person = TRUE WHERE person_key IN "
                "(SELECT MAX(person_key) FROM grannar_import_stage GROUP BY email)"
            )
            people = cursor.rowcount
        return people, registrations

    def marked(self, column: str, first: int, last: int) -> set[int]:
        """Row numbers between `first` and `last` marked in `column` (wins, gives_person)."""
        with connection.cursor() as cursor:
            cursor.execute(self.MARKED[column], [first, last])
            return {row[0] for row in cursor.fetchall()}

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS grannar_import_stage")


class _Steps:
    """Progress of the writing passes, reported every PROGRESS_EVERY rows."""

    def __init__(self, on_progress: Progress | None, total: int):
        self.on_progress = on_progress
        self.total = max(total, 1)
        self.done = 0

    def advance(self, count: int) -> None:
        before = self.done // PROGRESS_EVERY
        self.done += count
        if self.on_progress and self.done // PROGRESS_EVERY != before:
            self.on_progress("writing", self.done, self.total)


class _AttendanceContext:
    """What checking an attendance row needs from the database, read once per import."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self.sessions = {
            s.code.lower(): s
            for s in Session.objects.filter(course__programme=programme).select_related("course")
        }
        self.municipalities = _programme_municipalities(programme)
        leaving = programme.memberships.filter(participates=True, left__isnull=False)
        self.left = {m.municipality.code: m.left for m in leaving.select_related("municipality")}
        self.categories = {
            pc.category.code.lower(): pc.category
            for pc in ProgrammeCategory.objects.filter(programme=programme).select_related(
                "category"
            )
        }
        self.workplaces = {
            (w.municipality_id, w.name.lower()): w
            for w in Workplace.objects.with_scopes_disabled().filter(
                municipality__in=[m.pk for m in self.municipalities.values()]
            )
        }

    def check(self, number: int, row: dict, problems: "_Problems") -> dict | None:
        return _check_attendance_row(
            number,
            row,
            problems,
            self.sessions,
            self.municipalities,
            self.categories,
            self.left,
        )

    def parse(self, number: int, row: dict) -> dict:
        """The values of a row that `check` has accepted, without checking it again."""
        category, hours = row["staff_category"], row["attended_hours"]
        return {
            "row": number,
            "session": self.sessions[row["session_code"].lower()],
            "email": normalize_email(row["email"]),
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "gender": row["gender"].lower() or Gender.UNKNOWN,
            "birth_year": int(row["birth_year"]) if row["birth_year"] else None,
            "municipality": self.municipalities[row["municipality_code"]],
            "support_resource": row["support_resource"].lower() in YES,
            "category": self.categories[category.lower()] if category else None,
            "workplace": row["workplace"],
            "status": row["status"].lower(),
            "hours": _decimal(hours) if hours else None,
        }

    def chosen(self, table: Table, stage: _Stage, column: str) -> Iterator[list[dict]]:
        """The rows the stage marks in `column`, in file order, in chunks of at most
        CHUNK_ROWS rows of the file."""
        batch: list[tuple[int, list[str]]] = []
        for number, cells in table.cells():
            batch.append((number, cells))
            if len(batch) == CHUNK_ROWS:
                yield self._marked(table, batch, stage, column)
                batch = []
        if batch:
            yield self._marked(table, batch, stage, column)

    def _marked(self, table: Table, batch, stage: _Stage, column: str) -> list[dict]:
        marked = stage.marked(column, batch[0][0], batch[-1][0])
        return [
            self.parse(number, table.record(cells)) for number, cells in batch if number in marked
        ]


def _people_by_email(emails: list[str]):
    """People with these (normalised) e-mail addresses, found through the unique index."""
    return (
        Person.objects.with_scopes_disabled()
        .alias(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by()
    )


PERSON_FIELDS = [
    "first_name", "last_name", "gender", "birth_year", "municipality", "workplace",
    "workplace_name", "staff_category", "support_resource",
]  # fmt: skip


def _write_people(table, context, stage, report, steps, touched_persons: array) -> None:
    """Create or update each person once, from the row of their latest session."""
    changes = report.changes
    for chunk in context.chosen(table, stage, "gives_person"):
        if not chunk:
            continue
        existing = {
            normalize_email(p.email): p for p in _people_by_email([d["email"] for d in chunk])
        }
        new, changed, now = [], [], timezone.now()
        for data in chunk:
            values = _person_values(data, context, report)
            person = existing.get(data["email"])
            if person is None:
                new.append((data["email"], values))
                continue
            if any(
                getattr(person, f"{key}_id" if key in _PERSON_RELATIONS else key)
                != (value.pk if key in _PERSON_RELATIONS and value is not None else value)
                for key, value in values.items()
            ):
                for key, value in values.items():
                    setattr(person, key, value)
                person.updated = now
                changed.append(person)
            else:
                changes["people_unchanged"] += 1
            touched_persons.append(person.pk)
        _insert_people(new, now)
        Person.objects.with_scopes_disabled().bulk_update(changed, [*PERSON_FIELDS, "updated"])
        changes["people_created"] += len(new)
        changes["people_updated"] += len(changed)
        if new:
            touched_persons.extend(
                _people_by_email([email for email, _values in new]).values_list("pk", flat=True)
            )
        steps.advance(len(chunk))


_PERSON_RELATIONS = {"municipality", "workplace", "staff_category"}


_NEW_PERSON_COLUMNS = [
    "email", "first_name", "last_name", "gender", "birth_year", "municipality_id",
    "workplace_id", "workplace_name", "staff_category_id", "support_resource", "phone",
    "personnummer_encrypted", "erased", "created", "updated",
]  # fmt: skip


def _insert_people(new: list[tuple[str, dict]], now: dt.datetime) -> None:
    """Insert new people, (e-mail, `_person_values`) each, with what a new person has
    otherwise: no phone, no personnummer, not erased, created and updated now."""
    if not new:
        return
    stamp = connection.ops.adapt_datetimefield_value(now)

    def pk(value):
        return value.pk if value is not None else None

    insert_rows(
        Person,
        _NEW_PERSON_COLUMNS,
        [
            (
                email,
                v["first_name"],
                v["last_name"],
                v["gender"],
                v["birth_year"],
                v["municipality"].pk,
                pk(v["workplace"]),
                v["workplace_name"],
                pk(v["staff_category"]),
                v["support_resource"],
                "",
                "",
                None,
                stamp,
                stamp,
            )
            for email, v in new
        ],
    )


def _person_values(data: dict, context: _AttendanceContext, report: ImportReport) -> dict:
    workplace, workplace_name = None, ""
    if data["workplace"]:
        key = (data["municipality"].pk, data["workplace"].lower())
        workplace = context.workplaces.get(key)
        if workplace is None and data["category"] is None:
            # A support resource's unknown workplace has no sector to give it: keep the name.
            workplace_name = data["workplace"]
        elif workplace is None:
            workplace = Workplace.objects.with_scopes_disabled().create(
                municipality=data["municipality"],
                sector=data["category"].sector,
                name=data["workplace"],
            )
            context.workplaces[key] = workplace
            report.changes["workplaces_created"] += 1
    return {
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "gender": data["gender"],
        "birth_year": data["birth_year"],
        "municipality": data["municipality"],
        "workplace": workplace,
        "workplace_name": workplace_name,
        "staff_category": data["category"],
        "support_resource": data["support_resource"],
    }


def _write_registrations(table, context, stage, report, steps) -> None:
    """Registrations and attendance of the winning rows, in chunks, then the seat counters."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT session_id FROM grannar_import_stage WHERE wins")
        session_ids = [row[0] for row in cursor.fetchall()]
    locked = {s.pk: s for s in Session.objects.select_for_update().filter(pk__in=session_ids)}
    attended = array("q")  # ids of registrations with attendance, eight bytes each
    changes = report.changes
    Status = Registration.Status
    for chunk in context.chosen(table, stage, "wins"):
        if not chunk:
            continue
        people, municipality_of = {}, {}
        for email, person_id, municipality_id in _people_by_email(
            [data["email"] for data in chunk]
        ).values_list("email", "id", "municipality_id"):
            people[normalize_email(email)] = person_id
            municipality_of[person_id] = municipality_id
        # Found by person, then loaded by id: the index on (session, person) probed with both
        # lists would be probed once per pair, and a large file names hundreds of sessions.
        keys = {(data["session"].pk, people[data["email"]]) for data in chunk}
        registrations = Registration.objects.with_scopes_disabled()
        found = [
            pk
            for pk, session_id, person_id in registrations.filter(
                person_id__in=id_list(set(people.values()))
            )
            .order_by()
            .values_list("id", "session_id", "person_id")
            if (session_id, person_id) in keys
        ]
        existing, attendance_of = _registrations_with_attendance(found)
        now = timezone.now()
        new: dict[tuple[int, int], tuple[str, int, dict]] = {}
        changed_registrations: list[Registration] = []
        wanted: list[tuple[Registration, dict]] = []
        for data in chunk:
            person_id = people[data["email"]]
            key = (data["session"].pk, person_id)
            registration = existing.get(key)
            status = STATUSES[data["status"]]
            municipality_id = municipality_of[person_id]
            if registration is None:
                new[key] = (status, municipality_id, data)
                continue
            if data["status"] == "registered" and registration.status in (
                Status.CONFIRMED,
                Status.WAITLISTED,
            ):
                status = registration.status  # keep a seat or a place in line as it is
            if registration.status != status or registration.municipality_id != municipality_id:
                registration.status = status
                registration.municipality_id = municipality_id
                registration.changed = now
                changed_registrations.append(registration)
            else:
                changes["registrations_unchanged"] += 1
            wanted.append((registration, data))
        created = _insert_registrations(new, now)
        Registration.objects.with_scopes_disabled().bulk_update(
            changed_registrations, ["status", "municipality", "changed"]
        )
        changes["registrations_created"] += len(new)
        changes["registrations_updated"] += len(changed_registrations)
        _write_attendance_chunk(wanted, attendance_of, created, changes, attended, now)
        steps.advance(len(chunk))
    for session in locked.values():
        _settle_seats(session, report)
    attendance_recorded_after_commit(attended)


def _registrations_with_attendance(
    ids: list[int],
) -> tuple[dict[tuple[int, int], Registration], dict[int, Attendance]]:
    """The registrations by (session, person) and their attendance by registration.

    Loaded apart rather than with select_related: the reverse one-to-one would tie each
    registration and its attendance in a reference cycle, garbage that only the cycle collector
    frees, chunks later, so the memory peak would depend on when it runs.
    """
    if not ids:
        return {}, {}
    registrations = Registration.objects.with_scopes_disabled().filter(pk__in=id_list(ids))
    attendance = Attendance.objects.filter(registration_id__in=id_list(ids))
    return (
        {(r.session_id, r.person_id): r for r in registrations.order_by()},
        {a.registration_id: a for a in attendance.order_by()},
    )


def _insert_registrations(
    new: dict[tuple[int, int], tuple[str, int, dict]], now: dt.datetime
) -> list[tuple[int, str, dict]]:
    """Insert new registrations; returns (id, status, row data) of each."""
    if not new:
        return []
    stamp = connection.ops.adapt_datetimefield_value(now)
    insert_rows(
        Registration,
        ["session_id", "person_id", "municipality_id", "status", "created", "changed"],
        [
            (session_id, person_id, municipality_id, str(status), stamp, stamp)
            for (session_id, person_id), (status, municipality_id, _data) in new.items()
        ],
    )
    ids = {
        (session_id, person_id): pk
        for pk, session_id, person_id in Registration.objects.with_scopes_disabled()
        .filter(person_id__in=id_list({key[1] for key in new}))
        .order_by()
        .values_list("id", "session_id", "person_id")
    }
    return [(ids[key], status, data) for key, (status, _municipality_id, data) in new.items()]


def _write_attendance_chunk(wanted, attendance_of, created, changes, attended: array, now) -> None:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    hours_field = Attendance._meta.get_field("hours")

    def hours(value):
        return ops.adapt_decimalfield_value(
            value, hours_field.max_digits, hours_field.decimal_places
        )

    new = [
        (pk, hours(data["hours"]), Attendance.Method.IMPORT.value, stamp)
        for pk, status, data in created
        if status == Registration.Status.ATTENDED
    ]
    attended.extend(row[0] for row in new)
    changed, removed = [], []
    for registration, data in wanted:
        attendance = attendance_of.get(registration.pk)
        if registration.status == Registration.Status.ATTENDED:
            if attendance is None:
                new.append(
                    (registration.pk, hours(data["hours"]), Attendance.Method.IMPORT.value, stamp)
                )
            elif attendance.hours != data["hours"]:
                attendance.hours = data["hours"]
                attendance.recorded = now
                changed.append(attendance)
            else:
                changes["attendance_unchanged"] += 1
            attended.append(registration.pk)
        elif attendance is not None:
            removed.append(attendance.pk)
    if new:
        insert_rows(Attendance, ["registration_id", "hours", "method", "recorded"], new)
    Attendance.objects.bulk_update(changed, ["hours", "recorded"])
    if removed:
        Attendance.objects.filter(pk__in=removed).delete()
    changes["attendance_created"] += len(new)
    changes["attendance_updated"] += len(changed)
    changes["attendance_removed"] += len(removed)


def _check_attendance_row(number, row, problems, sessions, municipalities, categories, left):
    data: dict[str, Any] = {"row": number}
    _check_lengths(number, row, problems, ATTENDANCE_LENGTHS)
    data["session"] = sessions.get(row["session_code"].lower())
    if data["session"] is None:
        problems.add(
            number, "session_code", _("unknown session %(code)s") % {"code": row["session_code"]}
        )
    data["email"] = normalize_email(row["email"])
    try:
        validate_email(data["email"])
    except ValidationError:
        problems.add(number, "email", _("not an e-mail address"))
    for name in ("first_name", "last_name"):
        if not row[name]:
            problems.add(number, name, _("required"))
        data[name] = row[name]
    gender = row["gender"].lower()
    if gender and gender not in GENDERS:
        problems.add(number, "gender", _("must be kvinna, man, annat, okand or empty"))
    data["gender"] = gender or Gender.UNKNOWN
    data["birth_year"] = None
    if row["birth_year"]:
        try:
            data["birth_year"] = int(row["birth_year"])
            check_birth_year(data["birth_year"])
        except (ValueError, ValidationError):
            problems.add(number, "birth_year", _("not a plausible birth year"))
    data["municipality"] = municipalities.get(row["municipality_code"])
    if data["municipality"] is None:
        problems.add(
            number,
            "municipality_code",
            _("municipality %(code)s is not in the programme") % {"code": row["municipality_code"]},
        )
    elif data["session"] is not None and row["municipality_code"] in left:
        day = data["session"].starts.astimezone(LOCAL).date()
        if day > left[row["municipality_code"]]:
            problems.add(
                number,
                "session_code",
                _("%(municipality)s left the programme on %(left)s; the session is on %(day)s")
                % {
                    "municipality": data["municipality"].name,
                    "left": left[row["municipality_code"]].isoformat(),
                    "day": day.isoformat(),
                },
            )
    support = row["support_resource"].lower()
    if support not in YES | NO:
        problems.add(number, "support_resource", _("must be ja, nej, true, false, 1, 0 or empty"))
    data["support_resource"] = support in YES
    data["category"] = None
    if row["staff_category"]:
        data["category"] = categories.get(row["staff_category"].lower())
        if data["category"] is None:
            problems.add(
                number,
                "staff_category",
                _("unknown staff category %(code)s") % {"code": row["staff_category"]},
            )
    elif not data["support_resource"]:
        problems.add(
            number, "staff_category", _("required unless the person is a support resource")
        )
    data["workplace"] = row["workplace"]
    status = row["status"].lower()
    if status not in STATUSES:
        problems.add(number, "status", _("must be attended, no_show, cancelled or registered"))
    data["status"] = status
    data["hours"] = None
    if row["attended_hours"]:
        try:
            data["hours"] = _decimal(row["attended_hours"])
        except InvalidOperation:
            problems.add(number, "attended_hours", _("not a number"))
        else:
            if status != "attended":
                problems.add(number, "attended_hours", _("allowed only with status attended"))
            elif data["session"] and not (0 < data["hours"] <= data["session"].credited_hours):
                problems.add(
                    number,
                    "attended_hours",
                    _("must be more than 0 and at most %(hours)s")
                    % {"hours": data["session"].credited_hours},
                )
    return data if number not in problems.bad_rows else None


def _settle_seats(session: Session, report: ImportReport) -> None:
    """Make the seat counter agree with the registrations: registered people beyond the free
    seats wait in line; recorded attendance always counts, so capacity grows if it must."""
    Status = Registration.Status
    before = (session.seats_taken, session.capacity)
    registrations = Registration.objects.with_scopes_disabled().filter(session=session)
    fixed = registrations.filter(status__in=[Status.ATTENDED, Status.NO_SHOW]).count()
    confirmed = list(registrations.filter(status=Status.CONFIRMED).order_by("id"))
    room = session.capacity - session.reserved_free - fixed
    if room < 0:
        report.notes.append(
            _(
                "session %(code)s: capacity raised from %(old)s to %(new)s "
                "to fit recorded attendance"
            )
            % {"code": session.code, "old": session.capacity, "new": session.capacity - room}
        )
        session.capacity -= room
        room = 0
    for index, registration in enumerate(confirmed[room:]):
        registration.status = Status.WAITLISTED
        registration.queued = time.time_ns() + index
        registration.save(update_fields=["status", "queued", "changed"])
    session.seats_taken = fixed + min(len(confirmed), room)
    if (session.seats_taken, session.capacity) != before:
        session.save(update_fields=["seats_taken", "capacity"])


IMPORTS = {"sessions": import_sessions, "attendance": import_attendance}
