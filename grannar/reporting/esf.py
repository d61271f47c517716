"""The funder's (ESF) exports as workbooks: participants for SCB's monthly report (the only
export carrying personnummer), attendance per participant and month, and co-financing by
municipality, staff category and month. Cells hold names, not codes (the municipality code
stays beside its name, as SCB asks for it). Every export is audit-logged by `esf_export`."""

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from grannar.core.audit import log_action
from grannar.core.crypto import decrypt_text
from grannar.core.downloads import file_name
from grannar.core.rules import UNKNOWN
from grannar.core.spreadsheets import (
    DATE,
    DATE_TIME,
    DECIMAL,
    INTEGER,
    MONEY,
    MONEY_ORE,
    Column,
    Spreadsheet,
)
from grannar.people.models import Person
from grannar.programmes.models import Programme
from grannar.reporting.counting import hourly_rates
from grannar.reporting.selectors import Labels, labels_for
from grannar.training.facts import Scope, attended_registrations, person_facts, registration_hours
from grannar.training.models import MonthlyAttestation


@dataclass(frozen=True)
class Request:
    """What to export: a programme, optionally one calendar month, and who asked."""

    programme: Programme
    made_by: str
    month: dt.date | None = None  # the first day of the month

    @property
    def scope(self) -> Scope:
        if self.month is None:
            return Scope(programme=self.programme)
        last = calendar.monthrange(self.month.year, self.month.month)[1]
        return Scope(programme=self.programme, start=self.month, end=self.month.replace(day=last))

    @property
    def period(self) -> str:
        if self.month is not None:
            return f"{self.month:%Y-%m}"
        programme = self.programme
        return f"{programme.starts.isoformat()} – {programme.ends.isoformat()}"

    def spreadsheet(self, title: str) -> Spreadsheet:
        return Spreadsheet(
            title=title,
            programme=f"{self.programme.name} ({self.programme.code})",
            period=self.period,
            made_by=self.made_by,
        )


def check_month(value: str) -> dt.date:
    """A month written YYYY-MM, as its first day; anything else is refused saying how to write
    it."""
    text = (value or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 1 <= month <= 12 and year >= 1900:
            return dt.date(year, month, 1)
    raise ValidationError(
        _("%(value)s is not a month; write it as YYYY-MM, for example 2026-12.") % {"value": text},
        code="month",
    )


def _label(text: str) -> str:
    """A label as a cell shows it: capitalised ("kvinna" → "Kvinna")."""
    return text[:1].upper() + text[1:]


def _gender(labels: Labels, code: str) -> str:
    return _label(labels.gender.get(code, code))


def _age_band(code: str) -> str:
    return _("Unknown") if code == UNKNOWN else code


def _local_month(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def scb_participants(request: Request) -> tuple[bytes, int]:
    """One row per participant with personnummer, entry and exit dates and the employer's
    organisation number (the workplace's own, else its municipality's), by month of entry; a
    sheet counts who entered and who left each month. With a month: who took part in it."""
    facts = [f for f in person_facts(request.scope) if not f.support_resource]
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[f.person_id for f in facts]).select_related(
            "workplace__municipality", "municipality", "staff_category__sector"
        )
    }
    labels = labels_for(request.programme)
    book = request.spreadsheet(_("Participants for SCB (with personnummer)"))
    sheet = book.sheet(
        _("Participants"),
        [
            Column(_("Month of entry")),
            Column(_("Personnummer")),
            Column(_("First name")),
            Column(_("Last name")),
            Column(_("Gender")),
            Column(_("Birth year")),
            Column(_("Age band")),
            Column(_("Municipality code")),
            Column(_("Municipality")),
            Column(_("Workplace")),
            Column(_("Employer organisation number")),
            Column(_("Organisation number from")),
            Column(_("Staff category")),
            Column(_("Sector")),
            Column(_("Entry date"), DATE),
            Column(_("Exit date"), DATE),
        ],
    )
    entered: Counter = Counter()
    left: Counter = Counter()
    missing = 0
    for fact in sorted(facts, key=lambda f: (f.entry, f.person_id)):
        person = people[fact.person_id]
        pnr = decrypt_text(person.personnummer_encrypted) if person.has_personnummer else ""
        workplace = person.workplace
        if workplace and workplace.organisation_number:
            number, source = workplace.organisation_number, _("Workplace")
        elif workplace and workplace.municipality.organisation_number:
            number, source = workplace.municipality.organisation_number, _("Municipality")
        else:
            number, source = "", _("Missing")
            missing += 1
        category = person.staff_category
        sheet.append(
            [
                f"{fact.entry:%Y-%m}",
                pnr,
                person.first_name,
                person.last_name,
                _gender(labels, fact.gender),
                person.birth_year,
                _age_band(fact.age_band),
                fact.municipality,
                labels.municipality.get(fact.municipality, person.municipality.name),
                workplace.name if workplace else person.workplace_name,
                number,
                source,
                category.name if category else "",
                category.sector.name if category else "",
                fact.entry,
                fact.exit,
            ]
        )
        entered[f"{fact.entry:%Y-%m}"] += 1
        left[f"{fact.exit:%Y-%m}"] += 1
    book.note(_("Participants"), len(facts), INTEGER)
    book.note(_("Participants without an employer organisation number"), missing, INTEGER)
    months = book.sheet(
        _("By month"),
        [Column(_("Month")), Column(_("Entered"), INTEGER), Column(_("Left"), INTEGER)],
    )
    for month in sorted(set(entered) | set(left)):
        months.append([month, entered[month], left[month]])
    return book.xlsx(), len(facts)


