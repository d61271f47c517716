"""Background jobs of the training app. They take ids and run with scopes disabled."""

from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task

from grannar.training.imports import IMPORTS, ImportRefused
from grannar.training.models import ImportJob
from grannar.training.waitlist import reservations_release


@task()
def run_import_job(*, job_id: int) -> str:
    """Run a confirmed web import, keeping its progress where the status page can read it."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("programme", "created_by").get(pk=job_id)
        if job.status != ImportJob.Status.QUEUED:
            return job.status
        jobs = ImportJob.objects.filter(pk=job_id)
        jobs.update(status=ImportJob.Status.CHECKING, progress=0)
        last = {"percent": 0}

        def on_row(index: int, total: int) -> None:
            # Checking is most of the work; writing happens in one transaction at the end.
            percent = int(90 * index / max(total, 1))
            if index == total:
                jobs.update(status=ImportJob.Status.WRITING, progress=90)
            elif percent >= last["percent"] + 5:
                last["percent"] = percent
                jobs.update(progress=percent)

        try:
            report = IMPORTS[job.kind](
                programme=job.programme,
                filename=job.filename,
                content=bytes(job.content),
                by=job.created_by,
                skip_invalid=job.skip_invalid,
                on_row=on_row,
            )
            status = ImportJob.Status.DONE
        except ImportRefused as refused:
            report = refused.report
            status = ImportJob.Status.REFUSED
        jobs.update(status=status, progress=100, report=report.as_dict(), finished=timezone.now())
    return status


@task()
def release_reserved_seats(*, session_id: int) -> int:
    """At the release time, open reserved seats to everyone and serve the waiting line."""
    with scopes_disabled():
        return reservations_release(session_id=session_id)
