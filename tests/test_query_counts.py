"""List pages issue a fixed number of queries whatever the amount of data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grannar.training.models import MonthlyAttestation
from grannar.training.services import registration_create
from tests.factories import make_person, make_session, sign_in

PAGES = [
    ("admin", "people:list"),
    ("coordinator", "people:list"),
    ("admin", "training:catalogue"),
    ("admin", "training:attestation_audit"),
    ("auditor", "training:evidence_list"),
    ("admin", "site:audit_log"),
    ("admin", "training:course_list"),
    ("participant", "training:my_registrations"),
]


def more_data(world, n: int) -> None:
    admin = world["users"]["admin"]
    participant = world["users"]["participant"].person
    for i in range(n):
        person = make_person(municipality=world["own" if i % 2 else "other"])
        session = make_session(programme=world["programme"], days_ahead=5 + i)
        registration_create(session=session, person=person, by=admin)
        registration_create(session=session, person=participant, by=admin)
        MonthlyAttestation.objects.create(
            person=person,
            programme=world["programme"],
            month=dt.date(2024, 1 + i % 12, 1),
            hours=Decimal(3),
            statement="Jag intygar …",
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_list_page_queries_do_not_grow_with_the_data(world, client, no_scope, role, name):
    sign_in(client, world["users"][role])
    url = reverse(name)
    more_data(world, 2)
    queries(client, url)  # warm the caches a first request fills
    few = queries(client, url)
    more_data(world, 12)
    assert queries(client, url) == few
