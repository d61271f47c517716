"""Every XLSX and CSV file the product writes goes through here, so that no text in it acts as
a formula when a spreadsheet program opens it, and every workbook reads the same way.

The rule (OWASP, "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe. Numbers, dates and empty cells are left as they are.
Names, free-text answers and other text come from people outside the product; a cell such as
`=HYPERLINK(...)` beside a personnummer must stay text.

Every sheet of every workbook gets a bold, frozen header row with an autofilter and columns as
wide as their content. A `Spreadsheet` adds a first sheet saying what the file is, for which
programme and period, and when and by whom it was made, and gives columns number formats, so
that percentages and money are numbers a spreadsheet can add up.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats; a Swedish spreadsheet program shows the grouping as a space.
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
PERCENT = "0.0 %"
MONEY = '#,##0 "kr"'
MONEY_ORE = '#,##0.00 "kr"'
DATE = "yyyy-mm-dd"
DATE_TIME = "yyyy-mm-dd hh:mm"
_WIDTH_MIN, _WIDTH_MAX = 6, 60


def inert(value):
    """The value as a cell that cannot act as a formula: risky text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _shown_length(value, number_format: str) -> int:
    """About how many characters a cell shows, for the column's width."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float | Decimal):
        if number_format == PERCENT:
            return len(f"{float(value) * 100:.1f}") + 2
        decimals = 2 if ".00" in number_format else (1 if ".0" in number_format else 0)
        shown = len(f"{float(value):,.{decimals}f}")
        return shown + (3 if "kr" in number_format else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _finish(sheet: Worksheet) -> None:
    """Inert text, a bold frozen header row with an autofilter, and widths that fit."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.value = inert(cell.value)
            length = _shown_length(cell.value, cell.number_format)
            if length > widths.get(cell.column, 0):
                widths[cell.column] = length
    if sheet.max_row < 1 or not widths:
        return
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, length in widths.items():
        # Room for the filter button beside a header.
        width = max(_WIDTH_MIN, min(_WIDTH_MAX, length + 3))
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as XLSX bytes: every text cell of every sheet made inert, and every sheet
    with a frozen, filterable header row and columns as wide as their content."""
    for sheet in book.worksheets:
        _finish(sheet)
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


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its heading and, for numbers and dates, how they are shown."""

    title: str
    number_format: str | None = None


class Spreadsheet:
    """A workbook whose first sheet says what it is: title, programme, period, when and by
    whom it was made, and any notes (such as what is missing from it)."""

    def __init__(self, *, title: str, programme: str, period: str, made_by: str):
        self.book = Workbook()
        self.about = self.book.active
        self.about.title = _("About")[:31]
        self.about.append([_("Detail"), _("Value")])
        self.about.append([_("Report"), title])
        self.about.append([_("Programme"), programme])
        self.about.append([_("Period"), period])
        self.about.append([_("Made"), timezone.localtime().replace(tzinfo=None, microsecond=0)])
        self.about.cell(row=self.about.max_row, column=2).number_format = DATE_TIME
        self.about.append([_("Made by"), made_by])
        self._formats: dict[str, list[str | None]] = {}

    def note(self, label: str, value, number_format: str | None = None) -> None:
        """One more line on the first sheet."""
        self.about.append([label, value])
        if number_format:
            self.about.cell(row=self.about.max_row, column=2).number_format = number_format

    def sheet(self, title: str, columns: Sequence[Column]) -> Worksheet:
        """A new sheet with its header row; rows are added with `append`."""
        sheet = self.book.create_sheet(title[:31])
        sheet.append([column.title for column in columns])
        self._formats[sheet.title] = [column.number_format for column in columns]
        return sheet

    def xlsx(self) -> bytes:
        for sheet in self.book.worksheets[1:]:
            for index, number_format in enumerate(self._formats[sheet.title], start=1):
                if number_format is None:
                    continue
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
        return workbook_bytes(self.book)


def xlsx_bytes(header: list, rows: Iterable[Iterable], *, title: str) -> bytes:
    """One sheet called `title` as XLSX bytes, laid out and made inert as every workbook is."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    return workbook_bytes(book)
