"""Background jobs of the training app. They take ids and run with scopes disabled."""

import logging

from django.conf import settings
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from django_tasks import task

from grannar.training.imports import IMPORTS, ImportRefused
from grannar.training.models import ImportJob
from grannar.training.progress import progress_forget, progress_publish
from grannar.training.waitlist import reservations_release

logger = logging.getLogger(__name__)
# The part of the progress bar (in per cent) for checking the rows; writing takes the rest.
CHECKING_SHARE = 40


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
        last = {"percent": 0, "status": ""}

        def on_progress(stage: str, done: int, total: int) -> None:
            # Checking is the first part of the bar, writing the rest. Writing happens inside
            # the import's transaction, so from then on only the progress cache is told.
            share = min(done, total) / max(total, 1)
            if stage == "checking":
                percent = int(CHECKING_SHARE * share)
                status = ImportJob.Status.PREVIEWING if preview else ImportJob.Status.CHECKING
            else:
                percent = CHECKING_SHARE + int((99 - CHECKING_SHARE) * share)
                status = ImportJob.Status.PREVIEWING if preview else ImportJob.Status.WRITING
            if status == last["status"] and percent < last["percent"] + 5:
                return
            last.update(percent=percent, status=status)
            progress_publish(job_id=job_id, status=status, progress=percent)
            if stage == "checking":
                jobs.update(status=status, progress=percent)

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
                    on_progress=on_progress,
                )
            status = ImportJob.Status.PREVIEWED if preview else ImportJob.Status.DONE
        except ImportRefused as refused:
            report = refused.report
            status = ImportJob.Status.REFUSED
        except Exception:
            # The import's own transaction has rolled back; the page must stop waiting.
            logger.exception("Import job %s stopped by an error", job_id)
            jobs.update(status=ImportJob.Status.FAILED, progress=100, finished=timezone.now())
            progress_forget(job_id=job_id)
            raise
        if preview:
            jobs.update(status=status, progress=100, preview=report.as_dict())
        else:
            jobs.update(
                status=status, progress=100, report=report.as_dict(), finished=timezone.now()
            )
        progress_forget(job_id=job_id)
    return status


@task()
def release_reserved_seats(*, session_id: int) -> int:
    """At the release time, open reserved seats to everyone and serve the waiting line."""
    with scopes_disabled():
        return reservations_release(session_id=session_id)
