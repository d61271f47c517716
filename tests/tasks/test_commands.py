import importlib
import sys
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
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
    with (
        translation.override("sv"),
        pytest.raises(CommandError, match="Uppgiftskön immediate har ingen arbetsprocess"),
    ):
        call_command("worker", "--burst")


@contextmanager
def fresh_settings(name: str):
    """Evaluate a settings module anew, with the environment as the test has set it."""
    import config.settings as package

    names = ["config.settings.base", f"config.settings.{name}"]
    saved = {module: sys.modules.pop(module) for module in names if module in sys.modules}
    try:
        yield importlib.import_module(names[-1])
    finally:
        for module in names:
            sys.modules.pop(module, None)
        sys.modules.update(saved)
        package.base = saved["config.settings.base"]


def test_rq_settings_need_a_redis_url(monkeypatch):
    monkeypatch.setenv("GRANNAR_TASKS_BACKEND", "rq")
    monkeypatch.delenv("GRANNAR_REDIS_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="GRANNAR_REDIS_URL"), fresh_settings("base"):
        pass
    monkeypatch.setenv("GRANNAR_REDIS_URL", "redis://queue.internal:6380/2")
    with fresh_settings("base") as rq:
        assert rq.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
        assert rq.RQ_QUEUES["default"]["URL"] == "redis://queue.internal:6380/2"
        assert "django_rq" in rq.INSTALLED_APPS


def test_an_unknown_task_backend_is_refused(monkeypatch):
    monkeypatch.setenv("GRANNAR_TASKS_BACKEND", "celery")
    with (
        pytest.raises(ImproperlyConfigured, match="database, rq or immediate"),
        fresh_settings("base"),
    ):
        pass


def test_production_ignores_the_test_pause(monkeypatch):
    monkeypatch.setenv("GRANNAR_TASK_PAUSE", "before_send")
    monkeypatch.setenv("GRANNAR_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("GRANNAR_FIELD_KEY", "a-field-key")
    with fresh_settings("base") as base:
        assert base.GRANNAR_TASK_PAUSE == "before_send"
    with fresh_settings("production") as production:
        assert production.GRANNAR_TASK_PAUSE == ""
