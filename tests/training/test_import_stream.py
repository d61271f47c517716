"""Large attendance lists: read as a stream, written in chunks, all or nothing, with progress."""

import pytest
from django.db import models
from django_scopes import scopes_disabled

from grannar.people.models import Person
from grannar.training import imports, rollups
from grannar.training.imports import ImportRefused, import_attendance
from grannar.training.models import Attendance, ImportJob, Registration
from tests.training.test_imports import HEADER, sessions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


def attendance_list(count: int, *, start: int = 0, session: str = "T2") -> str:
    rows = (
        f"{session},person{n}@molndal.se,Förnamn,Efternamn{n},kvinna,1980,1481,HVB Solrosen,"
        f"boendepersonal,nej,attended,\n"
        for n in range(start, start + count)
    )
    return HEADER + "".join(rows)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 7)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 5)


def run(programme, text: str, **kwargs):
    return import_attendance(
        programme=programme, filename="attendance.csv", content=text.encode(), **kwargs
    )


def test_a_list_longer_than_a_chunk_is_written_whole(programme, small_chunks):
    sessions(programme)
    report = run(programme, attendance_list(50))
    assert report.rows == 50
    assert report.changes["people_created"] == 50
    assert report.changes["registrations_created"] == 50
    assert report.changes["attendance_created"] == 50
    assert Attendance.objects.count() == 50
    again = run(programme, attendance_list(50))
    assert not again.changed
    assert again.changes["registrations_unchanged"] == 50


def test_the_later_row_wins_across_chunks(programme, small_chunks):
    sessions(programme)
    text = attendance_list(30) + (
        "T2,person3@molndal.se,Förnamn,Ny,kvinna,1980,1481,HVB Solrosen,boendepersonal,nej,"
        "no_show,\n"
    )
    report = run(programme, text)
    assert report.changes["registrations_created"] == 30
    person = Person.objects.get(email="person3@molndal.se")
    assert person.last_name == "Ny"
    assert Registration.objects.get(person=person).status == Registration.Status.NO_SHOW
    assert not Attendance.objects.filter(registration__person=person).exists()


def test_a_bad_row_after_many_chunks_writes_nothing(programme, small_chunks):
    sessions(programme)
    text = attendance_list(40) + (
        "T2,late@molndal.se,Sen,Rad,kvinna,1980,9999,,boendepersonal,nej,attended,\n"
    )
    with pytest.raises(ImportRefused) as refused:
        run(programme, text)
    assert refused.value.report.problems == [
        "rad 42, kolumn municipality_code: kommun 9999 ingår inte i programmet"
    ]
    assert not Person.objects.filter(email__startswith="person").exists()


def test_an_error_while_writing_rolls_back_the_chunks_already_written(
    programme, small_chunks, monkeypatch
):
    sessions(programme)
    written = []
    real = imports._write_attendance_chunk

    def fail_on_the_third(*args, **kwargs):
        written.append(1)
        if len(written) == 3:
            raise RuntimeError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(imports, "_write_attendance_chunk", fail_on_the_third)
    with pytest.raises(RuntimeError):
        run(programme, attendance_list(40))
    assert not Person.objects.filter(email__startswith="person").exists()
    assert not Registration.objects.exists()


def test_text_that_is_not_utf8_late_in_the_file_refuses_it(programme, small_chunks):
    sessions(programme)
    content = attendance_list(40).encode() + "T2,x@molndal.se,Å\n".encode("latin-1")
    with pytest.raises(ImportRefused) as refused:
        import_attendance(programme=programme, filename="a.csv", content=content)
    assert refused.value.report.problems == ["filen är inte UTF-8-text"]
    assert not Person.objects.filter(email__startswith="person").exists()


def test_progress_is_reported_while_writing(programme, small_chunks):
    sessions(programme)
    seen = []
    run(programme, attendance_list(60), on_progress=lambda *step: seen.append(step))
    checking = [done for stage, done, _total in seen if stage == "checking"]
    writing = [(done, total) for stage, done, total in seen if stage == "writing"]
    assert checking == list(range(5, 61, 5))
    # People (60) and then registrations (60) are written in chunks of 7, and each chunk that
    # passes a multiple of 5 rows is reported: progress moves all through the writing.
    assert len(writing) > 10
    assert all(total == 120 for _done, total in writing)
    dones = [done for done, _total in writing]
    assert dones == sorted(dones)
    assert dones[0] < 20
    assert dones[-1] == 120


