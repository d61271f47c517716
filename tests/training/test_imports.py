import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, load_command_class
from django.utils import translation
from openpyxl import Workbook

from grannar.core.models import AuditEvent
from grannar.people.models import Person, Workplace
from grannar.programmes.models import Membership, Sector
from grannar.training.imports import ImportRefused, import_attendance, import_sessions
from grannar.training.models import Attendance, Course, Registration, Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "english")]

SESSIONS = """session_code,course_code,course_title,format,subgoals,starts,ends,hours,capacity,location,municipality_code
T1,trauma,Trauma och stress,workshop,1;3,2017-03-02 09:00,2017-03-02 15:00,6,2,Mölndal,1481
T2,trauma,Trauma och stress,workshop,1;3,2017-09-14 09:00,2017-09-14 15:00,6,30,Göteborg,
L1,skola,Skolgång,forelasning,2,2017-05-10T13:00:00,2017-05-10T16:00:00,3,80,,1480
"""
HEADER = "session_code,email,first_name,last_name,gender,birth_year,municipality_code,workplace,staff_category,support_resource,status,attended_hours\n"
ATTENDANCE = (
    HEADER
    + """T1,Anna.Berg@Molndal.se,Anna,Berg,kvinna,1980,1481,HVB Solrosen,boendepersonal,nej,attended,
T1,bo@partille.se,Bo,Ek,man,1975,1402,Socialtjänsten,socialsekreterare,,attended,4.5
T1,cia@molndal.se,Cia,Ask,,,1481,,,ja,no_show,
T2,anna.berg@molndal.se,Anna,Berg-Lind,kvinna,1980,1481,HVB Solrosen,boendepersonal,nej,registered,
"""
)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def sessions(programme, text=SESSIONS, name="sessions.csv", **kwargs):
    return import_sessions(programme=programme, filename=name, content=text.encode(), **kwargs)


def attendance(programme, text=ATTENDANCE, name="attendance.csv", **kwargs):
    return import_attendance(programme=programme, filename=name, content=text.encode(), **kwargs)


def test_sessions_import_creates_courses_and_sessions(programme):
    report = sessions(programme)
    assert report.changes["sessions_created"] == 3
    assert report.changes["courses_created"] == 2
    t1 = Session.objects.get(code="T1")
    assert t1.course.title == "Trauma och stress"
    assert sorted(t1.course.subgoals.values_list("number", flat=True)) == [1, 3]
    assert t1.host_municipality.code == "1481"
    assert t1.starts.isoformat() == "2017-03-02T08:00:00+00:00"  # Stockholm winter time
    assert t1.credited_hours == Decimal("6")
    assert AuditEvent.objects.filter(action="training.import.sessions").count() == 1


def test_sessions_import_twice_changes_nothing(programme):
    sessions(programme)
    events = AuditEvent.objects.count()
    report = sessions(programme)
    assert not report.changed
    assert report.changes["sessions_unchanged"] == 3
    assert AuditEvent.objects.count() == events


def test_bom_and_free_column_order(programme):
    lines = SESSIONS.splitlines()
    header = lines[0].split(",")
    order = list(reversed(range(len(header))))
    text = "\n".join(",".join(line.split(",")[i] for i in order) for line in lines) + "\n"
    report = sessions(programme, text="\ufeff" + text)
    assert report.changes["sessions_created"] == 3


def xlsx(text: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in text.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_works_like_csv(programme):
    import_sessions(programme=programme, filename="s.xlsx", content=xlsx(SESSIONS))
    report = import_attendance(programme=programme, filename="a.XLSX", content=xlsx(ATTENDANCE))
    assert report.changes["people_created"] == 3
    assert Registration.objects.count() == 4


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("T1,trauma", ",trauma", "row 2, column session_code: required"),
        (
            "workshop,1;3,2017-03-02",
            "seminar,1;3,2017-03-02",
            "row 2, column format: unknown format seminar",
        ),
        ("1;3,2017-03-02", "1;9,2017-03-02", "row 2, column subgoals: unknown sub-goal 9"),
        ("2017-03-02 09:00", "2/3/2017", "row 2, column starts: not a date and time"),
        ("2017-03-02 15:00", "2017-03-02 08:00", "row 2, column ends: must be after starts"),
        (",6,2,Mölndal", ",0,2,Mölndal", "row 2, column hours: must be a number of hours"),
        (",6,2,Mölndal", ",6,many,Mölndal", "row 2, column capacity: must be a whole number"),
        (
            "Mölndal,1481",
            "Mölndal,1440",
            "row 2, column municipality_code: municipality 1440 is not in the programme",
        ),
        (
            "municipality_code\n",
            "municipality_code,colour\n",
            "row 1, column colour: unknown column",
        ),
        (",location,", ",", "row 1, column location: missing column"),
    ],
)
def test_bad_sessions_are_refused_with_row_and_column(programme, old, new, message):
    with pytest.raises(ImportRefused) as refused:
        sessions(programme, text=SESSIONS.replace(old, new, 1))
    assert any(problem.startswith(message) for problem in refused.value.report.problems), (
        refused.value.report.problems
    )
    assert not Session.objects.exists()
    assert not Course.objects.exists()