def attendance_by_month(request: Request) -> tuple[bytes, int]:
    """Sessions and whole hours per participant and month, beside their attestation."""
    rows = (
        attended_registrations(request.scope)
        .filter(request.scope.period_q(), person__support_resource=False)
        .annotate(month=TruncMonth("session__starts"))
        .values("person_id", "month")
        .annotate(sessions=Count("id"), hours=Sum(registration_hours()))
        .order_by("month", "person_id")
    )
    months = list(rows)
    people = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in={row["person_id"] for row in months}).values(
            "pk",
            "first_name",
            "last_name",
            "municipality__code",
            "municipality__name",
            "workplace__name",
            "workplace_name",
            "staff_category__name",
        )
    }
    attested = {
        (a.person_id, a.month): a
        for a in MonthlyAttestation.objects.filter(programme=request.programme).only(
            "person_id", "month", "hours", "attested"
        )
    }
    book = request.spreadsheet(_("Attendance per participant and month"))
    sheet = book.sheet(
        _("Attendance"),
        [
            Column(_("Month")),
            Column(_("First name")),
            Column(_("Last name")),
            Column(_("Municipality code")),
            Column(_("Municipality")),
            Column(_("Workplace")),
            Column(_("Staff category")),
            Column(_("Sessions"), INTEGER),
            Column(_("Whole hours"), INTEGER),
            Column(_("Attested hours"), DECIMAL),
            Column(_("Attested"), DATE_TIME),
        ],
    )
    unattested = 0
    for row in months:
        person = people[row["person_id"]]
        month = _local_month(row["month"])
        attestation = attested.get((row["person_id"], month))
        unattested += attestation is None
        sheet.append(
            [
                f"{month:%Y-%m}",
                person["first_name"],
                person["last_name"],
                person["municipality__code"],
                person["municipality__name"],
                person["workplace__name"] or person["workplace_name"] or "",
                person["staff_category__name"] or "",
                row["sessions"],
                row["hours"],
                attestation.hours if attestation else None,
                timezone.localtime(attestation.attested).replace(tzinfo=None)
                if attestation
                else None,
            ]
        )
    book.note(_("Rows (participant and month)"), len(months), INTEGER)
    book.note(_("Months not yet attested"), unattested, INTEGER)
    return book.xlsx(), len(months)


def cofinancing_by_month(request: Request) -> tuple[bytes, int]:
    """Whole hours × hourly rate by municipality, staff category and month."""
    rows = (
        attended_registrations(request.scope)
        .filter(request.scope.period_q(), person__support_resource=False)
        .annotate(month=TruncMonth("session__starts"))
        .values(
            "month",
            "person__municipality__code",
            "person__municipality__name",
            "person__staff_category_id",
            "person__staff_category__name",
        )
        .annotate(participants=Count("person_id", distinct=True), hours=Sum(registration_hours()))
        .order_by("month", "person__municipality__name", "person__staff_category__name")
    )
    rates = hourly_rates(request.programme)
    default = Decimal(request.programme.default_hourly_rate_sek or 0)
    book = request.spreadsheet(_("Co-financing by municipality, staff category and month"))
    sheet = book.sheet(
        _("Co-financing"),
        [
            Column(_("Month")),
            Column(_("Municipality code")),
            Column(_("Municipality")),
            Column(_("Staff category")),
            Column(_("Participants"), INTEGER),
            Column(_("Whole hours"), INTEGER),
            Column(_("Hourly rate"), MONEY_ORE),
            Column(_("Co-financing"), MONEY),
        ],
    )
    totals: defaultdict = defaultdict(Decimal)
    count = 0
    for row in rows:
        rate = rates.get(row["person__staff_category_id"], default)
        amount = row["hours"] * rate
        totals["hours"] += row["hours"]
        totals["amount"] += amount
        sheet.append(
            [
                f"{_local_month(row['month']):%Y-%m}",
                row["person__municipality__code"],
                row["person__municipality__name"],
                row["person__staff_category__name"] or "",
                row["participants"],
                row["hours"],
                rate,
                amount,
            ]
        )
        count += 1
    sheet.append([_("Total"), "", "", "", None, totals["hours"], None, totals["amount"]])
    book.note(_("Whole hours"), totals["hours"], INTEGER)
    book.note(_("Co-financing"), totals["amount"], MONEY)
    return book.xlsx(), count


Maker = Callable[[Request], tuple[bytes, int]]
EXPORTS: dict[str, tuple[object, object, Maker]] = {
    "participants": (
        gettext_lazy("Participants for SCB (with personnummer)"),
        gettext_lazy("participants"),
        scb_participants,
    ),
    "attendance": (
        gettext_lazy("Attendance per participant and month"),
        gettext_lazy("attendance"),
        attendance_by_month,
    ),
    "cofinancing": (
        gettext_lazy("Co-financing by municipality, staff category and month"),
        gettext_lazy("co-financing"),
        cofinancing_by_month,
    ),
}


def esf_file_name(*, programme: Programme, kind: str, month: dt.date | None = None) -> str:
    """`deltagare-nya-grannar-2026-12.xlsx`: what, programme, and the month or the day made."""
    when = f"{month:%Y-%m}" if month else timezone.localdate().isoformat()
    return file_name(EXPORTS[kind][1], programme.code, when, extension="xlsx")


def esf_export(
    *, programme: Programme, kind: str, by, made_by: str, month: dt.date | None = None
) -> bytes:
    """Make the export `kind` (optionally of one month) and record who took it; the workbook
    holds personal data. `by` is the user, or None on the command line."""
    make = EXPORTS[kind][2]
    with scopes_disabled():
        content, rows = make(Request(programme=programme, made_by=made_by, month=month))
    data = {"rows": rows}
    if month is not None:
        data["month"] = f"{month:%Y-%m}"
    log_action(action=f"reporting.esf_{kind}.exported", actor=by, target=programme, data=data)
    return content
