"""Certificates as PDF, made with typst: the course certificate and the ESF monthly
attendance certificate. Data goes to typst as JSON, so no name can act as markup."""

import datetime as dt
from pathlib import Path

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.audit import log_action
from grannar.core.emblem import funding_for_typst
from grannar.core.numbers import number
from grannar.core.pdf import render_pdf
from grannar.core.rules import whole_hours
from grannar.people.models import Person
from grannar.programmes.models import Programme
from grannar.training.models import Certificate, MonthlyAttestation, Registration
from grannar.training.selectors import attestable_months

TEMPLATES = Path(__file__).parent / "typst"


class CertificateError(Exception):
    """A certificate that cannot be made; the message says why."""


def _render(template: str, data: dict) -> bytes:
    return render_pdf(TEMPLATES / template, data)


def verify_url(code: str) -> str:
    return f"{settings.GRANNAR_SITE_URL}{reverse('certificate_verify', args=[code])}"


def certificate_issue(*, registration: Registration, by) -> Certificate:
    """The certificate of an attended registration, made on first request."""
    if registration.status != Registration.Status.ATTENDED:
        raise CertificateError(_("Only attended sessions have certificates."))
    existing = Certificate.objects.filter(registration=registration).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(registration=registration)
            log_action(
                action="training.certificate.issued",
                actor=by,
                target=certificate,
                municipality_id=registration.municipality_id,
            )
    except IntegrityError:
        # Two downloads at once: the first one made it.
        certificate = Certificate.objects.get(registration=registration)
    return certificate


def _funding(programme: Programme | None) -> dict | None:
    statement = programme.funding_statement if programme else None
    if statement is None:
        return None
    return funding_for_typst(text=statement.text, eu_emblem=statement.eu_emblem)


def _hours(registration: Registration) -> int:
    attendance = getattr(registration, "attendance", None)
    return whole_hours(
        attendance.hours if attendance else None, registration.session.credited_hours
    )


def certificate_data(certificate: Certificate) -> dict:
    registration = certificate.registration
    session = registration.session
    programme = session.course.programme
    url = verify_url(certificate.code)
    hours = _hours(registration)
    return {
        "lang": translation.get_language() or "sv",
        "title": _("Course certificate"),
        "labels": {
            "heading": _("Course certificate"),
            "certifies": _("This certifies that"),
            "took_part": _("has taken part in"),
            "hours": ngettext("hour", "hours", hours),
            "verify": _("Check that this certificate is genuine at"),
            "code": _("Verification code"),
        },
        "holder": registration.person.full_name,
        "course": session.course.title,
        "date": formats.date_format(timezone.localtime(session.starts).date(), "j F Y"),
        "hours": number(hours),
        "programme": {
            "name": programme.name if programme else _("The region's training catalogue"),
            "owner": programme.owner if programme else "",
        },
        "funding": _funding(programme),
        "code": certificate.code,
        "url": url,
        "qr": list(segno.make(url, error="m").svg_inline(scale=4, border=0).encode()),
    }


def certificate_pdf(certificate: Certificate) -> bytes:
    return _render("certificate.typ", certificate_data(certificate))


def certificate_verify(code: str) -> dict | None:
    """What the public verification page shows: validity, course, date and initials only,
    with the funding statement of the course's programme."""
    certificate = (
        Certificate.objects.select_related(
            "registration__person", "registration__session__course__programme"
        )
        .filter(code=code.strip().upper())
        .first()
    )
    if certificate is None:
        return None
    registration = certificate.registration
    person = registration.person
    programme = registration.session.course.programme
    return {
        "valid": not certificate.revoked,
        "course": registration.session.course.title,
        "date": timezone.localtime(registration.session.starts).date(),
        "initials": f"{person.first_name[:1]}. {person.last_name[:1]}.",
        "funding": programme.funding_statement if programme else None,
    }


def monthly_data(*, person: Person, programme: Programme, month: dt.date) -> dict:
    entry = next(
        (
            e
            for e in attestable_months(person_id=person.pk)
            if e["programme"].pk == programme.pk and e["month"] == month
        ),
        None,
    )
    if entry is None:
        raise CertificateError(_("No attended sessions that month."))
    attestation = MonthlyAttestation.objects.filter(
        person=person, programme=programme, month=month
    ).first()
    workplace = person.workplace
    return {
        "lang": translation.get_language() or "sv",
        "title": _("Monthly attendance certificate"),
        "labels": {
            "heading": _("Attendance certificate"),
            "participant": _("Participant"),
            "employer": _("Employer"),
            "organisation_number": _("Organisation number"),
            "month": _("Month"),
            "date": _("Date"),
            "activity": _("Activity"),
            "hours": _("Hours"),
            "total": _("Total"),
            "attestation": _("Participant's attestation"),
            "attested_at": _("Attested"),
            "not_attested": _("Not yet attested by the participant."),
            "footer": _("Hours are whole hours per activity, rounded down."),
        },
        "participant": person.full_name,
        "employer": person.municipality.name,
        "organisation_number": (workplace.organisation_number if workplace else "") or "–",
        "month": formats.date_format(month, "F Y"),
        "programme": {"name": programme.name, "funder": programme.funder},
        "funding": _funding(programme),
        "rows": [
            {
                "date": a["date"].isoformat(),
                "activity": a["session"].course.title,
                "hours": number(a["hours"]),
            }
            for a in entry["activities"]
        ],
        "total": number(entry["hours"]),
        "attested": attestation is not None,
        "statement": attestation.statement if attestation else "",
        "attested_at": (
            timezone.localtime(attestation.attested).strftime("%Y-%m-%d %H:%M")
            if attestation
            else ""
        ),
    }


def monthly_certificate_pdf(*, person: Person, programme: Programme, month: dt.date) -> bytes:
    return _render("monthly.typ", monthly_data(person=person, programme=programme, month=month))