def test_the_import_job_publishes_intermediate_progress_while_writing(
    programme, small_chunks, monkeypatch, world
):
    from grannar.training import tasks

    sessions(programme)
    published = []

    def publish(*, job_id, status, progress):
        published.append((status, progress))

    monkeypatch.setattr(tasks, "progress_publish", publish)
    with scopes_disabled():
        job = ImportJob.objects.create(
            kind="attendance",
            programme=programme,
            filename="attendance.csv",
            content=attendance_list(200).encode(),
            status=ImportJob.Status.QUEUED,
            created_by=world["users"]["admin"],
        )
    assert tasks.run_import_job.call(job_id=job.pk) == ImportJob.Status.DONE
    writing = [progress for status, progress in published if status == ImportJob.Status.WRITING]
    assert len(writing) >= 5
    assert writing == sorted(writing)
    assert all(40 <= progress < 100 for progress in writing)
    assert any(50 < progress < 90 for progress in writing)
    job.refresh_from_db()
    assert (job.status, job.progress) == (ImportJob.Status.DONE, 100)


def test_the_writing_passes_read_a_row_as_the_check_did(programme):
    from tests.training.test_imports import ATTENDANCE

    sessions(programme)
    context = imports._AttendanceContext(programme)
    table = imports.Table("attendance.csv", ATTENDANCE.encode(), imports.ATTENDANCE_COLUMNS)
    rows = list(table.rows())
    assert len(rows) == 4
    for number, row in rows:
        checked = context.check(number, row, imports._Problems())
        assert checked == context.parse(number, row)


def test_listeners_hear_of_recorded_attendance_in_batches(
    programme, small_chunks, monkeypatch, django_capture_on_commit_callbacks
):
    from grannar.training import signals

    monkeypatch.setattr(signals, "RECORDED_BATCH", 15)
    heard = []

    def listener(sender, registration_ids, **kwargs):
        heard.append(registration_ids)

    signals.attendance_recorded.connect(listener)
    try:
        sessions(programme)
        with django_capture_on_commit_callbacks(execute=True):
            run(programme, attendance_list(40))
    finally:
        signals.attendance_recorded.disconnect(listener)
    assert [len(batch) for batch in heard] == [15, 15, 10]
    ids = [pk for batch in heard for pk in batch]
    assert sorted(ids) == sorted(Attendance.objects.values_list("registration_id", flat=True))


def _peak(programme, content: str) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        import_attendance(programme=programme, filename="a.csv", content=content.encode())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(programme, monkeypatch):
    """Three times the rows for the same people: the peak grows by far less than a row's
    objects."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 200)
    monkeypatch.setattr(rollups, "PERSON_BATCH", 200)
    sessions(programme)
    _peak(programme, attendance_list(300, start=900_000))  # what a first import sets up once
    small = _peak(programme, attendance_list(1000))
    three = "".join(
        attendance_list(1000, session=code).removeprefix(HEADER) for code in ("T1", "T2", "L1")
    )
    large = _peak(programme, HEADER + three)
    # A row's registration and attendance objects cost kilobytes; the id of its recorded
    # attendance, kept for the signal, a few dozen bytes.
    assert (large - small) / 2000 < 800, (small, large)


def test_a_reimport_leaves_no_model_objects_for_the_cycle_collector(programme, monkeypatch):
    """Objects caught in reference cycles outlive their chunk until the cycle collector runs,
    so the peak would depend on when it runs rather than on the chunk size."""
    import gc

    monkeypatch.setattr(imports, "CHUNK_ROWS", 200)
    sessions(programme)
    import_attendance(programme=programme, filename="a.csv", content=attendance_list(400).encode())
    assert Attendance.objects.count() > 0  # the second import finds attendance to compare
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        import_attendance(
            programme=programme, filename="a.csv", content=attendance_list(400).encode()
        )
        gc.collect()
        caught = [type(o).__name__ for o in gc.garbage if isinstance(o, models.Model)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert caught == []


def test_memory_grows_with_the_people_only_by_their_ids(programme, monkeypatch):
    """Five times the people: the chunks are the same size; what grows is only the ids of the
    people touched (to recount their figures) and of recorded attendance, not objects."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 200)
    monkeypatch.setattr(rollups, "PERSON_BATCH", 200)
    sessions(programme)
    _peak(programme, attendance_list(300, start=900_000))
    small = _peak(programme, attendance_list(1000))
    large = _peak(programme, attendance_list(5000, start=100_000))
    # A person's row object costs one to three kilobytes; their id, in the few sets and sorted
    # lists a recount keeps, a few hundred bytes.
    assert (large - small) / 4000 < 800, (small, large)


def test_the_status_page_shows_the_progress_published_while_writing(client, world):
    from django.urls import reverse

    from grannar.training.progress import progress_publish
    from tests.factories import sign_in

    sign_in(client, world["users"]["admin"])
    job = ImportJob.objects.create(
        kind="attendance",
        programme=world["programme"],
        filename="a.csv",
        content=b"",
        status=ImportJob.Status.CHECKING,
        progress=40,
    )
    progress_publish(job_id=job.pk, status=ImportJob.Status.WRITING, progress=70)
    page = client.get(reverse("training:import_status", args=[job.pk])).content.decode()
    assert '<progress id="import-progress" max="100" value="70">' in page
    assert "skriver" in page
    assert 'hx-trigger="every 1s"' in page
