"""The project's own invariants: migrations, the console script, the reference data copy."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_reference_programme_ships_with_the_project():
    path = settings.GRANNAR_REFERENCE_PROGRAMME
    assert path.is_file()
    assert settings.BASE_DIR in path.parents


def test_console_script_accepts_hyphenated_commands(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    run = [sys.executable, "-m", "grannar.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    loaded = subprocess.run(
        [*run, "load-programme", str(settings.GRANNAR_REFERENCE_PROGRAMME)],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert loaded.returncode == 0, loaded.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[programme]\ncode = 'x'\n", encoding="utf-8")
    refused = subprocess.run(
        [*run, "load-programme", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert refused.returncode != 0
    assert "programme.name" in refused.stderr
    assert "Traceback" not in refused.stderr
