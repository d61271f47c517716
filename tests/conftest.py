from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from grannar.people.models import Role
from grannar.programmes.models import Municipality
from grannar.programmes.services import programme_load_file
from tests.factories import make_person, make_user


@pytest.fixture
def reference_file() -> Path:
    return Path(settings.GRANNAR_REFERENCE_PROGRAMME)


@pytest.fixture
def programme(db, reference_file):
    with scopes_disabled():
        return programme_load_file(path=reference_file).programme


@pytest.fixture
def molndal(programme) -> Municipality:
    return Municipality.objects.get(code="1481")


@pytest.fixture
def partille(programme) -> Municipality:
    return Municipality.objects.get(code="1402")


@pytest.fixture
def world(programme, molndal, partille):
    """One user per role, a person in each of two municipalities; 'own' is Mölndal."""
    own_person = make_person(municipality=molndal, email="anna.own@test.example")
    other_person = make_person(municipality=partille, email="bo.other@test.example")
    participant_person = make_person(municipality=molndal, email="deltagare@test.example")
    return {
        "programme": programme,
        "own": molndal,
        "other": partille,
        "own_person": own_person,
        "other_person": other_person,
        "users": {
            "admin": make_user(role=Role.ADMIN, programme=programme, email="admin@test.example"),
            "coordinator": make_user(
                role=Role.COORDINATOR,
                programme=programme,
                municipality=molndal,
                email="samordnare@test.example",
            ),
            "trainer": make_user(role=Role.TRAINER, programme=programme),
            "participant": make_user(
                role=Role.PARTICIPANT,
                programme=programme,
                person=participant_person,
                email="deltagare@test.example",
            ),
            "evaluator": make_user(role=Role.EVALUATOR, programme=programme),
            "auditor": make_user(role=Role.AUDITOR, programme=programme),
        },
    }


@pytest.fixture(autouse=True)
def _fresh_progress_cache():
    """Job ids repeat between tests; a running job must not see another test's progress."""
    from django.core.cache import caches

    caches["progress"].clear()


@pytest.fixture
def no_scope():
    with scopes_disabled():
        yield


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` start and restart PostgreSQL servers of their own: they run
    in the PostgreSQL pass of the suite and are left out of the SQLite pass."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=left_out)
