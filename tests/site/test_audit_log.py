"""The audit-log page and its export: readable actions, links, filters, who may read it."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grannar.core.audit import log_action
from grannar.core.models import AuditEvent
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(world):
    admin = world["users"]["admin"]
    log_action(
        action="people.person.changed",
        actor=admin,
        target=world["own_person"],
        municipality_id=world["own"].pk,
        data={"fields": ["phone"]},
    )
    log_action(action="training.registration.waitlisted", actor=admin)
    log_action(action="programmes.programme.loaded", target=world["programme"])
    log_action(action="some.unknown.code", data={"note": "=HYPERLINK(1)"})
    return world


def test_the_page_describes_each_action_in_swedish_with_actor_object_and_link(client, logged):
    sign_in(client, logged["users"]["admin"])
    html = client.get(reverse("site:audit_log")).content.decode()
    assert "Personuppgifter ändrade" in html
    assert "Anmälan placerad på reservlistan" in html
    assert "some.unknown.code" in html
    assert "systemet" in html
    person_url = reverse("people:detail", args=[logged["own_person"].pk])
    assert f'<a href="{person_url}">Person {logged["own_person"].pk}</a>' in html
    overview = reverse("programmes:overview", args=[logged["programme"].code])
    assert f'href="{overview}"' in html
    assert "Mölndal" in html
    assert '<option value="training.registration.waitlisted">' in html


def test_the_auditor_reads_the_log_without_links_to_pages_it_may_not_open(client, logged):
    sign_in(client, logged["users"]["auditor"])
    response = client.get(reverse("site:audit_log"), {"action": "people.person"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Personuppgifter ändrade" in html
    assert reverse("people:detail", args=[logged["own_person"].pk]) not in html
    assert AuditEvent.objects.filter(
        action="core.audit_log.listed", actor=logged["users"]["auditor"]
    ).exists()


@pytest.mark.parametrize("role", ["coordinator", "evaluator", "trainer", "participant"])
def test_other_roles_may_not_read_or_export_the_log(client, logged, role):
    sign_in(client, logged["users"][role])
    assert client.get(reverse("site:audit_log")).status_code == 403
    assert client.get(reverse("site:audit_log_export", args=["csv"])).status_code == 403
    assert not AuditEvent.objects.filter(action="core.audit_log.exported").exists()


def test_csv_export_follows_the_filters_and_is_itself_logged(client, logged):
    auditor = logged["users"]["auditor"]
    sign_in(client, auditor)
    response = client.get(
        reverse("site:audit_log_export", args=["csv"]), {"action": "people.person"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="granskningslogg-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Tid", "Händelse", "Kod", "Utförd av", "Objekt", "Kommun", "Detaljer"]
    assert [row[1:6] for row in rows[1:]] == [
        [
            "Personuppgifter ändrade",
            "people.person.changed",
            "admin@test.example",
            f"Person {logged['own_person'].pk}",
            "Mölndal",
        ]
    ]
    exported = AuditEvent.objects.get(action="core.audit_log.exported")
    assert exported.actor == auditor
    assert exported.data == {"format": "csv", "rows": 1, "filters": ["action"]}


def test_xlsx_export_holds_every_event_with_formulas_made_inert(client, logged):
    sign_in(client, logged["users"]["admin"])
    response = client.get(reverse("site:audit_log_export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    codes = {row[2] for row in values[1:]}
    assert {"people.person.changed", "some.unknown.code", "programmes.programme.loaded"} <= codes
    unknown = next(row for row in values if row[2] == "some.unknown.code")
    assert unknown[1] == "some.unknown.code"
    assert unknown[3] == "systemet"
    assert unknown[6] == '{"note": "=HYPERLINK(1)"}'


def test_export_refuses_bad_filters_and_an_unknown_format(client, logged):
    sign_in(client, logged["users"]["admin"])
    bad = client.get(reverse("site:audit_log_export", args=["csv"]), {"since": "igår"})
    assert bad.status_code == 400
    assert "Från datum" in bad.content.decode()
    assert client.get(reverse("site:audit_log_export", args=["pdf"])).status_code == 404
    assert not AuditEvent.objects.filter(action="core.audit_log.exported").exists()


def test_search_by_words_of_the_description_and_part_of_the_address(client, logged):
    sign_in(client, logged["users"]["auditor"])
    with_words = client.get(reverse("site:audit_log"), {"action": "reservlistan"})
    actions = {event.action for event in with_words.context["page"].object_list}
    assert actions == {"training.registration.waitlisted"}
    by_part = client.get(reverse("site:audit_log"), {"actor": "ADMIN@"})
    events = by_part.context["page"].object_list
    assert {e.actor for e in events} == {logged["users"]["admin"]}
    assert len(events) == 2
