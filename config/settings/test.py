"""Fast, deterministic settings for the test suite."""

from config.env import env_list, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
GRANNAR_DEMO_PASSWORD = "test-demo-password"  # noqa: S105 - test-only value
GRANNAR_NATIONAL_ATTENDANCE = 20_000  # the full million is for bench/dashboard_scale.py

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that tests with several threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# The worker runs in the test process: the import progress needs no shared files.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "progress",
    },
}

# tests/test_killed_writers.py holds a subprocess at these points (grannar/core/pause.py).
GRANNAR_TEST_PAUSE_AT = env_list("GRANNAR_TEST_PAUSE_AT", [])
GRANNAR_TEST_PAUSE_DIR = env_str("GRANNAR_TEST_PAUSE_DIR", "")

GRANNAR_API_RATE = "100000/min"  # the schema tests send thousands of requests