def test_skip_invalid_imports_the_valid_rows(programme):
    report = sessions(programme, text=SESSIONS.replace("T2,trauma", ",trauma"), skip_invalid=True)
    assert report.skipped_rows == 1
    assert set(Session.objects.values_list("code", flat=True)) == {"T1", "L1"}


def test_dry_run_writes_nothing_but_reports(programme):
    report = sessions(programme, dry_run=True)
    assert report.changes["sessions_created"] == 3
    assert not Session.objects.exists()
    assert not AuditEvent.objects.filter(action="training.import.sessions").exists()


def test_attendance_import(programme):
    sessions(programme)
    report = attendance(programme)
    assert report.changes["people_created"] == 3
    anna = Person.objects.get(email="anna.berg@molndal.se")
    assert anna.last_name == "Berg-Lind"  # the row of her latest session wins
    assert anna.workplace.name == "HVB Solrosen"
    t1 = Session.objects.get(code="T1")
    statuses = dict(Registration.objects.filter(session=t1).values_list("person__email", "status"))
    assert statuses == {
        "anna.berg@molndal.se": "attended",
        "bo@partille.se": "attended",
        "cia@molndal.se": "no_show",
    }
    assert Attendance.objects.get(registration__person__email="bo@partille.se").hours == Decimal(
        "4.5"
    )
    assert Attendance.objects.get(registration__person__email="anna.berg@molndal.se").hours is None
    assert Person.objects.get(email="cia@molndal.se").support_resource
    # Recorded attendance always counts: capacity 2 grew to fit three seats held.
    t1.refresh_from_db()
    assert (t1.seats_taken, t1.capacity) == (3, 3)
    assert any("capacity raised" in note for note in report.notes)
    assert Registration.objects.get(session__code="T2").status == "confirmed"


def test_attendance_import_twice_changes_nothing(programme):
    sessions(programme)
    attendance(programme)
    report = attendance(programme)
    assert not report.changed, report.changes


def test_later_row_for_the_same_person_and_session_wins(programme):
    sessions(programme)
    text = (
        ATTENDANCE
        + "T1,ANNA.BERG@molndal.se,Anna,Berg,kvinna,1980,1481,HVB Solrosen,boendepersonal,nej,no_show,\n"
    )
    attendance(programme, text=text)
    assert (
        Registration.objects.get(session__code="T1", person__email="anna.berg@molndal.se").status
        == "no_show"
    )
    assert Person.objects.filter(email__iexact="anna.berg@molndal.se").count() == 1


