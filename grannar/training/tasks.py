"""Background jobs of the training app. They take ids and run with scopes disabled."""

import logging

from django.conf import settings
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from django_tasks import task

from grannar.training.imports import IMPORTS, ImportRefused
from grannar.training.models import ImportJob
from grannar.training.waitlist import reservations_release

logger = logging.getLogger(__name__)


@task()
def run_import_job(*, job_id: int) -> str:
    """Check an uploaded import (a dry run, the preview) or run a confirmed one, keeping its
    progress where the status page can read it."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("programme", "created_by").get(pk=job_id)
        preview = job.status == ImportJob.Status.PREVIEWING
        if not preview and job.status != ImportJob.Status.QUEUED:
            return job.status
        jobs = ImportJob.objects.filter(pk=job_id)
        jobs.update(
            status=ImportJob.Status.PREVIEWING if preview else ImportJob.Status.CHECKING,
            progress=0,
        )
        last = {"percent": 0}

        def on_row(index: int, total: int) -> None:
            # Checking is most of the work; writing happens in one transaction at the end.
            percent = int(90 * index / max(total, 1))
            if index == total:
                if preview:
                    jobs.update(progress=90)
                else:
                    jobs.update(status=ImportJob.Status.WRITING, progress=90)
            elif percent >= last["percent"] + 5:
                last["percent"] = percent
                jobs.update(progress=percent)

        # The report keeps its messages as text, in the language of the one who uploaded.
        language = (job.created_by and job.created_by.language) or settings.LANGUAGE_CODE
        try:
            with translation.override(language):
                report = IMPORTS[job.kind](
                    programme=job.programme,
                    filename=job.filename,
                    content=bytes(job.content),
                    by=job.created_by,
                    dry_run=preview,
                    skip_invalid=preview or job.skip_invalid,
                    on_row=on_row,
                )
            status = ImportJob.Status.PREVIEWED if preview else ImportJob.Status.DONE
        except ImportRefused as refused:
            report = refused.report
            status = ImportJob.Status.REFUSED
        except Exception:
            # The import's own transaction has rolled back; the page must stop waiting.
            logger.exception("Import job %s stopped by an error", job_id)
            jobs.update(status=ImportJob.Status.FAILED, progress=100, finished=timezone.now())
            raise
        if preview:
            jobs.update(status=status, progress=100, preview=report.as_dict())
        else:
            jobs.update(
                status=status, progress=100, report=report.as_dict(), finished=timezone.now()
            )
    return status


@task()
def release_reserved_seats(*, session_id: int) -> int:
    """At the release time, open reserved seats to everyone and serve the waiting line."""
    with scopes_disabled():
        return reservations_release(session_id=session_id)
