"""Progress of a running import, readable while the import's own transaction is still open.

An import writes everything in one transaction; a figure written to its `ImportJob` row inside
that transaction would be seen only at the end, and on SQLite the row could not even be written
from another connection while the import holds the write lock. So the worker also publishes the
figure to the "progress" cache, which the web server reads: files in `var/` on one machine, or
Redis when `GRANNAR_PROGRESS_REDIS_URL` is set (web servers and workers on several hosts).
"""

from django.core.cache import caches

from grannar.training.models import ImportJob

TIMEOUT_SECONDS = 24 * 60 * 60


def _key(job_id: int) -> str:
    return f"grannar:import-progress:{job_id}"


def progress_publish(*, job_id: int, status: str, progress: int) -> None:
    """Publish a running job's status and progress (per cent)."""
    caches["progress"].set(_key(job_id), (status, progress), TIMEOUT_SECONDS)


def progress_forget(*, job_id: int) -> None:
    caches["progress"].delete(_key(job_id))


def progress_apply(job: ImportJob) -> ImportJob:
    """Give a running `job` the latest published status and progress, if further along."""
    if job.running:
        published = caches["progress"].get(_key(job.pk))
        if published is not None and published[1] >= job.progress:
            job.status, job.progress = published
    return job
