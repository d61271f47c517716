"""grannar backup / restore: the demo round-trips on this database (SQLite or PostgreSQL), a backup
taken while someone writes is consistent, and a restore refuses what it must."""

import io
import json
import tarfile
import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django_scopes import scopes_disabled

from grannar.core.backup import BackupError, backup_make, check_client, pg_tool, table_counts
from grannar.core.models import AuditEvent
from grannar.programmes.models import Municipality, Programme
from grannar.reporting import reports
from grannar.training.models import Attendance, Registration, Session
from grannar.training.services import attendance_record
from tests.factories import make_person
from tests.processes import database_url, fresh_databases, grannar, open_database

WRITER = "skrivare"  # e-mail prefix of the people the writer thread adds


def restored_counts(url: str, tables) -> dict[str, int]:
    """Rows per table of the database at `url`, counted by a connection of its own."""
    database = open_database(url)
    try:
        cursor = database.cursor()
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - catalogue names
            counts[table] = cursor.fetchone()[0]
        return counts
    finally:
        database.close()


def manifest_data_name(tar) -> str:
    return "data.sqlite3.gz" if connection.vendor == "sqlite" else "data.pgdump"


def field_key() -> str:
    from grannar.core.crypto import _field_key

    return _field_key(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY).decode()


# One process for the restored database's figures: the summary as `report summary` prints it, and
# whether `rollups verify` passes.
FIGURES = """
import io
from django.core.management import call_command
from django.core.management.base import CommandError
out = io.StringIO()
call_command("report", "summary", programme="nya-grannar", format="json", stdout=out)
try:
    call_command("rollups", "verify", stdout=io.StringIO())
    verified = "ok"
except CommandError as error:
    verified = str(error)
print(out.getvalue() + "\\n" + verified)
"""


def figures(url: str) -> tuple[str, str]:
    result = grannar("shell", "-v", "0", "-c", FIGURES, url=url)
    assert result.returncode == 0, result.stderr
    summary, _, verified = result.stdout.rpartition("\n\n")
    return summary + "\n", verified.strip()


def restore(file: Path, url: str):
    result = grannar("restore", str(file), url=url)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def demo(transactional_db):
    call_command("demo", scale="small", verbosity=0)
    with scopes_disabled():
        return Programme.objects.get(code="nya-grannar")


def test_the_demo_round_trips_with_identical_counts_and_summary(demo, tmp_path):
    with scopes_disabled():
        summary = reports.summary_json(demo) + "\n"
    counts = table_counts()
    file = tmp_path / "grannar.backup"
    call_command("backup", str(file), verbosity=0)

    with tarfile.open(file) as tar:
        assert tar.getnames() == ["manifest.json", manifest_data_name(tar)]
        text = tar.extractfile("manifest.json").read().decode()
    manifest = json.loads(text)
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"] == counts
    assert manifest["rows"] == sum(counts.values())
    assert set(manifest["keys"]) == {"GRANNAR_FIELD_KEY", "GRANNAR_PSEUDONYM_KEY"}
    # Check values only: neither key (nor the secret key they may come from) is in it.
    for key in (settings.SECRET_KEY, settings.GRANNAR_PSEUDONYM_KEY, field_key()):
        assert key not in text
    assert AuditEvent.objects.filter(action="core.backup.made").count() == 1

    with fresh_databases(tmp_path) as new:
        url = new("restored")
        result = restore(file, url)
        assert f"{manifest['rows']}" in result.stdout
        restored = restored_counts(url, counts)
        # The restore adds its own audit entry after checking the counts against the manifest.
        restored["core_auditevent"] -= 1
        assert restored == counts
        again, verified = figures(url)
        assert again == summary
        assert verified == "ok"


def _writer(stop: threading.Event, written: list[int], session_id: int) -> None:
    """Adds one attended participant per transaction (person, registration, attendance, audit
    entry, rollups) until told to stop."""
    try:
        with scopes_disabled():
            session = Session.objects.select_related("course").get(pk=session_id)
            municipality = Municipality.objects.get(code="1481")
            while not stop.is_set() and len(written) < 200:
                number = len(written)
                with transaction.atomic():
                    person = make_person(
                        municipality=municipality, email=f"{WRITER}{number}@test.example"
                    )
                    registration = Registration.objects.create(
                        session=session,
                        person=person,
                        municipality=municipality,
                        status=Registration.Status.CONFIRMED,
                    )
                    attendance_record(
                        registration=registration,
                        present=True,
                        by=None,
                        method=Attendance.Method.TRAINER,
                    )
                written.append(number)
    finally:
        connection.close()


