"""Imports of sessions.csv and attendance.csv (CSV or XLSX), as DESIGN.md specifies.

Every row is checked first; problems are reported as `row N, column C: what is wrong` with
rows counted as a spreadsheet shows them (the header is row 1). By default one problem stops
the whole file; `skip_invalid` imports the valid rows. `dry_run` does the whole import in a
transaction that is rolled back, so it reports exactly what would change.
"""

import csv
import datetime as dt
import io
import time
import zipfile
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from grannar.core.audit import log_action
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
        limit = model._meta.get_field(name).max_length
        if len(row[column]) > limit:
            problems.add(
                number,
                column,
                _("at most %(limit)s characters (this has %(length)s)")
                % {"limit": limit, "length": len(row[column])},
            )


class _Rollback(Exception):
    """Raised inside a dry run's transaction to undo it."""


def read_table(
    filename: str, content: bytes, columns: list[str]
) -> tuple[list[tuple[int, dict]], list[str]]:
    """Rows as (spreadsheet row number, {column: trimmed text}), and problems with the header."""
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as error:
            return [], [
                _("the file is not a readable XLSX workbook (%(error)s)") % {"error": error}
            ]
        table = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [_("the file is not UTF-8 text")]
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        return [], [_("row 1: the file is empty")]
    header = [(name or "").strip().lower() for name in table[0]]
    problems = [
        _("row 1, column %(column)s: unknown column") % {"column": name}
        for name in header
        if name and name not in columns
    ]
    problems += [
        _("row 1, column %(column)s: missing column") % {"column": name}
        for name in columns
        if name not in header
    ]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any((value or "").strip() for value in values):
            continue
        row = {
            name: (values[i] if i < len(values) else "").strip()
            for i, name in enumerate(header)
            if name
        }
        rows.append((number, row))
    return rows, problems


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
    on_row=None,
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
        if on_row:
            on_row(index, len(rows))
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
    on_row=None,
) -> ImportReport:
    """Create or update people, registrations and attendance from an attendance list."""
    report = ImportReport(kind="attendance")
    rows, header_problems = read_table(filename, content, ATTENDANCE_COLUMNS)
    report.rows = len(rows)
    if header_problems:
        report.problems = header_problems
        raise ImportRefused(report)
    problems = _Problems()
    sessions = {
        s.code.lower(): s
        for s in Session.objects.filter(course__programme=programme).select_related("course")
    }
    municipalities = _programme_municipalities(programme)
    leaving = programme.memberships.filter(participates=True, left__isnull=False)
    left = {m.municipality.code: m.left for m in leaving.select_related("municipality")}
    categories = {
        pc.category.code.lower(): pc.category
        for pc in ProgrammeCategory.objects.filter(programme=programme).select_related("category")
    }
    valid: dict[tuple[int, str], dict] = {}
    for index, (number, row) in enumerate(rows, start=1):
        if on_row:
            on_row(index, len(rows))
        parsed = _check_attendance_row(
            number, row, problems, sessions, municipalities, categories, left
        )
        if parsed is not None:
            valid[(parsed["session"].pk, parsed["email"])] = parsed  # a later row wins
    report.problems = problems.messages()
    report.skipped_rows = len(problems.bad_rows)
    if report.problems and not skip_invalid:
        raise ImportRefused(report)

    def write():
        people = _write_attendance(list(valid.values()), report)
        # One recount for everyone in the file, in every programme they take part in.
        rollups.refresh_people(people)
        if report.changed and not dry_run:
            log_action(
                action="training.import.attendance",
                actor=by,
                target=programme,
                data=dict(report.changes),
            )

    return _run(report, dry_run, write)


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
    if gender and gender not in Gender.values:
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


def _write_attendance(rows: list[dict], report: ImportReport) -> set[int]:
    """Write the rows; return the ids of the persons they name."""
    # The person's attributes come from the row of their latest session.
    latest: dict[str, dict] = {}
    for data in sorted(rows, key=lambda d: (d["session"].starts, d["row"])):
        latest[data["email"]] = data
    people = {
        p.email: p for p in Person.objects.with_scopes_disabled().filter(email__in=list(latest))
    }
    workplaces = {
        (w.municipality_id, w.name.lower()): w
        for w in Workplace.objects.with_scopes_disabled().filter(
            municipality__in={d["municipality"].pk for d in latest.values()}
        )
    }
    for email, data in latest.items():
        workplace, workplace_name = None, ""
        if data["workplace"]:
            key = (data["municipality"].pk, data["workplace"].lower())
            workplace = workplaces.get(key)
            if workplace is None and data["category"] is None:
                # A support resource's unknown workplace has no sector to give it: keep the name.
                workplace_name = data["workplace"]
            elif workplace is None:
                workplace = Workplace.objects.with_scopes_disabled().create(
                    municipality=data["municipality"],
                    sector=data["category"].sector,
                    name=data["workplace"],
                )
                workplaces[key] = workplace
                report.changes["workplaces_created"] += 1
        person = people.get(email) or Person(email=email)
        _save_changes(
            person,
            {
                "first_name": data["first_name"],
                "last_name": data["last_name"],
                "gender": data["gender"],
                "birth_year": data["birth_year"],
                "municipality": data["municipality"],
                "workplace": workplace,
                "workplace_name": workplace_name,
                "staff_category": data["category"],
                "support_resource": data["support_resource"],
            },
            report,
            "people",
        )
        people[email] = person
    session_ids = {d["session"].pk for d in rows}
    locked = {s.pk: s for s in Session.objects.select_for_update().filter(pk__in=session_ids)}
    existing = {
        (r.session_id, r.person_id): r
        for r in Registration.objects.with_scopes_disabled()
        .filter(session_id__in=session_ids)
        .select_related("attendance")
    }
    attended: list[int] = []
    for data in sorted(rows, key=lambda d: d["row"]):
        person = people[data["email"]]
        registration = existing.get((data["session"].pk, person.pk))
        status = STATUSES[data["status"]]
        if (
            data["status"] == "registered"
            and registration is not None
            and registration.status
            in (
                Registration.Status.CONFIRMED,
                Registration.Status.WAITLISTED,
            )
        ):
            status = registration.status  # keep a seat or a place in line as it is
        values = {"status": status, "municipality_id": person.municipality_id}
        if registration is None:
            registration = Registration(session=data["session"], person=person)
            values["queued"] = None
        _save_changes(registration, values, report, "registrations")
        existing[(data["session"].pk, person.pk)] = registration
        attendance = getattr(registration, "attendance", None) if registration.pk else None
        if status == Registration.Status.ATTENDED:
            _save_changes(
                attendance or Attendance(registration=registration),
                {
                    "hours": data["hours"],
                    "method": attendance.method if attendance else Attendance.Method.IMPORT,
                },
                report,
                "attendance",
            )
            attended.append(registration.pk)
        elif attendance is not None:
            attendance.delete()
            report.changes["attendance_removed"] += 1
    for session in locked.values():
        _settle_seats(session, report)
    attendance_recorded_after_commit(attended)
    return {person.pk for person in people.values()}


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
