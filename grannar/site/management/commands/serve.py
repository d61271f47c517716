import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command

from grannar.collaboration.notifications import send_due_routine_reminders
from grannar.core.management.base import AdminCommand
from grannar.core.queue import task_backend_name
from grannar.core.webserver import gunicorn_options
from grannar.demo import demo_load
from grannar.demo.people import DEMO_DOMAIN, demo_totp_secret
from grannar.people.models import User
from grannar.reporting.tasks import run_retention


def web_server_command(host: str, port: int) -> list[str]:
    """gunicorn as `serve` starts it; its access log leaves out query strings and tokens."""
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{host}:{port}",
        *gunicorn_options(),
        "--access-logfile",
        "-",
        "--logger-class",
        "grannar.core.access_log.AccessLogger",
    ]


def worker_command() -> list[str] | None:
    """`grannar worker` for the configured task backend; none for the immediate backend."""
    if task_backend_name() not in ("database", "rq"):
        return None
    return [sys.executable, "-m", "grannar.cli", "worker"]


DAY = 24 * 60 * 60


def queue_daily_jobs() -> None:
    """The jobs the embedded runtime queues once a day (production runs them from cron)."""
    send_due_routine_reminders.enqueue()
    if settings.GRANNAR_RETENTION_DAILY:
        run_retention.enqueue()


def _stop(signum, frame):
    """SIGTERM stops the children as Ctrl-C does."""
    raise KeyboardInterrupt


class Command(AdminCommand):
    help = (
        "Run Grannar on one machine: migrate, load the reference programme and demo data the "
        "first time, then start the web server and the task worker until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, port: int, host: str, no_demo: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        if not no_demo:
            self._demo()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        processes = [
            subprocess.Popen(web_server_command(host, port), env=env),  # noqa: S603 - no shell
        ]
        if worker := worker_command():
            processes.append(subprocess.Popen(worker, env=env))  # noqa: S603 - no shell
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(self.style.SUCCESS(f"Grannar is running on http://{host}:{port}/"))
        self.stdout.write("Press Ctrl-C to stop the web server and the task worker.")
        next_daily = time.monotonic()
        try:
            while all(process.poll() is None for process in processes):
                if time.monotonic() >= next_daily:
                    # What a cron job does in production: the worker runs it (idempotent).
                    queue_daily_jobs()
                    next_daily = time.monotonic() + DAY
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")

    def _demo(self) -> None:
        if User.objects.filter(email=f"admin@{DEMO_DOMAIN}").exists():
            self.stdout.write("Demo data already loaded; keeping the data as it is.")
            accounts = [(u.email, ", ".join(u.role_names)) for u in self._demo_users()]
        else:
            self.stdout.write("Loading the reference programme and demo data (first run)...")
            accounts = demo_load().accounts
        password = settings.GRANNAR_DEMO_PASSWORD
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins (password for all: {password})"))
        for email, label in accounts:
            self.stdout.write(f"  {email:<40} {label}")
        self.stdout.write("")
        self.stdout.write(
            "Every role but participant signs in with two-step verification. Add this key to an\n"
            f"authenticator app: {demo_totp_secret()}\n"
            "or get the current code with: .venv/bin/grannar demo-code"
        )
        self.stdout.write("")

    def _demo_users(self):
        return User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("email")
