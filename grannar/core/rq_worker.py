"""RQ's side of the queue: jobs whose worker died are queued again instead of failing
(see grannar.core.queue for the rule). Imported only where the RQ backend is in use."""

import logging

from rq import Worker
from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp, parse_composite_key

from grannar.core.queue import worker_gone

logger = logging.getLogger(__name__)


def rq_requeue_abandoned(queue) -> int:
    """Put jobs whose RQ worker died back on `queue`, before RQ would count them as failed."""
    connection = queue.connection
    registry = StartedJobRegistry(queue=queue)
    now = current_timestamp()
    requeued = 0
    for entry, expires in connection.zrange(registry.key, 0, -1, withscores=True):
        entry = entry.decode() if isinstance(entry, bytes) else entry
        job = queue.fetch_job(parse_composite_key(entry)[0])
        if job is None:
            continue
        if expires >= now and not _rq_worker_is_gone(connection, job.worker_name):
            continue
        # Whoever removes the entry requeues the job: two workers starting at once do it once.
        if connection.zrem(registry.key, entry):
            queue.enqueue_job(job)
            requeued += 1
            logger.warning("Job %s was left running by a worker that is gone; queued again", job.id)
    return requeued


def _rq_worker_is_gone(connection, worker_name: str | None) -> bool:
    if not worker_name:
        return True
    key = f"{Worker.redis_worker_namespace_prefix}{worker_name}"
    hostname, pid = connection.hmget(key, "hostname", "pid")
    if hostname is None:
        return True  # its registration expired: no heartbeat for the worker TTL
    return worker_gone(hostname.decode(), int(pid) if pid else None)


class RecoveringWorker(Worker):
    """RQ's worker, which at start and at every maintenance round first takes back the jobs of
    dead workers (RQ itself would move them to the failed registry)."""

    def clean_registries(self):
        for queue in self.queues:
            rq_requeue_abandoned(queue)
        super().clean_registries()
