"""The funder's (ESF) exports as workbooks: participants for SCB's monthly report (the only
export carrying personnummer), attendance per participant and month, and co-financing by
municipality, staff category and month. Every export is audit-logged by `esf_export`."""

from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled
from openpyxl import Workbook

from grannar.core.audit import log_action
from grannar.core.crypto import decrypt_text
from grannar.core.spreadsheets import workbook_bytes
from grannar.people.models import Person
from grannar.programmes.models import Programme
from grannar.reporting.counting import hourly_rates
from grannar.training.facts import Scope, attended_registrations, person_facts, registration_hours
from grannar.training.models import MonthlyAttestation


def _book(title: str, header: list[str]) -> tuple[Workbook, object]:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    sheet.freeze_panes = "A2"
    return book, sheet


def _months(programme: Programme):
    """Participants' attended registrations per person and month (local time): sessions and
    whole hours."""
    rows = attended_registrations(Scope(programme=programme)).filter(person__support_resource=False)
    return (
        rows.annotate(month=TruncMonth("session__starts"))
        .values("person_id", "month")
        .annotate(sessions=Count("id"), hours=Sum(registration_hours()))
        .order_by("month", "person_id")
    )


def scb_participants(programme: Programme) -> tuple[bytes, int]:
    """One row per participant with personnummer and entry/exit dates, by month of entry; a
    second sheet counts who entered and who left each month."""
    facts = [f for f in person_facts(Scope(programme=programme)) if not f.support_resource]
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[f.person_id for f in facts]).select_related(
            "workplace", "municipality", "staff_category"
        )
    }
    book, sheet = _book(
        _("Participants"),
        [
            _("Month of entry"),
            _("Personnummer"),
            _("First name"),
            _("Last name"),
            _("Gender"),
            _("Birth year"),
            _("Age band"),
            _("Municipality code"),
            _("Employer organisation number"),
            _("Staff category"),
            _("Entry date"),
            _("Exit date"),
        ],
    )
    entered: Counter = Counter()
    left: Counter = Counter()
    for fact in sorted(facts, key=lambda f: (f.entry, f.person_id)):
        person = people[fact.person_id]
        pnr = decrypt_text(person.personnummer_encrypted) if person.has_personnummer else ""
        sheet.append(
            [
                f"{fact.entry:%Y-%m}",
                pnr,
                person.first_name,
                person.last_name,
                fact.gender,
                person.birth_year,
                fact.age_band,
                fact.municipality,
                person.workplace.organisation_number if person.workplace else "",
                fact.staff_category,
                fact.entry,
                fact.exit,
            ]
        )
        entered[f"{fact.entry:%Y-%m}"] += 1
        left[f"{fact.exit:%Y-%m}"] += 1
    months = book.create_sheet(_("By month"))
    months.append([_("Month"), _("Entered"), _("Left")])
    for month in sorted(set(entered) | set(left)):
        months.append([month, entered[month], left[month]])
    return workbook_bytes(book), len(facts)


def attendance_by_month(programme: Programme) -> tuple[bytes, int]:
    """Sessions and whole hours per participant and month, beside their attestation."""
    months = list(_months(programme))
    people = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in={row["person_id"] for row in months}).values(
            "pk", "first_name", "last_name", "municipality__code", "workplace__name"
        )
    }
    attested = {
        (a.person_id, a.month): a
        for a in MonthlyAttestation.objects.filter(programme=programme).only(
            "person_id", "month", "hours", "attested"
        )
    }
    book, sheet = _book(
        _("Attendance"),
        [
            _("Month"),
            _("First name"),
            _("Last name"),
            _("Municipality code"),
            _("Workplace"),
            _("Sessions"),
            _("Whole hours"),
            _("Attested hours"),
            _("Attested"),
        ],
    )
    for row in months:
        person = people[row["person_id"]]
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        attestation = attested.get((row["person_id"], month))
        sheet.append(
            [
                f"{month:%Y-%m}",
                person["first_name"],
                person["last_name"],
                person["municipality__code"],
                person["workplace__name"] or "",
                row["sessions"],
                row["hours"],
                attestation.hours if attestation else None,
                attestation.attested.replace(tzinfo=None) if attestation else None,
            ]
        )
    return workbook_bytes(book), len(months)


def cofinancing_by_month(programme: Programme) -> tuple[bytes, int]:
    """Whole hours × hourly rate by municipality, staff category and month."""
    rows = (
        attended_registrations(Scope(programme=programme))
        .filter(person__support_resource=False)
        .annotate(month=TruncMonth("session__starts"))
        .values(
            "month",
            "person__municipality__code",
            "person__staff_category_id",
            "person__staff_category__code",
        )
        .annotate(participants=Count("person_id", distinct=True), hours=Sum(registration_hours()))
        .order_by("month", "person__municipality__code", "person__staff_category__code")
    )
    rates = hourly_rates(programme)
    default = Decimal(programme.default_hourly_rate_sek or 0)
    book, sheet = _book(
        _("Co-financing"),
        [
            _("Month"),
            _("Municipality code"),
            _("Staff category"),
            _("Participants"),
            _("Whole hours"),
            _("Hourly rate (SEK)"),
            _("Co-financing (SEK)"),
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
                f"{row['month']:%Y-%m}",
                row["person__municipality__code"],
                row["person__staff_category__code"],
                row["participants"],
                row["hours"],
                rate,
                amount,
            ]
        )
        count += 1
    sheet.append([_("Total"), "", "", None, totals["hours"], None, totals["amount"]])
    return workbook_bytes(book), count


EXPORTS: dict[str, tuple[object, Callable[[Programme], tuple[bytes, int]]]] = {
    "participants": (gettext_lazy("Participants for SCB (with personnummer)"), scb_participants),
    "attendance": (gettext_lazy("Attendance per participant and month"), attendance_by_month),
    "cofinancing": (
        gettext_lazy("Co-financing by municipality, staff category and month"),
        cofinancing_by_month,
    ),
}


def esf_export(*, programme: Programme, kind: str, by) -> bytes:
    """Make the export `kind` and record who took it; the workbook holds personal data."""
    make = EXPORTS[kind][1]
    with scopes_disabled():
        content, rows = make(programme)
    log_action(
        action=f"reporting.esf_{kind}.exported",
        actor=by,
        target=programme,
        data={"rows": rows},
    )
    return content
