"""Every XLSX and CSV file the product writes goes through here, so that no text in it acts as
a formula when a spreadsheet program opens it. Names, free-text answers and other text come
from people outside the product; a cell such as `=HYPERLINK(...)` beside a personnummer must
stay text.

The rule (OWASP, "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe. Numbers, dates and empty cells are left as they are.
"""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(value):
    """The value as a cell that cannot act as a formula: risky text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as XLSX bytes, every text cell of every sheet made inert first."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.value = inert(cell.value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: list, rows: Iterable[Iterable]) -> bytes:
    """Comma-separated UTF-8 with a BOM (so that Excel reads the å, ä and ö), every cell inert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([inert(value) for value in header])
    writer.writerows([inert(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: list, rows: Iterable[Iterable], *, title: str) -> bytes:
    """One sheet called `title` with a bold header row, as XLSX bytes with every cell inert."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)
