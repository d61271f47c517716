"""Nothing half-written: an attendance import and a report killed with SIGKILL midway (real
processes, held at a pause point that only the test settings know) leave the database as it was
and no partial file; a whole run leaves all of it."""

import pytest
from django.core.management import call_command

from grannar.core.backup import table_counts
from grannar.core.models import AuditEvent
from grannar.people.models import Person
from grannar.training.models import Registration
from tests.processes import grannar, kill, start, wait_for

SESSIONS = (
    "session_code,course_code,course_title,format,subgoals,starts,ends,hours,capacity,location,"
    "municipality_code\n"
    "K1,trauma,Trauma och stress,workshop,1;3,2017-03-02 09:00,2017-03-02 15:00,6,500,Mölndal,1481\n"
    "K2,trauma,Trauma och stress,workshop,1;3,2017-09-14 09:00,2017-09-14 15:00,6,500,Göteborg,\n"
    "K3,skola,Skolgång,forelasning,2,2017-05-10 13:00,2017-05-10 16:00,3,500,,1480\n"
)
HEADER = (
    "session_code,email,first_name,last_name,gender,birth_year,municipality_code,workplace,"
    "staff_category,support_resource,status,attended_hours\n"
)
MUNICIPALITIES = ("1480", "1481", "1402", "1401")
CATEGORIES = ("socialsekreterare", "boendepersonal", "pedagogisk", "elevhalsa")
PEOPLE = 600  # each on two sessions: 1 200 rows


def attendance_file(path, *, people: int, prefix: str):
    rows = [HEADER]
    for number in range(people):
        for session in ("K1", "K2") if number % 2 else ("K2", "K3"):
            rows.append(
                f"{session},{prefix}{number}@kommun.example,Förnamn,Efternamn{number},"
                f"{'kvinna' if number % 3 else 'man'},{1960 + number % 40},"
                f"{MUNICIPALITIES[number % 4]},Enhet {number % 7},{CATEGORIES[number % 4]},"
                f"nej,attended,\n"
            )
    path.write_text("".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def history(transactional_db, programme, tmp_path, no_scope):
    """Sessions and a first attendance list, imported whole; the rollups are built from them."""
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(SESSIONS, encoding="utf-8")
    call_command("import", "sessions", "--programme", programme.code, str(sessions), verbosity=0)
    first = attendance_file(tmp_path / "first.csv", people=20, prefix="tidigare")
    call_command("import", "attendance", "--programme", programme.code, str(first), verbosity=0)
    return programme


def held_and_killed(tmp_path, point: str, *args: str) -> None:
    """Run `grannar ARGS` until it reaches `point`, then SIGKILL it."""
    pauses = tmp_path / "pauses"
    pauses.mkdir()
    process = start(*args, GRANNAR_TEST_PAUSE_AT=point, GRANNAR_TEST_PAUSE_DIR=str(pauses))
    wait_for(pauses / point, process)
    kill(process)
    assert process.returncode == -9


def test_an_import_killed_midway_writes_nothing_and_a_whole_one_writes_all(history, tmp_path):
    before = table_counts()
    assert before["training_registration"] == 40
    file = attendance_file(tmp_path / "attendance.csv", people=PEOPLE, prefix="deltagare")
    arguments = ("import", "attendance", "--programme", history.code, str(file))

    # Held after writing the people, before the registrations, in its one transaction.
    held_and_killed(tmp_path, "training.import.people_written", *arguments)
    assert table_counts() == before
    call_command("rollups", "verify", verbosity=0)

    result = grannar(*arguments)
    assert result.returncode == 0, result.stderr
    assert Person.objects.count() == 20 + PEOPLE
    assert Registration.objects.count() == 40 + 2 * PEOPLE
    assert AuditEvent.objects.filter(action="training.import.attendance").count() == 2
    call_command("rollups", "verify", verbosity=0)


def test_a_report_killed_midway_leaves_no_file_and_no_audit_entry(history, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    output = folder / "summary.pdf"
    arguments = (
        "report", "summary", "--programme", history.code, "--format", "pdf",
        "--output", str(output),
    )  # fmt: skip
    before = table_counts()

    # Held with the whole file written under a hidden name and its audit entry not committed.
    held_and_killed(tmp_path, "core.file.written", *arguments)
    assert not output.exists()
    assert all(f.name.startswith(".summary.pdf.") for f in folder.iterdir())
    assert table_counts() == before

    result = grannar(*arguments)
    assert result.returncode == 0, result.stderr
    assert [f.name for f in folder.iterdir()] == ["summary.pdf"]  # the leftover is gone
    content = output.read_bytes()
    assert content.startswith(b"%PDF")
    assert content.rstrip().endswith(b"%%EOF")
    assert AuditEvent.objects.filter(action="reporting.summary.made").count() == 1