def test_registered_beyond_capacity_wait_in_line(programme):
    sessions(programme)
    rows = "".join(f"T1,p{n}@x.se,P,{n},,,1481,,socialsekreterare,,registered,\n" for n in range(4))
    attendance(programme, text=HEADER + rows)
    statuses = list(
        Registration.objects.filter(session__code="T1")
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert Session.objects.get(code="T1").seats_taken == 2


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("T1,Anna", "X9,Anna", "row 2, column session_code: unknown session X9"),
        ("Anna.Berg@Molndal.se", "anna-at-molndal", "row 2, column email: not an e-mail address"),
        ("kvinna,1980", "female,1980", "row 2, column gender: must be kvinna"),
        ("kvinna,1980", "kvinna,1850", "row 2, column birth_year: not a plausible birth year"),
        ("1980,1481,HVB", "1980,1440,HVB", "row 2, column municipality_code: municipality 1440"),
        (
            "boendepersonal,nej,attended",
            "chef,nej,attended",
            "row 2, column staff_category: unknown staff category chef",
        ),
        (
            "boendepersonal,nej,attended",
            ",nej,attended",
            "row 2, column staff_category: required unless",
        ),
        (
            "boendepersonal,nej,attended",
            "boendepersonal,kanske,attended",
            "row 2, column support_resource: must be",
        ),
        ("nej,attended,\n", "nej,present,\n", "row 2, column status: must be attended"),
        (
            "attended,4.5",
            "attended,7",
            "row 3, column attended_hours: must be more than 0 and at most 6",
        ),
        (
            "no_show,",
            "no_show,2",
            "row 4, column attended_hours: allowed only with status attended",
        ),
    ],
)
def test_bad_attendance_is_refused_with_row_and_column(programme, old, new, message):
    sessions(programme)
    with pytest.raises(ImportRefused) as refused:
        attendance(programme, text=ATTENDANCE.replace(old, new, 1))
    assert any(problem.startswith(message) for problem in refused.value.report.problems), (
        refused.value.report.problems
    )
    assert not Person.objects.exists()
    assert not Registration.objects.exists()


def test_all_problems_are_listed_not_just_the_first(programme):
    sessions(programme)
    text = ATTENDANCE.replace("kvinna,1980", "female,1980").replace("bo@partille.se", "bo")
    with pytest.raises(ImportRefused) as refused:
        attendance(programme, text=text)
    assert len(refused.value.report.problems) >= 3


