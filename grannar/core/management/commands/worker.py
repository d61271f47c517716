from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from grannar.core.management.base import GrannarCommand
from grannar.core.queue import new_worker_id, recover_database_tasks, task_backend_name


class Command(GrannarCommand):
    help = (
        "Run the task worker of the configured backend (GRANNAR_TASKS_BACKEND): the database "
        "worker or an RQ worker. Jobs left running by a dead worker are queued again first."
    )
    # A worker starts often (and again after a crash); `grannar check` belongs to the deploy.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run the queued jobs, then stop.")

    def handle(self, *args, burst: bool, verbosity: int, **options):
        backend = task_backend_name()
        if backend == "database":
            self._database(burst=burst, verbosity=verbosity)
        elif backend == "rq":
            self._rq(burst=burst, verbosity=verbosity)
        else:
            raise CommandError(
                _("The task backend %(backend)s has no worker: jobs run where they are queued.")
                % {"backend": backend}
            )

    def _database(self, *, burst: bool, verbosity: int) -> None:
        recovered = recover_database_tasks()
        if recovered and verbosity:
            self.stdout.write(f"Queued again: {recovered} task(s) of a worker that is gone.")
        arguments = ["--worker-id", new_worker_id(), "--no-reload", "--no-startup-delay"]
        call_command("db_worker", *arguments, *(["--batch"] if burst else []), verbosity=verbosity)

    def _rq(self, *, burst: bool, verbosity: int) -> None:
        # RQ and Redis are imported only where that backend is in use.
        from django_rq.utils import reset_db_connections
        from django_rq.workers import get_worker
        from redis.exceptions import RedisError
        from rq.logutils import setup_loghandlers

        from grannar.core.rq_worker import RecoveringWorker

        level = "WARNING" if verbosity == 0 else "DEBUG" if verbosity > 1 else "INFO"
        setup_loghandlers(level)
        try:
            worker = get_worker(
                *settings.TASKS["default"].get("QUEUES", ["default"]),
                job_class="django_tasks_rq.backend.Job",
                worker_class=RecoveringWorker,
            )
            # Each job runs in a forked process, which must not share the parent's connections.
            reset_db_connections()
            # The scheduler runs the jobs queued for later (reminders, seat releases).
            worker.work(burst=burst, with_scheduler=True, logging_level=level)
        except RedisError as error:
            location = urlsplit(settings.RQ_QUEUES["default"]["URL"])
            raise CommandError(
                _("Redis at %(host)s does not answer: %(error)s")
                % {"host": f"{location.hostname}:{location.port or 6379}", "error": error}
            ) from None
