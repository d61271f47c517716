import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from grannar.site.management.commands.serve import worker_command


def test_serve_starts_the_worker_of_the_configured_backend():
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert worker_command()[-1] == "worker"
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    ):
        assert worker_command()[-1] == "worker"
    assert worker_command() is None  # the immediate backend runs jobs in the web process


def test_worker_refuses_a_backend_without_workers():
    with translation.override("sv"), pytest.raises(CommandError, match="Uppgiftskön immediate har ingen arbetsprocess"):
        call_command("worker", "--burst")
