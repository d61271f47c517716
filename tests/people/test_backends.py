"""Each request loads the signed-in user with their person in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grannar.people.backends import UserBackend

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_their_person_in_one_query(world):
    user = world["users"]["participant"]
    with CaptureQueriesContext(connection) as captured:
        loaded = UserBackend().get_user(user.pk)
        assert loaded == user
        assert loaded.person.email == "deltagare@test.example"
    assert len(captured.captured_queries) == 1


def test_a_user_without_a_person_loads_too(world):
    user = world["users"]["trainer"]
    loaded = UserBackend().get_user(user.pk)
    assert loaded == user
    assert loaded.person is None


def test_an_inactive_or_missing_user_is_not_signed_in(world):
    user = world["users"]["participant"]
    user.is_active = False
    user.save()
    assert UserBackend().get_user(user.pk) is None
    assert UserBackend().get_user(user.pk + 1000) is None
