"""Training data at the end of its life: what a retention rule disposes of, and what an erasure
takes out of training's tables. The facts that are counted (registrations, hours) stay."""

import io
import json
import zipfile

from django.db.models import Q, QuerySet
from openpyxl import load_workbook

from grannar.people.models import Person
from grannar.programmes.models import Programme
from grannar.training.models import CalendarFeed, ImportJob, MonthlyAttestation, Registration

# An import in these states is over: its stored file is no longer read.
_FINISHED = (
    ImportJob.Status.PREVIEWED,
    ImportJob.Status.DONE,
    ImportJob.Status.REFUSED,
    ImportJob.Status.FAILED,
)


def attended_programme_ids(*, person: Person) -> set[int]:
    """Programmes holding the funder's evidence of this person: attended sessions of its
    courses, or monthly attestations."""
    attended = Registration.objects.filter(
        person=person, status=Registration.Status.ATTENDED, session__course__programme__isnull=False
    ).values_list("session__course__programme_id", flat=True)
    attested = MonthlyAttestation.objects.filter(person=person).values_list(
        "programme_id", flat=True
    )
    return set(attended) | set(attested)


def programme_person_ids(*, programme: Programme) -> set[int]:
    """Everyone registered for a session of the programme's courses."""
    return set(
        Registration.objects.filter(session__course__programme=programme).values_list(
            "person_id", flat=True
        )
    )


def other_programme_person_ids(*, programmes: list[Programme]) -> set[int]:
    """Everyone registered for a session outside `programmes` (another programme's or the
    regular catalogue's), whose identity another rule still needs."""
    return set(
        Registration.objects.exclude(session__course__programme__in=programmes).values_list(
            "person_id", flat=True
        )
    )


def import_files(*, programme: Programme) -> QuerySet[ImportJob]:
    """The programme's finished imports that still hold their file."""
    return ImportJob.objects.filter(programme=programme, status__in=_FINISHED).exclude(content=b"")


def import_files_forget(*, job_ids: list[int]) -> int:
    """Drop the stored files (and their previews and reports, which quote rows) of finished
    imports; what they imported stays."""
    return ImportJob.objects.filter(pk__in=job_ids, status__in=_FINISHED).update(
        content=b"", preview={}, report={}
    )


def attestations(*, programme: Programme) -> QuerySet[MonthlyAttestation]:
    return MonthlyAttestation.objects.filter(programme=programme)


def attestations_delete(*, ids: list[int]) -> int:
    """Dispose of monthly attestations; no figure is counted from them."""
    return MonthlyAttestation.objects.filter(pk__in=ids).delete()[0]


class ImportFiles:
    """The text of every finished import that still holds a file or a report, read once, so
    that erasing many people (a retention run) does not read every file per person."""

    def __init__(self):
        jobs = ImportJob.objects.filter(status__in=_FINISHED).exclude(
            Q(content=b"") & Q(preview={}) & Q(report={})
        )
        self.texts = {job.pk: _job_text(job) for job in jobs}

    def naming(self, identity: list[str]) -> list[int]:
        needles = [value.lower() for value in identity if value.strip()]
        return [pk for pk, text in self.texts.items() if any(n in text for n in needles)]

    def forget(self, job_ids: list[int]) -> int:
        for pk in job_ids:
            self.texts.pop(pk, None)
        return import_files_forget(job_ids=job_ids)


def person_traces_remove(
    *, person: Person, identity: list[str], files: ImportFiles | None = None
) -> int:
    """Take an erased person out of training's tables: the calendar feed goes, and every
    finished import whose file or report names them loses its file. Returns the files dropped."""
    CalendarFeed.objects.filter(person=person).delete()
    files = files or ImportFiles()
    return files.forget(files.naming(identity))


def _job_text(job: ImportJob) -> str:
    text = json.dumps([job.preview, job.report], ensure_ascii=False)
    return (text + "\n" + _file_text(job.filename, bytes(job.content))).lower()


def _file_text(filename: str, content: bytes) -> str:
    """The cells of a stored file as text (an XLSX file's are compressed in its bytes)."""
    if not content:
        return ""
    if filename.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return content.decode("utf-8", errors="replace")
        try:
            return "\n".join(
                "\t".join("" if value is None else str(value) for value in row)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
            )
        finally:
            book.close()
    return content.decode("utf-8-sig", errors="replace")