def test_command_exit_status_and_messages(programme, tmp_path, capsys):
    good = tmp_path / "sessions.csv"
    good.write_text(SESSIONS, encoding="utf-8")
    call_command("import", "sessions", "--programme", programme.code, str(good), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Session.objects.exists()
    call_command("import", "sessions", "--programme", programme.code, str(good))
    assert Session.objects.count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(SESSIONS.replace("T1,trauma", ",trauma"), encoding="utf-8")
    with pytest.raises(CommandError, match="row 2, column session_code: required"):
        call_command("import", "sessions", "--programme", programme.code, str(bad))
    with translation.override("sv"), pytest.raises(CommandError, match="inget projekt"):
        call_command("import", "sessions", "--programme", "nope", str(good))


def test_console_script_exits_non_zero_when_refused(tmp_path):
    import os

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    run = [sys.executable, "-m", "grannar.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    subprocess.run(
        [*run, "load-programme", str(settings.GRANNAR_REFERENCE_PROGRAMME)],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
        capture_output=True,
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(SESSIONS.replace("T1,trauma", ",trauma"), encoding="utf-8")
    result = subprocess.run(
        [*run, "import", "sessions", "--programme", "nya-grannar", str(bad)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "session_code" in result.stderr
    assert "Traceback" not in result.stderr


# --- support resources' workplaces ------------------------------------------------------------


def test_a_support_resource_is_linked_to_a_workplace_that_exists(programme, molndal):
    sessions(programme)
    social = Sector.objects.get(code="socialtjanst")
    unit = Workplace.objects.create(municipality=molndal, sector=social, name="Ungdomsenheten")
    text = HEADER + "T1,dan@molndal.se,Dan,Ali,,,1481,UNGDOMSENHETEN,,ja,attended,\n"
    attendance(programme, text=text)
    dan = Person.objects.get(email="dan@molndal.se")
    assert (dan.workplace, dan.workplace_name, dan.staff_category) == (unit, "", None)
    assert Workplace.objects.count() == 1


def test_a_support_resource_keeps_an_unknown_workplace_as_text(programme, molndal, partille):
    sessions(programme)
    social = Sector.objects.get(code="socialtjanst")
    # The same name in another municipality is not theirs.
    Workplace.objects.create(municipality=partille, sector=social, name="Fritidsgården Kärra")
    text = HEADER + "T1,dan@molndal.se,Dan,Ali,,,1481,Fritidsgården Kärra,,ja,attended,\n"
    report = attendance(programme, text=text)
    dan = Person.objects.get(email="dan@molndal.se")
    assert dan.workplace is None
    assert dan.workplace_name == "Fritidsgården Kärra"
    assert Workplace.objects.count() == 1  # no workplace with an invented sector
    assert "workplaces_created" not in report.changes
    assert not attendance(programme, text=text).changed


# --- one course, one description ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("T2,trauma,Trauma och stress", "T2,trauma,Trauma & stress", "course_title"),
        ("Trauma och stress,workshop,1;3,2017-09", "Trauma och stress,,1;3,2017-09", "format"),
        ("workshop,1;3,2017-09", "workshop,1;2,2017-09", "subgoals"),
    ],
)
def test_rows_of_one_course_must_agree(programme, old, new, column):
    text = SESSIONS.replace(old, new, 1)
    assert text != SESSIONS
    with pytest.raises(ImportRefused) as refused:
        sessions(programme, text=text)
    assert refused.value.report.problems == [
        f"row 3, column {column}: differs from row 2 for course trauma"
    ]
    assert not Course.objects.exists()


def test_disagreement_is_named_in_swedish_and_sub_goal_order_does_not_matter(programme):
    text = SESSIONS.replace("workshop,1;3,2017-09", "workshop,3;1,2017-09").replace(
        "Skolgång,forelasning", "Skolgång,workshop"
    )
    text += "L2,skola,Skolgång,forelasning,2,2017-06-10 13:00,2017-06-10 16:00,3,80,,\n"
    with translation.override("sv"), pytest.raises(ImportRefused) as refused:
        sessions(programme, text=text)
    assert refused.value.report.problems == [
        "rad 5, kolumn format: skiljer sig från rad 4 för kurs skola"
    ]


def test_a_sessions_hours_do_not_overwrite_the_course(programme):
    text = SESSIONS.replace(
        "2017-09-14 15:00,6,30", "2017-09-14 12:00,3,30"
    )  # T2 is a shorter session of the same course
    sessions(programme, text=text)
    course = Course.objects.get(code="trauma")
    assert course.credited_hours == Decimal("6")  # from its first session
    assert Session.objects.get(code="T2").credited_hours == Decimal("3")
    report = sessions(programme, text=text.replace("2017-03-02 15:00,6,2", "2017-03-02 13:00,4,2"))
    course.refresh_from_db()
    assert course.credited_hours == Decimal("6")
    assert Session.objects.get(code="T1").credited_hours == Decimal("4")
    assert report.changes["courses_unchanged"] == 2
    assert report.changes["sessions_updated"] == 1


def test_an_empty_subgoals_cell_is_refused(programme):
    with pytest.raises(ImportRefused) as refused:
        sessions(programme, text=SESSIONS.replace("forelasning,2,", "forelasning, ; ,"))
    assert refused.value.report.problems == [
        "row 4, column subgoals: a programme course must serve at least one sub-goal"
    ]


# --- the summary --------------------------------------------------------------------------------


def test_courses_are_counted_once_and_an_unchanged_file_says_so(programme):
    first = sessions(programme)
    assert dict(first.changes) == {"courses_created": 2, "sessions_created": 3}
    again = sessions(programme)
    assert dict(again.changes) == {"courses_unchanged": 2, "sessions_unchanged": 3}
    with translation.override("sv"):
        assert again.summary() == (
            "inget ändrades (kurser oförändrade: 2, tillfällen oförändrade: 3)"
        )
    changed = sessions(programme, text=SESSIONS.replace("1;3", "1"))
    assert dict(changed.changes) == {"courses_updated": 1, "courses_unchanged": 1,
                                     "sessions_unchanged": 3}  # fmt: skip
    assert sorted(Course.objects.get(code="trauma").subgoals.values_list("number", flat=True)) == [
        1
    ]
    with translation.override("sv"):
        assert changed.summary() == (
            "kurser uppdaterade: 1, kurser oförändrade: 1, tillfällen oförändrade: 3"
        )


# --- field lengths ------------------------------------------------------------------------------


def test_over_long_fields_are_row_problems(programme):
    sessions(programme)
    long_name = "A" * 10_000
    text = ATTENDANCE.replace("Bo,Ek", f"{long_name},Ek").replace(
        "HVB Solrosen,boendepersonal,nej,registered", "H" * 201 + ",boendepersonal,nej,registered"
    )
    with pytest.raises(ImportRefused) as refused:
        attendance(programme, text=text)
    assert refused.value.report.problems == [
        "row 3, column first_name: at most 100 characters (this has 10000)",
        "row 5, column workplace: at most 200 characters (this has 201)",
    ]
    assert not Person.objects.exists()
    # Skipping them imports the rest, on every database.
    report = attendance(programme, text=text, skip_invalid=True)
    assert report.skipped_rows == 2
    assert set(Person.objects.values_list("email", flat=True)) == {
        "anna.berg@molndal.se",
        "cia@molndal.se",
    }


def test_over_long_session_fields_are_row_problems(programme):
    text = SESSIONS.replace("Skolgång", "S" * 201).replace("L1,skola", "L" * 61 + ",skola")
    with pytest.raises(ImportRefused) as refused:
        sessions(programme, text=text)
    assert refused.value.report.problems == [
        "row 4, column session_code: at most 60 characters (this has 61)",
        "row 4, column course_title: at most 200 characters (this has 201)",
    ]
    assert not Session.objects.exists()


# --- municipalities that left -------------------------------------------------------------------


def test_attendance_after_the_municipality_left_is_refused(programme, molndal):
    sessions(programme)
    Membership.objects.filter(programme=programme, municipality=molndal).update(
        left=dt.date(2017, 6, 30)
    )
    with pytest.raises(ImportRefused) as refused:
        attendance(programme)
    assert refused.value.report.problems == [
        "row 5, column session_code: Mölndal left the programme on 2017-06-30; "
        "the session is on 2017-09-14"
    ]
    with translation.override("sv"), pytest.raises(ImportRefused) as refused:
        attendance(programme)
    assert refused.value.report.problems == [
        "rad 5, kolumn session_code: Mölndal lämnade projektet 2017-06-30; tillfället är 2017-09-14"
    ]
    assert not Registration.objects.exists()


def test_attendance_on_the_day_the_municipality_left_is_accepted(programme, molndal):
    sessions(programme)
    Membership.objects.filter(programme=programme, municipality=molndal).update(
        left=dt.date(2017, 9, 14)
    )
    report = attendance(programme)
    assert report.changes["registrations_created"] == 4


# --- the command line speaks Swedish -----------------------------------------------------------


def run_import(*args: str) -> None:
    # run_from_argv closes the database connections when it ends: one run per test.
    command = load_command_class("grannar.training", "import")
    with translation.override("sv"):
        command.run_from_argv(["grannar", "import", *args])


ENGLISH = ("CommandError", "not imported", "nothing was written", "skipped", "Imported", "Dry run")
BAD_SESSIONS = SESSIONS.replace("T1,trauma", ",trauma")


@pytest.mark.parametrize(
    ("text", "options", "imported_before", "out", "err"),
    [
        (
            SESSIONS,
            ["--dry-run"],
            False,
            "Provkörning (tillfällen), inget skrevs. Skulle ändras: "
            "kurser skapade: 2, tillfällen skapade: 3\n",
            "",
        ),
        (
            SESSIONS,
            [],
            False,
            "Importerat (tillfällen): kurser skapade: 2, tillfällen skapade: 3\n",
            "",
        ),
        (
            SESSIONS,
            [],
            True,
            "Importerat (tillfällen): inget ändrades "
            "(kurser oförändrade: 2, tillfällen oförändrade: 3)\n",
            "",
        ),
        (
            BAD_SESSIONS,
            ["--skip-invalid"],
            False,
            "Importerat (tillfällen): kurser skapade: 2, tillfällen skapade: 2\n",
            "hoppade över: rad 2, kolumn session_code: obligatoriskt\n",
        ),
    ],
)
def test_command_line_texts_are_swedish(
    programme, tmp_path, capsys, text, options, imported_before, out, err
):
    if imported_before:
        sessions(programme, text=text)
    path = tmp_path / "sessions.csv"
    path.write_text(text, encoding="utf-8")
    run_import("sessions", "--programme", programme.code, str(path), *options)
    output = capsys.readouterr()
    assert (output.out, output.err) == (out, err)
    assert not any(english in output.out + output.err for english in ENGLISH)


def test_command_line_refusal_is_swedish_and_exits_non_zero(programme, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_SESSIONS, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        run_import("sessions", "--programme", programme.code, str(bad))
    assert exit_.value.code == 1
    output = capsys.readouterr()
    assert output.err == (
        f"{bad}: inte importerad, inget skrevs.\n  rad 2, kolumn session_code: obligatoriskt\n"
    )
    assert output.out == ""


def test_command_line_refuses_a_missing_file_in_swedish(programme, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_import("sessions", "--programme", programme.code, str(tmp_path / "nope.csv"))
    err = capsys.readouterr().err
    assert err.startswith(f"{tmp_path / 'nope.csv'}: filen kan inte läsas (")