def test_a_backup_taken_while_someone_writes_is_consistent(demo, tmp_path):
    with scopes_disabled():
        held = Session.objects.filter(course__programme=demo, registrations__status="attended")
        session = held.order_by("starts").first()
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(stop, written, session.pk))
    thread.start()
    try:
        while len(written) < 3 and thread.is_alive():
            time.sleep(0.01)
        before = len(written)
        file = tmp_path / "busy.backup"
        backup_make(path=file)
        after = len(written)
    finally:
        stop.set()
        thread.join()
    assert before >= 3

    with fresh_databases(tmp_path) as new:
        url = new("busy")
        restore(file, url)
        marker = "?" if connection.vendor == "sqlite" else "%s"
        joins = {
            "people_person p": "",
            "training_registration r": " JOIN people_person p ON p.id = r.person_id",
            "training_attendance a": " JOIN training_registration r ON r.id = a.registration_id"
            " JOIN people_person p ON p.id = r.person_id",
        }
        database = open_database(url)
        try:
            cursor = database.cursor()
            found = []
            for table, join in joins.items():
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table}{join} WHERE p.email LIKE {marker}",  # noqa: S608
                    [f"{WRITER}%"],
                )
                found.append(cursor.fetchone()[0])
        finally:
            database.close()
        people, registrations, attended = found
        # Each of the writer's transactions is in the snapshot whole or not at all.
        assert before <= people <= after + 1
        assert people == registrations == attended
        assert figures(url)[1] == "ok"


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def backup_file(db, tmp_path) -> Path:
    file = tmp_path / "plain.backup"
    backup_make(path=file)
    return file


def rewrite(file: Path, target: Path, *, manifest=None, data=None) -> Path:
    """A copy of the backup with its manifest or data changed."""
    with tarfile.open(file) as tar:
        members = {name: tar.extractfile(name).read() for name in tar.getnames()}
    name = next(n for n in members if n != "manifest.json")
    found = json.loads(members["manifest.json"])
    if manifest:
        manifest(found)
    members["manifest.json"] = json.dumps(found).encode()
    if data:
        members[name] = data(members[name])
    with tarfile.open(target, "w") as tar:
        for member, content in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return target


def refused(file: Path, *, other_keys: bool = False) -> str:
    with pytest.raises(CommandError) as error:
        call_command("restore", str(file), other_keys=other_keys, verbosity=0)
    return str(error.value)


def test_a_restore_refuses_a_database_that_is_not_empty(backup_file, programme):
    message = refused(backup_file)
    assert connection.settings_dict["NAME"] in message
    assert "not empty" in message or "inte tom" in message
    assert Programme.objects.count() == 1


def test_a_restore_refuses_a_missing_or_damaged_file(backup_file, tmp_path):
    assert str(tmp_path / "nothing") in refused(tmp_path / "nothing")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a tar file at all" * 100)
    assert "junk.backup" in refused(junk)
    half = tmp_path / "half.backup"
    half.write_bytes(backup_file.read_bytes()[:2000])
    assert "half.backup" in refused(half)

    def shapeless(manifest):
        manifest["data"] = "data.pgdump"

    assert "shapeless.backup" in refused(
        rewrite(backup_file, tmp_path / "shapeless.backup", manifest=shapeless)
    )
    tampered = rewrite(
        backup_file, tmp_path / "tampered.backup", data=lambda content: content[:-10] + b"x" * 10
    )
    message = refused(tampered)
    assert "checksum" in message or "kontrollsumm" in message


def test_a_restore_refuses_another_schema_or_vendor(backup_file, tmp_path):
    def older(manifest):
        manifest["schema"]["training"] = "0001_initial"

    message = refused(rewrite(backup_file, tmp_path / "old.backup", manifest=older))
    assert "training 0001_initial" in message

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def elsewhere(manifest):
        manifest["vendor"] = other

    assert other in refused(rewrite(backup_file, tmp_path / "other.backup", manifest=elsewhere))


def test_a_restore_refuses_other_keys_unless_told(backup_file):
    with override_settings(FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()):
        message = refused(backup_file)
        assert "GRANNAR_FIELD_KEY" in message
        assert "GRANNAR_PSEUDONYM_KEY" not in message
        # Told to go on, it gets as far as the next check.
        message = refused(backup_file, other_keys=True)
        assert "GRANNAR_FIELD_KEY" not in message
        assert connection.settings_dict["NAME"] in message


def test_the_command_line_exits_non_zero_with_the_message_alone(backup_file, tmp_path):
    if connection.vendor == "sqlite":
        nowhere = database_url(tmp_path / "no-such-folder" / "x.sqlite3")
    else:
        nowhere = database_url(f"{connection.settings_dict['NAME']}_no_such_database")
    result = grannar("restore", str(backup_file), url=nowhere)
    assert result.returncode == 1
    assert "no_such" in result.stderr or "no-such" in result.stderr
    assert "Traceback" not in result.stderr
    assert "CommandError" not in result.stderr
    with pytest.raises(CommandError, match="no-such-folder"):
        call_command("backup", str(tmp_path / "no-such-folder" / "x.backup"))


def test_a_backup_refuses_a_missing_folder_and_leaves_nothing(db, tmp_path):
    with pytest.raises(BackupError, match="nowhere"):
        backup_make(path=tmp_path / "nowhere" / "x.backup")
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_client_older_than_the_server_is_refused(tmp_path):
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match=r"13.*15"):
        check_client(old, server=15)
    check_client(old, server=13)


def test_the_postgresql_programs_come_from_the_setting_or_path(tmp_path):
    with (
        override_settings(GRANNAR_PG_BIN_DIR=str(tmp_path)),
        pytest.raises(BackupError, match="GRANNAR_PG_BIN_DIR"),
    ):
        pg_tool("pg_dump")
    with override_settings(GRANNAR_PG_BIN_DIR=""):
        assert pg_tool("pg_dump").name == "pg_dump"
